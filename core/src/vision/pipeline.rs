//! The bundled photo reader: faces, then each face's expression read by two networks through a
//! few views each and calibrated ([`crate::vision::calibration`]), mapped to DLUT and weighted by
//! face area (bigger people matter more, as in the seed), one softmax at the end.

use crate::emotion::maps;
use crate::emotion::EmotionScores;
use crate::vision::calibration::{Calibration, FaceReadings};
use crate::vision::{
    area, decode, expression, faceapi, faces, Face, ImageLimits, PhotoMood, PhotoReader,
    VisionError,
};

/// Faces are read from at most this many pixels across. The expression crops are 64 and 112
/// pixels, and cutting them from faces thousands of pixels wide cost time for nothing (16 forged
/// boxes over a whole photo took the `faces` fuzz target over a second: RELIABILITY.md). A photo
/// whose largest face is wider is shrunk once, by the smallest whole factor that brings it within
/// this, before any crop; faces up to this size (every dev photo's) are read exactly as before.
const MAX_FACE_SIDE: f32 = 512.0;

/// The photo the crops are cut from (shrunk by a whole factor when its largest face is wider than
/// [`MAX_FACE_SIDE`]) and the factor boxes are divided by to find their faces in it.
fn crop_source<'a>(
    img: &'a image::DynamicImage,
    boxes: &[([f32; 4], f32)],
) -> (std::borrow::Cow<'a, image::DynamicImage>, f32) {
    let largest = boxes
        .iter()
        .map(|(b, _)| (b[2] - b[0]).max(b[3] - b[1]))
        .fold(0.0f32, f32::max);
    let k = (largest / MAX_FACE_SIDE).ceil();
    if k.is_nan() || k < 2.0 {
        return (std::borrow::Cow::Borrowed(img), 1.0);
    }
    let k = k.min(img.width().max(img.height()) as f32);
    let (w, h) = (
        ((img.width() as f32 / k) as u32).max(1),
        ((img.height() as f32 / k) as u32).max(1),
    );
    (std::borrow::Cow::Owned(img.thumbnail_exact(w, h)), k)
}

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
    let (fer, second) = (expression::model()?, faceapi::model()?);
    let boxes = faces::faces(&img)?;
    mood_of_faces(&img, boxes, limits, |pixels, b, calibration| {
        read_face(
            pixels,
            b,
            &calibration.views,
            &calibration.second_views,
            fer,
            second,
        )
    })
}

/// A photo as the expression networks read it: in colour (face-api.js's net) and in grey (FER),
/// the grey one made once per photo.
#[derive(Debug, Clone, Copy)]
pub struct Pixels<'a> {
    /// The decoded, oriented photo.
    pub colour: &'a image::DynamicImage,
    /// The same photo in grey.
    pub grey: &'a image::GrayImage,
}

/// One face read by both networks through the given views, the two side by side on two threads:
/// they need nothing of each other, and a selfie is answered one network's time sooner (on
/// tract, 17 ms of about 100).
fn read_face(
    pixels: &Pixels,
    b: &[f32; 4],
    views: &[expression::View],
    second_views: &[expression::View],
    fer: &expression::FerModel,
    second: &faceapi::FaceApiModel,
) -> Result<FaceReadings, VisionError> {
    if second_views.is_empty() {
        return Ok(FaceReadings {
            fer: expression::expression_views(pixels.grey, b, views, fer)?,
            second: Vec::new(),
        });
    }
    std::thread::scope(|s| {
        let other = s.spawn(|| faceapi::expression_views(pixels.colour, b, second_views, second));
        let fer = expression::expression_views(pixels.grey, b, views, fer);
        let second = other
            .join()
            .map_err(|_| VisionError::Model("the second expression network panicked".into()))?;
        Ok(FaceReadings {
            fer: fer?,
            second: second?,
        })
    })
}

/// The mood of a photo from its detected faces (largest first) and a reader of each face (what
/// the networks make of it through the calibration's views): at most `limits.max_faces` faces,
/// each calibrated and weighted by its area. Separate from the network runs so that the fuzz
/// target drives everything after them with forged outputs.
pub fn mood_of_faces(
    img: &image::DynamicImage,
    mut boxes: Vec<([f32; 4], f32)>,
    limits: &ImageLimits,
    mut read_face: impl FnMut(&Pixels, &[f32; 4], &Calibration) -> Result<FaceReadings, VisionError>,
) -> Result<PhotoMood, VisionError> {
    boxes.truncate(limits.max_faces);
    if boxes.is_empty() {
        return Err(VisionError::NoFace);
    }
    let (source, k) = crop_source(img, &boxes);
    let grey = source.to_luma8();
    let pixels = Pixels {
        colour: &source,
        grey: &grey,
    };
    let total_area: f32 = boxes.iter().map(|(b, _)| area(b)).sum();
    let mut all = EmotionScores::default();
    let mut faces = Vec::with_capacity(boxes.len());
    let calibration = Calibration::embedded();
    for (bbox, score) in boxes {
        let readings = read_face(&pixels, &bbox.map(|v| v / k), calibration)?;
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

/// A face's box and what both networks make of it through the views asked for.
pub type FaceViews = ([f32; 4], FaceReadings);

/// Every face's box and both networks' readings through `views` (FER) and `second_views`
/// (face-api.js's net), largest face first, before any calibration: what `moodtune eval photos
/// --dump` writes for fitting [`crate::vision::calibration`].
pub fn face_views(
    bytes: &[u8],
    limits: &ImageLimits,
    views: &[expression::View],
    second_views: &[expression::View],
) -> Result<Vec<FaceViews>, VisionError> {
    let img = decode(bytes, limits)?;
    let (fer, second) = (expression::model()?, faceapi::model()?);
    let mut boxes = faces::faces(&img)?;
    boxes.truncate(limits.max_faces);
    let (source, k) = crop_source(&img, &boxes);
    let grey = source.to_luma8();
    let pixels = Pixels {
        colour: &source,
        grey: &grey,
    };
    boxes
        .iter()
        .map(|(b, _)| {
            let readings = read_face(&pixels, &b.map(|v| v / k), views, second_views, fer, second)?;
            Ok((*b, readings))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_photos_with_huge_faces_are_shrunk_for_the_crops() {
        let img = image::DynamicImage::ImageRgb8(image::RgbImage::new(3000, 2000));
        let face = |side: f32| ([100.0, 100.0, 100.0 + side, 100.0 + side], 0.9);
        let (source, k) = crop_source(&img, &[face(300.0), face(512.0)]);
        assert_eq!((k, source.width()), (1.0, 3000));
        let (source, k) = crop_source(&img, &[face(300.0), face(1100.0)]);
        assert_eq!((k, source.width(), source.height()), (3.0, 1000, 666));
        let (_, k) = crop_source(&img, &[([f32::NAN, 0.0, f32::NAN, 5.0], 0.9)]);
        assert_eq!(k, 1.0);
    }
}
