//! The second expression reader: face-api.js's FaceExpressionNet, on a colour 112x112 crop.
//!
//! Why a second network: mini-Xception ([`crate::vision::expression`]) learnt from FER2013's
//! small grey web crops; face-api.js's net learnt from other faces, in colour. Each is wrong in
//! its own places, and the calibration reads both: with it, person-held-out macro-F1 on the dev
//! faces rose from 0.59 to 0.64 (BENCHMARKS.md, "A second expression network"). Fear is also
//! where it matters most: the labelled dev faces hold six frightened ones, too few to fit, so the
//! calibration reads fear from the two networks' own judgement, and two judges err less than one.

use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::value::Tensor;

use crate::vision::expression::{pad_square, View};
use crate::vision::{runtime, VisionError};

/// face-api.js's expression net (MIT, from npm `@vladmandic/face-api` 1.7.15), rebuilt as ONNX
/// by `tools/faceapi_expression_to_onnx.py`, batch fixed to 2 (see NOTICE).
const MODEL: &[u8] = include_bytes!("../../data/models/faceapi-expression.onnx");
static SESSION: OnceLock<Result<FaceApiModel, String>> = OnceLock::new();

/// Side of the network's square input.
const SIDE: u32 = 112;
/// face-api.js subtracts these from the 0..255 RGB values, then divides by 255.
const MEAN_RGB: [f32; 3] = [122.782, 117.001, 104.298];
/// The network's outputs (neutral happy sad angry fearful disgusted surprised), each as the
/// index of the same expression in FER's order (angry disgust fear happy sad surprise neutral).
const TO_FER: [usize; 7] = [6, 3, 4, 0, 2, 1, 5];

/// The loaded network and the batch its input is fixed to (`None`: open).
#[derive(Debug)]
pub struct FaceApiModel {
    session: Mutex<Session>,
    batch: Option<usize>,
}

/// Loads the network once per process (an error says why it cannot run).
pub fn model() -> Result<&'static FaceApiModel, VisionError> {
    runtime::environment()?;
    SESSION
        .get_or_init(|| {
            let (session, batch) = runtime::batched_session(MODEL).map_err(|e| e.to_string())?;
            Ok(FaceApiModel {
                session: Mutex::new(session),
                batch,
            })
        })
        .as_ref()
        .map_err(|e| VisionError::Model(e.clone()))
}

/// One view of a face as the network reads it: colour, 112x112, for any box (the fuzz target
/// calls it with forged ones).
pub fn crop(img: &image::DynamicImage, b: &[f32; 4], view: View) -> image::RgbImage {
    let (x0, y0, w, h) = view.region(b, img.width(), img.height());
    let mut face = img.crop_imm(x0, y0, w, h).to_rgb8();
    if view.pad {
        face = pad_square(&face);
    }
    let mut face =
        image::imageops::resize(&face, SIDE, SIDE, image::imageops::FilterType::Triangle);
    if view.mirror {
        image::imageops::flip_horizontal_in_place(&mut face);
    }
    face
}

/// The network's probabilities for each view of a face, in FER's order (finite, >= 0), in
/// batches of the model's size (the last one padded).
pub fn expression_views(
    img: &image::DynamicImage,
    b: &[f32; 4],
    views: &[View],
    model: &FaceApiModel,
) -> Result<Vec<[f32; 7]>, VisionError> {
    let batch = model.batch.unwrap_or(views.len()).max(1);
    let plane = (SIDE * SIDE) as usize;
    let mut readings = Vec::with_capacity(views.len());
    for chunk in views.chunks(batch) {
        let mut input = vec![0.0f32; batch * 3 * plane];
        for (i, view) in chunk.iter().enumerate() {
            let face = crop(img, b, *view);
            let planes = &mut input[i * 3 * plane..(i + 1) * 3 * plane];
            for (p, px) in face.pixels().enumerate() {
                for c in 0..3 {
                    planes[c * plane + p] = (f32::from(px[c]) - MEAN_RGB[c]) / 255.0;
                }
            }
        }
        let tensor = Tensor::from_array(([batch, 3, SIDE as usize, SIDE as usize], input))
            .map_err(|e| VisionError::Model(e.to_string()))?;
        let mut session = model.session.lock().unwrap_or_else(|e| e.into_inner());
        let outputs = session
            .run(ort::inputs![tensor])
            .map_err(|e| VisionError::Model(e.to_string()))?;
        let (_, probabilities) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| VisionError::Model(e.to_string()))?;
        for i in 0..chunk.len() {
            let p = probabilities.get(i * 7..(i + 1) * 7).unwrap_or(&[]);
            let mut fer = [0.0f32; 7];
            for (k, v) in p.iter().enumerate() {
                fer[TO_FER[k]] = if v.is_finite() { v.max(0.0) } else { 0.0 };
            }
            readings.push(fer);
        }
    }
    Ok(readings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_map_is_a_permutation() {
        let mut seen = TO_FER;
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn padded_views_keep_the_box_shape_and_square_views_cut_the_photo() {
        let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            200,
            100,
            image::Rgb([200, 10, 10]),
        ));
        // A box twice as wide as high: padded, the top and bottom quarters are black.
        let b = [20.0, 20.0, 120.0, 70.0];
        let padded = crop(&img, &b, View::padded(false));
        assert_eq!(padded.dimensions(), (SIDE, SIDE));
        assert_eq!(padded.get_pixel(56, 2).0, [0, 0, 0]);
        assert_eq!(padded.get_pixel(56, 56).0, [200, 10, 10]);
        let square = crop(&img, &b, View::square(1.25, true));
        assert_eq!(square.get_pixel(56, 2).0, [200, 10, 10]);
        // Forged boxes still give a crop of the right size.
        for b in [[-5e9, f32::NAN, 1e9, 3.0], [199.0, 99.0, 199.0, 99.0]] {
            assert_eq!(
                crop(&img, &b, View::padded(true)).dimensions(),
                (SIDE, SIDE)
            );
        }
    }
}
