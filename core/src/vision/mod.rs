//! Photo -> emotion with ONNX models on `ort`: faces, then facial expressions.
//!
//! Pipeline: decode within limits (bytes, pixels, EXIF orientation) -> RetinaFace-MobileNet0.25
//! (input fixed to 640x640, the photo letterboxed into it) -> each face cropped square, grey 64x64
//! -> mini-Xception FER (grey 64x64) and face-api.js's expression net (colour 112x112), 7
//! expressions each through a few views, calibrated together on labelled real faces
//! -> the FER -> DLUT table in [`crate::emotion::maps`] -> faces
//! weighted by area (bigger people matter more, as in the seed) -> one softmax.
//!
//! The models ship inside the binary. The runtime is the pure-Rust tract backend of `ort`
//! (nothing to install); when `ORT_DYLIB_PATH` names an ONNX Runtime library, that is loaded
//! instead (faster). One environment per process.
//!
//! Invariant: this room turns image bytes into an [`Emotion`] and the faces behind it, and nothing
//! else: no database, no index, no chat platform. Every way of reading a photo sits behind
//! [`PhotoReader`]: [`FacePipeline`] (the bundled models, in `pipeline`) and
//! [`EmoticModel`](emotic::EmoticModel) (the operator's export). `decode` owns the limits,
//! `runtime` the one ONNX environment, `faces` the detector, `expression` the FER model,
//! `faceapi` the second expression network, `calibration` the layer over both.

pub mod calibration;
pub mod decode;
pub mod emotic;
pub mod eval;
pub mod expression;
pub mod faceapi;
pub mod faces;
pub mod pipeline;
pub mod runtime;

pub use decode::decode;
pub use emotic::EmoticModel;
pub use pipeline::FacePipeline;
pub use runtime::backend;

use crate::emotion::Emotion;

/// One way of reading the mood of a photo. The engine holds one (`Arc<dyn PhotoReader>`) and
/// runs it on a blocking thread; a new photo model is a new implementation of this, in its own
/// file beside the others.
pub trait PhotoReader: Send + Sync + std::fmt::Debug {
    /// The mood of a photo within `limits`, or why there is none. CPU-bound (hundreds of ms).
    fn photo_mood(&self, bytes: &[u8], limits: &ImageLimits) -> Result<PhotoMood, VisionError>;
    /// Short name for logs and the health view (`faces` or `emotic`).
    fn name(&self) -> &'static str;
}

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
    #[error("That photo is too big. Please send one under {} MB.", VisionError::megabytes(*.max))]
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
    #[error("I couldn't open that photo; it seems damaged. Try another?")]
    Damaged(String),
    /// No face was found.
    #[error("I can't see a face in that photo. Tell me in words?")]
    NoFace,
    /// People were seen, but no emotion in them (EMOTIC: no category above its threshold).
    #[error("I can't read a mood in that photo. Tell me in words?")]
    NoMood,
    /// The models could not run.
    #[error("I can't read moods from photos right now. Tell me in words?")]
    Model(String),
}

impl VisionError {
    /// A byte limit in whole megabytes, as users are told it (at least 1).
    pub fn megabytes(bytes: usize) -> usize {
        (bytes / (1024 * 1024)).max(1)
    }
}

/// One face found in a photo.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Face {
    /// Box in the (oriented) photo's pixels: x1, y1, x2, y2.
    pub bbox: [f32; 4],
    /// Detector confidence.
    pub score: f32,
    /// Expression probabilities after calibration: angry, disgust, fear, happy, sad, surprise,
    /// neutral.
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

/// Area of a box (x1, y1, x2, y2); empty boxes have none.
pub(crate) fn area(b: &[f32; 4]) -> f32 {
    (b[2] - b[0]).max(0.0) * (b[3] - b[1]).max(0.0)
}
