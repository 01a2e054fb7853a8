//! Photo moods with the bundled models on the embedded backend: real photos, and every kind of
//! bad input a chat user can send.

use std::time::Instant;

use moodtune_core::emotion::Category;
use moodtune_core::vision::{decode, photo_mood, ImageLimits, VisionError};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/images/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn smiling_faces_read_as_happy() {
    for name in ["astronaut.png", "justin.jpg"] {
        let started = Instant::now();
        let mood = photo_mood(&fixture(name), &ImageLimits::default())
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        eprintln!(
            "{name}: {} face(s), top {:?}, {:?}",
            mood.faces.len(),
            mood.emotion.top(3, 0.0),
            started.elapsed()
        );
        assert_eq!(
            mood.emotion.dominant(),
            Category::PA,
            "{name}: {:?}",
            mood.faces
        );
        assert!(!mood.faces.is_empty());
    }
}

#[test]
fn a_group_photo_has_several_faces() {
    let mood = photo_mood(&fixture("solvay_conference.jpg"), &ImageLimits::default()).unwrap();
    eprintln!("solvay: {} faces", mood.faces.len());
    assert!(mood.faces.len() >= 5, "{}", mood.faces.len());
    // Largest first.
    let area = |b: &[f32; 4]| (b[2] - b[0]) * (b[3] - b[1]);
    assert!(mood
        .faces
        .windows(2)
        .all(|w| area(&w[0].bbox) >= area(&w[1].bbox)));
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([200, 180, 160]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn bad_photos_get_clear_errors_quickly() {
    let limits = ImageLimits::default();
    let jpeg = fixture("justin.jpg");
    // (name, bytes, expected error)
    type Check = fn(&VisionError) -> bool;
    let table: Vec<(&str, Vec<u8>, Check)> = vec![
        ("no face", png(300, 200), |e| *e == VisionError::NoFace),
        ("truncated jpeg", jpeg[..jpeg.len() / 3].to_vec(), |e| {
            matches!(e, VisionError::Damaged(_))
        }),
        (
            "text renamed .jpg",
            b"just some text, not a photo\n".to_vec(),
            |e| *e == VisionError::NotAnImage,
        ),
        ("tiny image", png(3, 3), |e| *e == VisionError::NoFace),
    ];
    for (name, bytes, ok) in table {
        let started = Instant::now();
        let err = photo_mood(&bytes, &limits).expect_err(name);
        assert!(ok(&err), "{name}: {err:?}");
        assert!(
            started.elapsed().as_secs() < 10,
            "{name} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_decompression_bomb_is_refused_before_decoding() {
    // A 30000x30000 PNG header: a few KB on disk, 2.7 GB decoded.
    let bomb = {
        let mut enc = Vec::new();
        {
            let mut w = png::Encoder::new(&mut enc, 30_000, 30_000);
            w.set_color(png::ColorType::Grayscale);
            let mut writer = w.write_header().unwrap();
            let mut stream = writer.stream_writer().unwrap();
            let row = vec![0u8; 30_001];
            for _ in 0..50 {
                std::io::Write::write_all(&mut stream, &row).unwrap();
            }
            // Dropping the stream unfinished leaves the image truncated, as an attacker's would be.
            let _ = stream.finish();
        }
        enc
    };
    let started = Instant::now();
    let err = decode(&bomb, &ImageLimits::default()).unwrap_err();
    assert!(
        matches!(
            err,
            VisionError::TooManyPixels {
                width: 30_000,
                height: 30_000
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed().as_millis() < 2_000);
}
