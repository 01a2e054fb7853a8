//! Facial expression: mini-Xception trained on FER2013, on a tight square grey crop of a face.

use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::value::Tensor;

use crate::vision::{runtime, VisionError};

/// FER mini-Xception (oarriaga/face_classification, MIT), see NOTICE.
const FER_MODEL: &[u8] = include_bytes!("../../data/models/fer-mini-xception.onnx");
static FER: OnceLock<Result<Mutex<Session>, String>> = OnceLock::new();

/// Loads the FER model once per process (an error says why it cannot run).
pub fn model() -> Result<&'static Mutex<Session>, VisionError> {
    runtime::environment()?;
    FER.get_or_init(|| {
        runtime::session(FER_MODEL)
            .map(Mutex::new)
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| VisionError::Model(e.clone()))
}

/// FER on a tight square crop around the face: grey 64x64, `(x/255 - 0.5) * 2`.
pub fn expression(
    grey: &image::GrayImage,
    b: &[f32; 4],
    fer: &Mutex<Session>,
) -> Result<[f32; 7], VisionError> {
    let (w, h) = grey.dimensions();
    let side = (b[2] - b[0]).max(b[3] - b[1]);
    let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    let x0 = (cx - side / 2.0).clamp(0.0, (w.saturating_sub(1)) as f32) as u32;
    let y0 = (cy - side / 2.0).clamp(0.0, (h.saturating_sub(1)) as f32) as u32;
    let cw = (side as u32).clamp(1, w - x0);
    let ch = (side as u32).clamp(1, h - y0);
    let crop = image::imageops::crop_imm(grey, x0, y0, cw, ch).to_image();
    let face = image::imageops::resize(&crop, 64, 64, image::imageops::FilterType::Triangle);
    let input: Vec<f32> = face
        .pixels()
        .map(|p| (p[0] as f32 / 255.0 - 0.5) * 2.0)
        .collect();
    let tensor = Tensor::from_array(([1usize, 64, 64, 1], input))
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let mut session = fer.lock().unwrap_or_else(|e| e.into_inner());
    let outputs = session
        .run(ort::inputs![tensor])
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let (_, probs) = outputs[0]
        .try_extract_tensor::<f32>()
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let mut out = [0.0f32; 7];
    for (o, p) in out.iter_mut().zip(probs.iter()) {
        *o = if p.is_finite() { p.max(0.0) } else { 0.0 };
    }
    Ok(out)
}
