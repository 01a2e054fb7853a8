//! Image bytes: decoding within the limits (the only place a stranger's bytes are parsed), and
//! the whole photo pipeline (faces, expressions, area weighting) on whatever decodes. The
//! product's own limits are used, so the memory bound checked is the one users get.

use moodtune_core::vision::decode::decode;
use moodtune_core::vision::pipeline::photo_mood;
use moodtune_core::ImageLimits;

/// Loads the photo models before the first input (see [`super::text::init`]).
pub fn init() {
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/images/astronaut.png"
    ))
    .expect("the astronaut fixture");
    run(&png);
}

/// Decoding alone (fast: most of a million executions are spent here).
pub fn decode_only(data: &[u8]) {
    let limits = ImageLimits::default();
    if let Ok(img) = decode(data, &limits) {
        let (w, h) = (img.width() as u64, img.height() as u64);
        assert!(w > 0 && h > 0 && w * h <= limits.max_pixels, "{w}x{h}");
    }
}

/// Decoding, then faces and their moods.
pub fn run(data: &[u8]) {
    let limits = ImageLimits::default();
    let Ok(mood) = photo_mood(data, &limits) else {
        return;
    };
    assert!(!mood.faces.is_empty() && mood.faces.len() <= limits.max_faces);
    let sum: f32 = mood.emotion.0.iter().sum();
    assert!(
        mood.emotion.0.iter().all(|x| x.is_finite() && *x >= 0.0) && (sum - 1.0).abs() < 1e-3,
        "{:?}",
        mood.emotion
    );
    for f in &mood.faces {
        assert!(f.bbox.iter().all(|v| v.is_finite()), "{:?}", f.bbox);
        assert!(f.expression.iter().all(|p| p.is_finite() && *p >= 0.0));
    }
}

/// Everything after the two networks, driven by forged network outputs: the detector's raw
/// outputs decoded into boxes (any floats: NaN, infinities, huge offsets), the two looks, the
/// largest-first order and the face cap, every view's crop of the photo, the calibration, the
/// FER -> DLUT map and the area weighting. The networks themselves are fixed-shape arithmetic
/// whose only input a stranger controls is the pixels the `photo` target feeds them; this target
/// reaches the code around them some fifty times faster (about 100 inputs a second under
/// AddressSanitizer, RELIABILITY.md).
///
/// Input: photo width and height (2 bytes each, 1..=1024), then 26-byte anchor records (look
/// bit and anchor index in 2 bytes, 4 box offsets and 2 scores as f32); readings for the views
/// are 7 f32 probabilities each (both networks'), taken from the input's bytes again, in a cycle.
pub fn after_networks(data: &[u8]) {
    use moodtune_core::vision::calibration::{Calibration, FaceReadings};
    use moodtune_core::vision::faces::{boxes_from_outputs, faces_with, Look};
    use moodtune_core::vision::pipeline::{mood_of_faces, Pixels};
    use moodtune_core::vision::{expression, faceapi, VisionError};

    if data.len() < 4 {
        return;
    }
    let u16_at = |i: usize| u16::from_le_bytes([data[i], data[i + 1]]);
    let (w, h) = (
        1 + u32::from(u16_at(0)) % 1024,
        1 + u32::from(u16_at(2)) % 1024,
    );
    let f32_at = |i: usize| f32::from_le_bytes(std::array::from_fn(|k| data[(i + k) % data.len()]));
    let records: Vec<&[u8]> = data[4..].chunks_exact(26).collect();
    let outputs = |look: Look| {
        let n = look.anchors();
        let (mut loc, mut conf) = (vec![0.0f32; 4 * n], vec![0.0f32; 2 * n]);
        for pair in conf.chunks_exact_mut(2) {
            pair[0] = 1.0; // "no face", as probabilities
        }
        for r in &records {
            let tag = u16::from_le_bytes([r[0], r[1]]);
            if (tag & 1 == 1) != (look == Look::Close) {
                continue;
            }
            let i = usize::from(tag >> 1) % n;
            let v = |k: usize| {
                f32::from_le_bytes([r[2 + 4 * k], r[3 + 4 * k], r[4 + 4 * k], r[5 + 4 * k]])
            };
            loc[4 * i..4 * i + 4].copy_from_slice(&[v(0), v(1), v(2), v(3)]);
            conf[2 * i..2 * i + 2].copy_from_slice(&[v(4), v(5)]);
        }
        (loc, conf)
    };
    let detected = faces_with(|look| {
        let (loc, conf) = outputs(look);
        boxes_from_outputs(look, &loc, &conf, (w, h))
    });
    let boxes = match detected {
        Ok(b) => b,
        Err(e) => panic!("forged outputs of the right size are answered: {e}"),
    };
    for (b, score) in &boxes {
        assert!(
            b.iter().all(|v| v.is_finite()) && score.is_finite(),
            "{b:?} {score}"
        );
        assert!(
            b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= w as f32 && b[3] <= h as f32,
            "{b:?} in {w}x{h}"
        );
        assert!(b[2] - b[0] >= 12.0 && b[3] - b[1] >= 12.0, "{b:?}");
    }
    // The pixels do not matter here (the networks are forged); a blank photo is quick to make.
    let img = image::DynamicImage::ImageLuma8(image::GrayImage::new(w, h));
    let limits = ImageLimits::default();
    let mut at = 0usize;
    let mut forged = || {
        // What the networks guarantee of their outputs: finite, >= 0.
        let mut probabilities = [0.0f32; 7];
        for p in probabilities.iter_mut() {
            let v = f32_at(at);
            *p = if v.is_finite() { v.max(0.0) } else { 0.0 };
            at += 4;
        }
        probabilities
    };
    let read_face = |pixels: &Pixels, b: &[f32; 4], calibration: &Calibration| {
        let mut readings = FaceReadings::default();
        for view in &calibration.views {
            let face = expression::crop(pixels.grey, b, *view);
            assert_eq!(face.dimensions(), (64, 64));
            readings.fer.push(expression::Reading {
                probabilities: forged(),
                features: [0.0; expression::FEATURES],
            });
        }
        for view in &calibration.second_views {
            let face = faceapi::crop(pixels.colour, b, *view);
            assert_eq!(face.dimensions(), (112, 112));
            readings.second.push(forged());
        }
        Ok::<_, VisionError>(readings)
    };
    match mood_of_faces(&img, boxes, &limits, read_face) {
        Ok(mood) => {
            assert!(!mood.faces.is_empty() && mood.faces.len() <= limits.max_faces);
            let sum: f32 = mood.emotion.0.iter().sum();
            assert!(
                mood.emotion.0.iter().all(|x| x.is_finite() && *x >= 0.0)
                    && (sum - 1.0).abs() < 1e-3,
                "{:?}",
                mood.emotion
            );
        }
        Err(VisionError::NoFace) => {}
        Err(e) => panic!("only 'no face' may come back: {e}"),
    }
}
