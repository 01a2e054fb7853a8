//! The bundled photo reader: faces, then each face's expression read through a few views and
//! calibrated ([`crate::vision::calibration`]), mapped to DLUT and weighted by face area (bigger
//! people matter more, as in the seed), one softmax at the end.

use crate::emotion::maps;
use crate::emotion::EmotionScores;
use crate::vision::calibration::Calibration;
use crate::vision::{
    area, decode, expression, faces, Face, ImageLimits, PhotoMood, PhotoReader, VisionError,
};

/// FER probabilities are put on the DLUT intensity scale (1..9) before the softmax, so that a
/// clearly happy face reads as clearly as the word 快乐 does.
const INTENSITY: f32 = 9.0;

/// The default [`PhotoReader`]: the face detector and FER model that ship inside the binary.
#[derive(Debug, Clone, Copy, Default)]
pub struct FacePipeline;

impl PhotoReader for FacePipeline {
    fn photo_mood(&self, bytes: &[u8], limits: &ImageLimits) -> Result<PhotoMood, VisionError> {
        read(bytes, limits)
    }

    fn name(&self) -> &'static str {
        "faces"
    }
}

/// Reads the mood of a photo with the bundled models; CPU-bound, call it from a blocking thread.
pub fn photo_mood(bytes: &[u8], limits: &ImageLimits) -> Result<PhotoMood, VisionError> {
    read(bytes, limits)
}

/// Reads the mood of a photo: every face's expression, weighted by face area, one softmax.
/// CPU-bound (hundreds of ms): call it from a blocking thread.
fn read(bytes: &[u8], limits: &ImageLimits) -> Result<PhotoMood, VisionError> {
    let img = decode(bytes, limits)?;
    let fer = expression::model()?;
    let boxes = faces::faces(&img)?;
    mood_of_faces(&img, boxes, limits, |grey, b, views| {
        expression::expression_views(grey, b, views, fer)
    })
}

/// The mood of a photo from its detected faces (largest first) and a reader of each face's views:
/// at most `limits.max_faces` faces, each calibrated and weighted by its area. Separate from the
/// network runs so that the fuzz target drives everything after them with forged outputs.
pub fn mood_of_faces(
    img: &image::DynamicImage,
    mut boxes: Vec<([f32; 4], f32)>,
    limits: &ImageLimits,
    mut read_views: impl FnMut(
        &image::GrayImage,
        &[f32; 4],
        &[expression::View],
    ) -> Result<Vec<expression::Reading>, VisionError>,
) -> Result<PhotoMood, VisionError> {
    boxes.truncate(limits.max_faces);
    if boxes.is_empty() {
        return Err(VisionError::NoFace);
    }
    let grey = img.to_luma8();
    let total_area: f32 = boxes.iter().map(|(b, _)| area(b)).sum();
    let mut all = EmotionScores::default();
    let mut faces = Vec::with_capacity(boxes.len());
    let calibration = Calibration::embedded();
    for (bbox, score) in boxes {
        let readings = read_views(&grey, &bbox, &calibration.views)?;
        let expression = calibration.apply(&readings);
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

/// A face's box and its FER reading through each view asked for.
pub type FaceViews = ([f32; 4], Vec<expression::Reading>);

/// Every face's box and FER reading through each of `views`, largest face first, before
/// any calibration: what `moodtune eval photos --dump` writes for fitting
/// [`crate::vision::calibration`].
pub fn face_views(
    bytes: &[u8],
    limits: &ImageLimits,
    views: &[expression::View],
) -> Result<Vec<FaceViews>, VisionError> {
    let img = decode(bytes, limits)?;
    let fer = expression::model()?;
    let mut boxes = faces::faces(&img)?;
    boxes.truncate(limits.max_faces);
    let grey = img.to_luma8();
    boxes
        .iter()
        .map(|(b, _)| Ok((*b, expression::expression_views(&grey, b, views, fer)?)))
        .collect()
}
