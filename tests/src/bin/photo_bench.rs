//! Photo benchmark: where a photo's time goes on this process's ONNX backend, stage by stage
//! (decode, face detection, FER expressions, the second expression network), p50 and p95 over repeated reads of each photo, after
//! one untimed read that loads the models; then the whole read as the bot does it (the two
//! expression networks side by side), timed on its own.
//!
//! ```sh
//! cargo run --release -p moodtune-tests --bin photo_bench -- tests/fixtures/images/justin.jpg \
//!     tests/fixtures/images/solvay_conference.jpg
//! ORT_DYLIB_PATH=/path/to/libonnxruntime.so cargo run --release -p moodtune-tests --bin photo_bench -- PHOTOS
//! ```
//!
//! `MOODTUNE_BENCH_ROUNDS` (default 30) sets the timed reads per photo. The photos are read in
//! turn, round by round, so that a drift in the machine's speed touches each of them alike.
//! The stages are the ones [`moodtune_core::vision::FacePipeline`] runs; criterion's
//! `photo_tract/*` (tests/benches/core.rs) times the whole of it.

use std::time::Instant;

use moodtune_core::vision::calibration::Calibration;
use moodtune_core::vision::{backend, decode, expression, faceapi, faces, pipeline, ImageLimits};

/// Per photo: milliseconds of each stage, one entry per timed read.
#[derive(Default)]
struct Times {
    decode: Vec<f64>,
    detect: Vec<f64>,
    expressions: Vec<f64>,
    second: Vec<f64>,
    read: Vec<f64>,
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: photo_bench PHOTO...");
        std::process::exit(2);
    }
    let rounds: usize = std::env::var("MOODTUNE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let photos: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{p}: {e}")))
        .collect();
    let limits = ImageLimits::default();
    let calibration = Calibration::embedded();
    let fer = expression::model().expect("the expression model loads");
    let second = faceapi::model().expect("the second expression model loads");
    let mut times: Vec<Times> = photos.iter().map(|_| Times::default()).collect();
    let mut found = vec![0; photos.len()];
    for round in 0..=rounds {
        for (i, bytes) in photos.iter().enumerate() {
            let started = Instant::now();
            let img = decode(bytes, &limits).expect("a readable photo");
            let decoded = Instant::now();
            let mut boxes = faces::faces(&img).expect("the detector runs");
            boxes.truncate(limits.max_faces);
            let detected = Instant::now();
            let grey = img.to_luma8();
            for (b, _) in &boxes {
                expression::expression_views(&grey, b, &calibration.views, fer)
                    .expect("the expression model runs");
            }
            let expressed = Instant::now();
            if !calibration.second_views.is_empty() {
                for (b, _) in &boxes {
                    faceapi::expression_views(&img, b, &calibration.second_views, second)
                        .expect("the second expression model runs");
                }
            }
            let done = Instant::now();
            pipeline::photo_mood(bytes, &limits).expect("the photo is read");
            let read = Instant::now();
            found[i] = boxes.len();
            if round == 0 {
                continue; // models loaded and optimised here
            }
            let ms = |from: Instant, to: Instant| (to - from).as_secs_f64() * 1e3;
            let t = &mut times[i];
            t.decode.push(ms(started, decoded));
            t.detect.push(ms(decoded, detected));
            t.expressions.push(ms(detected, expressed));
            t.second.push(ms(expressed, done));
            t.read.push(ms(done, read));
        }
    }
    println!(
        "backend={} rounds={rounds}",
        backend().unwrap_or("unavailable")
    );
    println!("| photo | faces | decode | detect | FER | second | read p50 | read p95 |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for ((path, t), faces) in paths.iter().zip(&mut times).zip(&found) {
        let name = std::path::Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!(
            "| {name} | {faces} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
            quantile(&mut t.decode, 0.5),
            quantile(&mut t.detect, 0.5),
            quantile(&mut t.expressions, 0.5),
            quantile(&mut t.second, 0.5),
            quantile(&mut t.read, 0.5),
            quantile(&mut t.read, 0.95),
        );
    }
}

/// The `q` quantile of `values` (nearest rank).
fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let at = ((values.len() as f64 * q).ceil() as usize).clamp(1, values.len()) - 1;
    values[at]
}
