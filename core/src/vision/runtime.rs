//! The one ONNX environment of the process: the built-in tract backend, or ONNX Runtime when
//! `ORT_DYLIB_PATH` names its library. Every model's session comes from here.

use std::sync::OnceLock;

use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;

use crate::vision::VisionError;

static BACKEND: OnceLock<Result<(ort::environment::Environment, &'static str), String>> =
    OnceLock::new();

/// Which ONNX backend runs the models: `tract` or `onnxruntime`; an error if none could start.
pub fn backend() -> Result<&'static str, VisionError> {
    environment().map(|(_, name)| *name)
}

pub(crate) fn environment(
) -> Result<&'static (ort::environment::Environment, &'static str), VisionError> {
    BACKEND
        .get_or_init(|| {
            let name = match std::env::var_os("ORT_DYLIB_PATH") {
                Some(path) => match load_onnxruntime(&path) {
                    Ok(()) => "onnxruntime",
                    Err(e) => {
                        tracing::warn!(error = %e, "ORT_DYLIB_PATH could not be loaded; using tract");
                        ort::set_api(ort_tract::api());
                        "tract"
                    }
                },
                None => {
                    ort::set_api(ort_tract::api());
                    "tract"
                }
            };
            ort::init().with_name("moodtune").build().map(|env| (env, name)).map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| VisionError::Model(e.clone()))
}

/// Loads ONNX Runtime from a shared library and hands its API table to `ort`.
fn load_onnxruntime(path: &std::ffi::OsStr) -> Result<(), String> {
    // SAFETY: loading a library runs its initialisers; the operator named this ONNX Runtime build.
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| e.to_string())?;
    let lib: &'static libloading::Library = Box::leak(Box::new(lib));
    // SAFETY: OrtGetApiBase has this signature in every ONNX Runtime release.
    let get_base: libloading::Symbol<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase> =
        unsafe { lib.get(b"OrtGetApiBase") }.map_err(|e| e.to_string())?;
    let base = unsafe { get_base() };
    if base.is_null() {
        return Err("OrtGetApiBase returned null".into());
    }
    // SAFETY: base is valid; GetApi returns null when the library does not speak API 24.
    let api = unsafe { ((*base).GetApi)(24) };
    if api.is_null() {
        return Err("this ONNX Runtime does not provide API version 24".into());
    }
    ort::set_api(unsafe { std::ptr::read(api) });
    Ok(())
}

/// A session for an ONNX model on the process's backend (one thread per inference: photos run
/// side by side on the engine's blocking threads instead).
///
/// Graph optimisation is asked for by name: ONNX Runtime optimises by default, but tract (behind
/// `ort-tract`) only when told, and without it a selfie took 270 ms instead of about 110
/// (BENCHMARKS.md, "Selfies on the built-in backend").
pub fn session(bytes: &[u8]) -> Result<Session, VisionError> {
    let (env, _) = environment()?;
    let builder = Session::builder(env).map_err(|e| VisionError::Model(e.to_string()))?;
    let mut builder = builder
        .with_intra_threads(1)
        .map_err(|e| VisionError::Model(e.to_string()))?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(|e| VisionError::Model(e.to_string()))?;
    builder
        .commit_from_memory(bytes)
        .map_err(|e| VisionError::Model(e.to_string()))
}

/// A session for a model whose first input may have its batch fixed, and that batch (`None`:
/// open). The expression networks read a face's views in batches of this size: tract optimises
/// for the shapes it knows.
pub(crate) fn batched_session(bytes: &[u8]) -> Result<(Session, Option<usize>), VisionError> {
    let session = session(bytes)?;
    let batch = session
        .inputs()
        .first()
        .and_then(|input| input.dtype().tensor_shape())
        .and_then(|shape| shape.first().copied())
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n > 0);
    Ok((session, batch))
}
