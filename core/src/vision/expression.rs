//! Facial expression: mini-Xception trained on FER2013, on a square grey crop of a face; its seven
//! probabilities and the 128 channels of its last block (what the calibration reads).

use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::value::Tensor;

use crate::vision::{runtime, VisionError};

/// FER mini-Xception (oarriaga/face_classification, MIT), see NOTICE.
const FER_MODEL: &[u8] = include_bytes!("../../data/models/fer-mini-xception.onnx");
static FER: OnceLock<Result<FerModel, String>> = OnceLock::new();

/// The loaded FER model and the batch its input is fixed to.
///
/// Why a fixed batch: the built-in backend (tract) optimises a graph for the shapes it knows, and
/// with the batch left open a face's four views took half as long again (33 vs 22 ms). The bundled
/// model is fixed to the calibration's four views (`tools/fer_fixed_batch.py`); views are run in
/// batches of that size, the last one padded.
#[derive(Debug)]
pub struct FerModel {
    session: Mutex<Session>,
    /// `None` when the model's batch is open: every view in one run.
    batch: Option<usize>,
}

/// Loads the FER model once per process (an error says why it cannot run).
pub fn model() -> Result<&'static FerModel, VisionError> {
    runtime::environment()?;
    FER.get_or_init(|| {
        let (session, batch) = runtime::batched_session(FER_MODEL).map_err(|e| e.to_string())?;
        Ok(FerModel {
            session: Mutex::new(session),
            batch,
        })
    })
    .as_ref()
    .map_err(|e| VisionError::Model(e.clone()))
}

/// How a face is cut out for an expression network: the side of the square crop relative to the
/// detector's box, and whether it is mirrored. Reading a face through a few views and averaging
/// steadies the reading (test-time augmentation); the views the bot uses are
/// [`crate::vision::calibration`]'s.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct View {
    /// Crop side as a multiple of the box's longer side (1.0: tight).
    pub scale: f32,
    /// Mirror the crop left to right.
    pub mirror: bool,
    /// Keep the box's own shape and pad it to a square with black, as face-api.js cuts faces
    /// (its expression network was trained on such crops), instead of a square of the photo.
    #[serde(default)]
    pub pad: bool,
}

impl View {
    /// A square crop of `scale` times the box, mirrored or not.
    pub const fn square(scale: f32, mirror: bool) -> View {
        View {
            scale,
            mirror,
            pad: false,
        }
    }

    /// The box itself padded to a square, mirrored or not.
    pub const fn padded(mirror: bool) -> View {
        View {
            scale: 1.0,
            mirror,
            pad: true,
        }
    }

    /// The region of a `w` x `h` photo this view cuts for box `b` (x, y, width, height; never
    /// empty, always inside the photo, whatever the box).
    pub fn region(&self, b: &[f32; 4], w: u32, h: u32) -> (u32, u32, u32, u32) {
        let clamp_x = |v: f32| v.clamp(0.0, w.saturating_sub(1) as f32) as u32;
        let clamp_y = |v: f32| v.clamp(0.0, h.saturating_sub(1) as f32) as u32;
        if self.pad {
            let (x0, y0) = (clamp_x(b[0]), clamp_y(b[1]));
            let cw = ((b[2] - b[0]).max(1.0) as u32).clamp(1, w - x0);
            let ch = ((b[3] - b[1]).max(1.0) as u32).clamp(1, h - y0);
            return (x0, y0, cw, ch);
        }
        let side = (b[2] - b[0]).max(b[3] - b[1]) * self.scale.clamp(0.5, 2.0);
        let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
        let x0 = clamp_x(cx - side / 2.0);
        let y0 = clamp_y(cy - side / 2.0);
        let cw = (side as u32).clamp(1, w - x0);
        let ch = (side as u32).clamp(1, h - y0);
        (x0, y0, cw, ch)
    }
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

/// FER on views of a face, in batches of the model's size (on tract four views in one run cost
/// little more than one). Each view is a square crop of `view.scale` times the box (clamped to
/// the photo), grey 64x64, `(x/255 - 0.5) * 2`; one reading per view, in order.
pub fn expression_views(
    grey: &image::GrayImage,
    b: &[f32; 4],
    views: &[View],
    fer: &FerModel,
) -> Result<Vec<Reading>, VisionError> {
    let batch = fer.batch.unwrap_or(views.len()).max(1);
    let mut readings = Vec::with_capacity(views.len());
    for chunk in views.chunks(batch) {
        readings.extend(run_batch(grey, b, chunk, batch, fer)?);
    }
    Ok(readings)
}

/// One run of FER on up to `batch` views (the rest of the batch blank); a reading per view.
fn run_batch(
    grey: &image::GrayImage,
    b: &[f32; 4],
    views: &[View],
    batch: usize,
    fer: &FerModel,
) -> Result<Vec<Reading>, VisionError> {
    let mut input: Vec<f32> = Vec::with_capacity(batch * 64 * 64);
    for view in views {
        let face = crop(grey, b, *view);
        input.extend(face.pixels().map(|p| (p[0] as f32 / 255.0 - 0.5) * 2.0));
    }
    input.resize(batch * 64 * 64, 0.0);
    let tensor = Tensor::from_array(([batch, 64, 64, 1], input))
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let mut session = fer.session.lock().unwrap_or_else(|e| e.into_inner());
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

/// One view of a face as FER reads it: grey 64x64, for any box (the fuzz target calls it with
/// forged ones).
pub fn crop(grey: &image::GrayImage, b: &[f32; 4], view: View) -> image::GrayImage {
    let (w, h) = grey.dimensions();
    let (x0, y0, cw, ch) = view.region(b, w, h);
    let mut crop = image::imageops::crop_imm(grey, x0, y0, cw, ch).to_image();
    if view.pad {
        crop = pad_square(&crop);
    }
    let mut face = image::imageops::resize(&crop, 64, 64, image::imageops::FilterType::Triangle);
    if view.mirror {
        image::imageops::flip_horizontal_in_place(&mut face);
    }
    face
}

/// An image centred on a black square as wide as its longer side (face-api.js's padding).
pub fn pad_square<P: image::Pixel>(
    img: &image::ImageBuffer<P, Vec<P::Subpixel>>,
) -> image::ImageBuffer<P, Vec<P::Subpixel>> {
    let (w, h) = img.dimensions();
    let side = w.max(h);
    let mut square = image::ImageBuffer::new(side, side);
    image::imageops::replace(
        &mut square,
        img,
        i64::from((side - w) / 2),
        i64::from((side - h) / 2),
    );
    square
}
