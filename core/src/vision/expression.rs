//! Facial expression: mini-Xception trained on FER2013, on a square grey crop of a face; its seven
//! probabilities and the 128 channels of its last block (what the calibration reads).

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

/// How a face is cut out for FER: the side of the square crop relative to the detector's box,
/// and whether it is mirrored. Reading a face through a few views and averaging steadies the
/// reading (test-time augmentation); the views the bot uses are [`crate::vision::calibration`]'s.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct View {
    /// Crop side as a multiple of the box's longer side (1.0: tight).
    pub scale: f32,
    /// Mirror the crop left to right.
    pub mirror: bool,
}

/// Channels of the model's last block, averaged over the face (the model's second output, added by
/// `tools/fer_features_output.py`).
pub const FEATURES: usize = 128;

/// What FER makes of one view of a face.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Probabilities: angry, disgust, fear, happy, sad, surprise, neutral.
    pub probabilities: [f32; 7],
    /// The pooled channels of the last block.
    pub features: [f32; FEATURES],
}

/// FER on views of a face, all in one run of the model (a batch: on tract four views cost little
/// more than one). Each view is a square crop of `view.scale` times the box (clamped to the
/// photo), grey 64x64, `(x/255 - 0.5) * 2`; one reading per view, in order.
pub fn expression_views(
    grey: &image::GrayImage,
    b: &[f32; 4],
    views: &[View],
    fer: &Mutex<Session>,
) -> Result<Vec<Reading>, VisionError> {
    if views.is_empty() {
        return Ok(Vec::new());
    }
    let mut input: Vec<f32> = Vec::with_capacity(views.len() * 64 * 64);
    for view in views {
        let face = crop(grey, b, *view);
        input.extend(face.pixels().map(|p| (p[0] as f32 / 255.0 - 0.5) * 2.0));
    }
    let tensor = Tensor::from_array(([views.len(), 64, 64, 1], input))
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let mut session = fer.lock().unwrap_or_else(|e| e.into_inner());
    let outputs = session
        .run(ort::inputs![tensor])
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let tensor = |i: usize| {
        outputs[i]
            .try_extract_tensor::<f32>()
            .map(|(_, v)| v)
            .map_err(|e| VisionError::Model(e.to_string()))
    };
    let probabilities = tensor(0)?;
    let features = if outputs.len() > 1 {
        tensor(1)?
    } else {
        &[][..]
    };
    let finite = |v: &f32| if v.is_finite() { *v } else { 0.0 };
    Ok((0..views.len())
        .map(|i| {
            let mut reading = Reading {
                probabilities: [0.0; 7],
                features: [0.0; FEATURES],
            };
            let p = probabilities.get(i * 7..(i + 1) * 7).unwrap_or(&[]);
            for (o, v) in reading.probabilities.iter_mut().zip(p) {
                *o = finite(v).max(0.0);
            }
            let f = features
                .get(i * FEATURES..(i + 1) * FEATURES)
                .unwrap_or(&[]);
            for (o, v) in reading.features.iter_mut().zip(f) {
                *o = finite(v);
            }
            reading
        })
        .collect())
}

/// One view of a face as FER reads it: grey 64x64.
fn crop(grey: &image::GrayImage, b: &[f32; 4], view: View) -> image::GrayImage {
    let (w, h) = grey.dimensions();
    let side = (b[2] - b[0]).max(b[3] - b[1]) * view.scale.clamp(0.5, 2.0);
    let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    let x0 = (cx - side / 2.0).clamp(0.0, (w.saturating_sub(1)) as f32) as u32;
    let y0 = (cy - side / 2.0).clamp(0.0, (h.saturating_sub(1)) as f32) as u32;
    let cw = (side as u32).clamp(1, w - x0);
    let ch = (side as u32).clamp(1, h - y0);
    let crop = image::imageops::crop_imm(grey, x0, y0, cw, ch).to_image();
    let mut face = image::imageops::resize(&crop, 64, 64, image::imageops::FilterType::Triangle);
    if view.mirror {
        image::imageops::flip_horizontal_in_place(&mut face);
    }
    face
}
