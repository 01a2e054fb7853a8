//! Photo moods with the bundled models on the embedded backend: real photos, and every kind of
//! bad input a chat user can send.

use std::time::Instant;

use moodtune_core::emotion::Category;
use moodtune_core::vision::pipeline::photo_mood;
use moodtune_core::vision::{decode, ImageLimits, VisionError};

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

/// Each expression network alone, through each of the calibration's views, reads a smile, and
/// gives one distribution per view: both run on the built-in backend with the crops the
/// calibration asks for. (That the second network's crops, channel order and scale are the ones
/// it was trained on was checked against the same network fed by Python: BENCHMARKS.md.)
#[test]
fn both_expression_networks_read_a_smile_through_every_view() {
    use moodtune_core::vision::calibration::Calibration;
    use moodtune_core::vision::pipeline::face_views;
    let calibration = Calibration::embedded();
    assert!(!calibration.second_views.is_empty());
    for name in ["astronaut.png", "justin.jpg"] {
        let faces = face_views(
            &fixture(name),
            &ImageLimits::default(),
            &calibration.views,
            &calibration.second_views,
        )
        .unwrap();
        let (_, readings) = &faces[0];
        let happy = |p: &[f32; 7]| p[3] > 0.5 && p.iter().sum::<f32>() > 0.99;
        assert!(
            readings.fer.iter().all(|r| happy(&r.probabilities)),
            "{name}: {readings:?}"
        );
        assert_eq!(readings.second.len(), calibration.second_views.len());
        assert!(
            readings.second.iter().all(happy),
            "{name}: {:?}",
            readings.second
        );
    }
}

/// The same face in every container and colour model a phone or a chat client sends (made by
/// tools/make_image_fixtures.py): one face, happy, wherever the pixels came from. The EXIF one is
/// stored turned on its side: without applying the orientation the face would be lying down.
#[test]
fn every_format_reads_the_same_face() {
    let reference = photo_mood(&fixture("justin.jpg"), &ImageLimits::default()).unwrap();
    let (rw, rh) = {
        let b = reference.faces[0].bbox;
        (b[2] - b[0], b[3] - b[1])
    };
    for name in [
        "justin_exif6.jpg",
        "justin_cmyk.jpg",
        "justin_grey.png",
        "justin_alpha.png",
        "justin.webp",
        "justin.gif",
    ] {
        let img = decode(&fixture(name), &ImageLimits::default())
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(
            (img.width(), img.height()),
            (381, 384),
            "{name}: oriented as shown"
        );
        let mood = photo_mood(&fixture(name), &ImageLimits::default())
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(mood.faces.len(), 1, "{name}");
        let b = mood.faces[0].bbox;
        let (w, h) = (b[2] - b[0], b[3] - b[1]);
        assert!(
            (w / rw - 1.0).abs() < 0.25 && (h / rh - 1.0).abs() < 0.25,
            "{name}: {b:?}"
        );
        let top = mood.emotion.top(3, 0.0);
        assert_eq!(mood.emotion.dominant(), Category::PA, "{name}: {top:?}");
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
    // A 30000x30000 PNG: a few KB on disk, 900 MB decoded.
    let bomb = moodtune_tests::png_bomb(30_000, 30_000);
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

/// The EMOTIC backend on a tiny model of the exported signature (tools/make_emotic_fixture.py:
/// random weights, thresholds 0): every step of the path runs for real, and each way an operator
/// can get the files wrong is a clear error.
#[test]
fn emotic_backend_reads_people_and_refuses_bad_model_files() {
    use moodtune_core::vision::emotic::EmoticModel;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let model = EmoticModel::load(&fixtures.join("emotic_tiny.onnx")).unwrap();
    let limits = ImageLimits::default();

    let group = model
        .photo_mood(&fixture("solvay_conference.jpg"), &limits)
        .unwrap();
    assert!(group.faces.len() >= 5, "{}", group.faces.len());
    let total: f32 = group.emotion.0.iter().sum();
    assert!((total - 1.0).abs() < 1e-4);
    // No face: the whole photo is the person (EMOTIC reads scenes, so this is not an error).
    let blank = png(300, 200);
    let scene = model.photo_mood(&blank, &limits).unwrap();
    assert_eq!(scene.faces.len(), 1);
    assert_eq!(scene.faces[0].bbox, [0.0, 0.0, 300.0, 200.0]);
    // Bad input is refused before the model, as on the default backend.
    assert_eq!(
        model.photo_mood(b"not an image", &limits),
        Err(VisionError::NotAnImage)
    );

    let dir = tempfile::tempdir().unwrap();
    let copy = |name: &str, thresholds: Option<&str>| {
        let path = dir.path().join(name);
        std::fs::copy(fixtures.join("emotic_tiny.onnx"), &path).unwrap();
        if let Some(t) = thresholds {
            std::fs::write(moodtune_core::vision::emotic::thresholds_path(&path), t).unwrap();
        }
        path
    };
    // Thresholds nothing reaches: people, but no mood.
    let high = format!("[{}]", vec!["1e9"; 26].join(","));
    let strict = EmoticModel::load(&copy("strict.onnx", Some(&high))).unwrap();
    assert_eq!(
        strict.photo_mood(&fixture("justin.jpg"), &limits),
        Err(VisionError::NoMood)
    );
    for (name, thresholds, says) in [
        ("none.onnx", None, "none.thresholds.json"),
        (
            "short.onnx",
            Some("[0.1, 0.2]"),
            "holds 2 thresholds, not 26",
        ),
        ("text.onnx", Some("thresholds"), "not a JSON array"),
    ] {
        let err = EmoticModel::load(&copy(name, thresholds)).unwrap_err();
        let VisionError::Model(detail) = &err else {
            panic!("{name}: {err:?}");
        };
        assert!(detail.contains(says), "{name}: {detail}");
    }
    // Not an ONNX model, or an ONNX model of another signature (the FER model).
    let junk = dir.path().join("junk.onnx");
    std::fs::write(&junk, b"junk").unwrap();
    let zeros = format!("[{}]", vec!["0"; 26].join(","));
    std::fs::write(
        moodtune_core::vision::emotic::thresholds_path(&junk),
        &zeros,
    )
    .unwrap();
    assert!(matches!(
        EmoticModel::load(&junk),
        Err(VisionError::Model(_))
    ));
    let fer = dir.path().join("fer.onnx");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../core/data/models/fer-mini-xception.onnx"),
        &fer,
    )
    .unwrap();
    std::fs::write(moodtune_core::vision::emotic::thresholds_path(&fer), &zeros).unwrap();
    let VisionError::Model(detail) = EmoticModel::load(&fer).unwrap_err() else {
        panic!("FER accepted as EMOTIC");
    };
    assert!(detail.contains("does not run as EMOTIC"), "{detail}");
}

/// The engine reads photos with EMOTIC when configured, and refuses to start on a bad model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_uses_emotic_when_supplied() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let db = moodtune_tests::TestDb::sqlite();
    let config = moodtune_core::EngineConfig {
        database_url: db.url.clone(),
        emotic_model: Some(fixtures.join("emotic_tiny.onnx")),
        ..Default::default()
    };
    let engine = moodtune_core::Engine::open(config).await.unwrap();
    // A blank picture has no face: the default pipeline says so, EMOTIC reads the scene.
    let (rec, people) = engine.recommend_photo(png(300, 200), 5).await.unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(rec.tracks.len(), 5);

    let config = moodtune_core::EngineConfig {
        database_url: db.url.clone(),
        emotic_model: Some(fixtures.join("missing.onnx")),
        ..Default::default()
    };
    let err = moodtune_core::Engine::open(config)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("EMOTIC") && err.contains("missing.onnx"),
        "{err}"
    );
}
