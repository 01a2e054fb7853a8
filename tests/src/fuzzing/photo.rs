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
