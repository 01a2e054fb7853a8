//! EMOTIC (Kosti et al.; the seed's photo model) as a second photo backend, used when the
//! operator supplies an exported model (`MOODTUNE_EMOTIC_MODEL=path/emotic.onnx`, made by
//! `tools/export_emotic.py` from the official checkpoints).
//!
//! Why: EMOTIC reads a person in their scene (26 categories, multi-label), not only a face's 7
//! expressions, so it can say "yearning" or "peace" where FER only sees "neutral". Each person is
//! the body around a face RetinaFace found (the face box enlarged), or the whole photo when there
//! is no face. Inputs: the whole photo 224x224 (`context`) and the body crop 128x128 (`body`), each
//! normalised with EMOTIC's means and deviations; outputs: 26 category scores (`cat`), compared
//! with the 26 thresholds shipped beside the model (`emotic.thresholds.json`), and 3 continuous
//! values (`cont`). Categories above their threshold go through the EMOTIC -> DLUT table in
//! [`crate::emotion::maps`]; people are weighted by body area; one softmax at the end.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use image::{DynamicImage, GenericImageView};
use ort::session::Session;
use ort::value::Tensor;

use crate::emotion::maps;
use crate::emotion::EmotionScores;
use crate::vision::{self, area, Face, ImageLimits, PhotoMood, PhotoReader, VisionError};

/// Context normalisation (Places365 statistics of EMOTIC, from the seed).
const CONTEXT_MEAN: [f32; 3] = [0.4690646, 0.4407227, 0.40508908];
const CONTEXT_STD: [f32; 3] = [0.2514227, 0.24312855, 0.24266963];
/// Body normalisation.
const BODY_MEAN: [f32; 3] = [0.43832874, 0.3964344, 0.3706214];
const BODY_STD: [f32; 3] = [0.24784276, 0.23621225, 0.2323653];
const CONTEXT_SIDE: u32 = 224;
const BODY_SIDE: u32 = 128;
/// Category scores are put on the DLUT intensity scale before the softmax (as FER's are).
const INTENSITY: f32 = 9.0;

/// A loaded EMOTIC model and its thresholds.
pub struct EmoticModel {
    session: Mutex<Session>,
    thresholds: [f32; 26],
    path: PathBuf,
}

impl std::fmt::Debug for EmoticModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmoticModel")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Where the thresholds of a model file live: `emotic.onnx` -> `emotic.thresholds.json`.
pub fn thresholds_path(model: &Path) -> PathBuf {
    model.with_extension("thresholds.json")
}

impl EmoticModel {
    /// Loads the model and the thresholds beside it; checks the signature with one inference.
    pub fn load(path: &Path) -> Result<EmoticModel, VisionError> {
        let fail =
            |what: String| VisionError::Model(format!("EMOTIC model {}: {what}", path.display()));
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let tpath = thresholds_path(path);
        let text = std::fs::read_to_string(&tpath)
            .map_err(|e| fail(format!("cannot read {}: {e}", tpath.display())))?;
        let values: Vec<f32> = serde_json::from_str(&text).map_err(|e| {
            fail(format!(
                "{} is not a JSON array of numbers: {e}",
                tpath.display()
            ))
        })?;
        let thresholds: [f32; 26] = values.try_into().map_err(|v: Vec<f32>| {
            fail(format!(
                "{} holds {} thresholds, not 26",
                tpath.display(),
                v.len()
            ))
        })?;
        let session = vision::runtime::session(&bytes).map_err(|e| fail(e.to_string()))?;
        let model = EmoticModel {
            session: Mutex::new(session),
            thresholds,
            path: path.to_path_buf(),
        };
        let blank = DynamicImage::new_rgb8(64, 64);
        model
            .infer(&blank, &[[0.0, 0.0, 64.0, 64.0]])
            .map_err(|e| fail(format!("does not run as EMOTIC ({e})")))?;
        Ok(model)
    }

    /// The mood of a photo under EMOTIC. CPU-bound: call it from a blocking thread.
    pub fn photo_mood(&self, bytes: &[u8], limits: &ImageLimits) -> Result<PhotoMood, VisionError> {
        let img = vision::decode::decode(bytes, limits)?;
        let (w, h) = img.dimensions();
        let mut faces = vision::faces::faces(&img)?;
        faces.truncate(limits.max_faces);
        let people: Vec<([f32; 4], [f32; 4], f32)> = if faces.is_empty() {
            let whole = [0.0, 0.0, w as f32, h as f32];
            vec![(whole, whole, 0.0)]
        } else {
            faces
                .iter()
                .map(|(face, score)| (*face, body_of(face, w, h), *score))
                .collect()
        };
        let bodies: Vec<[f32; 4]> = people.iter().map(|p| p.1).collect();
        let (cats, _cont) = self.infer(&img, &bodies)?;
        let total: f32 = bodies.iter().map(area).sum::<f32>().max(1.0);
        let mut all = EmotionScores::default();
        let mut out = Vec::new();
        for ((face, body, score), cat) in people.iter().zip(&cats) {
            let scores = maps::emotic_to_dlut(cat, &self.thresholds, INTENSITY);
            all.add_scaled(&scores, area(body) / total);
            if let Some(emotion) = scores.finish() {
                out.push(Face {
                    bbox: *face,
                    score: *score,
                    expression: [0.0; 7],
                    emotion,
                });
            }
        }
        let emotion = all.finish().ok_or(VisionError::NoMood)?;
        Ok(PhotoMood {
            faces: out,
            emotion,
        })
    }

    /// Runs the model on one context and a batch of bodies: 26 scores and 3 values per body.
    #[allow(clippy::type_complexity)]
    fn infer(
        &self,
        img: &DynamicImage,
        bodies: &[[f32; 4]],
    ) -> Result<(Vec<[f32; 26]>, Vec<[f32; 3]>), VisionError> {
        let n = bodies.len();
        let context = planar(img, CONTEXT_SIDE, &CONTEXT_MEAN, &CONTEXT_STD);
        let mut context_batch = Vec::with_capacity(context.len() * n);
        let mut body_batch = Vec::new();
        for b in bodies {
            context_batch.extend_from_slice(&context);
            let (x, y) = (b[0].max(0.0) as u32, b[1].max(0.0) as u32);
            let cw = ((b[2] - b[0]) as u32).clamp(1, img.width().saturating_sub(x).max(1));
            let ch = ((b[3] - b[1]) as u32).clamp(1, img.height().saturating_sub(y).max(1));
            let crop = img.crop_imm(x, y, cw, ch);
            body_batch.extend(planar(&crop, BODY_SIDE, &BODY_MEAN, &BODY_STD));
        }
        let model_err = |e: ort::Error| VisionError::Model(e.to_string());
        let (cs, bs) = (CONTEXT_SIDE as usize, BODY_SIDE as usize);
        let context = Tensor::from_array(([n, 3, cs, cs], context_batch)).map_err(model_err)?;
        let body = Tensor::from_array(([n, 3, bs, bs], body_batch)).map_err(model_err)?;
        let mut session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        let outputs = session
            .run(ort::inputs!["context" => context, "body" => body])
            .map_err(model_err)?;
        let (_, cat) = outputs[0].try_extract_tensor::<f32>().map_err(model_err)?;
        let (_, cont) = outputs[1].try_extract_tensor::<f32>().map_err(model_err)?;
        if cat.len() != n * 26 || cont.len() != n * 3 {
            return Err(VisionError::Model(format!(
                "EMOTIC outputs have {} and {} values for {n} people (want 26 and 3 each)",
                cat.len(),
                cont.len()
            )));
        }
        let cats = cat.chunks(26).map(|c| c.try_into().expect("26")).collect();
        let conts = cont.chunks(3).map(|c| c.try_into().expect("3")).collect();
        Ok((cats, conts))
    }
}

/// The body around a face: three face-widths wide, from half a face above it to six below
impl PhotoReader for EmoticModel {
    fn photo_mood(&self, bytes: &[u8], limits: &ImageLimits) -> Result<PhotoMood, VisionError> {
        EmoticModel::photo_mood(self, bytes, limits)
    }

    fn name(&self) -> &'static str {
        "emotic"
    }
}

/// (a head-and-shoulders-and-more crop; clipped to the photo).
pub fn body_of(face: &[f32; 4], width: u32, height: u32) -> [f32; 4] {
    let (fw, fh) = (face[2] - face[0], face[3] - face[1]);
    let cx = (face[0] + face[2]) / 2.0;
    [
        (cx - 1.5 * fw).max(0.0),
        (face[1] - 0.5 * fh).max(0.0),
        (cx + 1.5 * fw).min(width as f32),
        (face[1] + 6.0 * fh).min(height as f32),
    ]
}

/// An image resized to side x side, as planar RGB normalised by mean and deviation.
fn planar(img: &DynamicImage, side: u32, mean: &[f32; 3], std: &[f32; 3]) -> Vec<f32> {
    let rgb = img
        .resize_exact(side, side, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let plane = (side * side) as usize;
    let mut out = vec![0.0f32; 3 * plane];
    for (i, p) in rgb.pixels().enumerate() {
        for c in 0..3 {
            out[c * plane + i] = (p[c] as f32 / 255.0 - mean[c]) / std[c];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_stay_inside_the_photo() {
        let b = body_of(&[10.0, 10.0, 30.0, 40.0], 100, 100);
        assert_eq!(b, [0.0, 0.0, 50.0, 100.0]);
        let b = body_of(&[40.0, 20.0, 60.0, 40.0], 200, 300);
        assert_eq!(b, [20.0, 10.0, 80.0, 140.0]);
    }
}
