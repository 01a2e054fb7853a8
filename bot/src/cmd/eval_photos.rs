//! `moodtune eval photos DIR|LIST [--dump FILE]`: photos read the way the bot reads them, scored
//! against their labels (confusion, recall per class, one summary line last).

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use moodtune_core::vision::eval::{labelled_photos, Outcome, PhotoReport};
use moodtune_core::vision::expression::View;
use moodtune_core::vision::{pipeline, FacePipeline, ImageLimits, PhotoReader, VisionError};

use crate::config::Global;

/// The views `--dump` writes for each photo's largest face, FER's (probabilities, then
/// features, per view): tight and loose crops, each also mirrored (what a calibration fit
/// chooses from).
const DUMP_VIEWS: [View; 4] = [
    View::square(1.0, false),
    View::square(1.0, true),
    View::square(1.25, false),
    View::square(1.25, true),
];

/// The second network's views `--dump` writes after FER's (probabilities per view): the box
/// padded as face-api.js cuts it, then tight and loose squares, each also mirrored.
const DUMP_SECOND_VIEWS: [View; 6] = [
    View::padded(false),
    View::padded(true),
    View::square(1.0, false),
    View::square(1.0, true),
    View::square(1.25, false),
    View::square(1.25, true),
];

/// Reads every labelled photo of `source`, prints the table and the summary line.
pub fn run(global: &Global, source: &Path, dump: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (photos, unlabelled) = labelled_photos(source)?;
    if unlabelled > 0 {
        tracing::warn!(unlabelled, "skipped photos whose label could not be read");
    }
    anyhow::ensure!(
        !photos.is_empty(),
        "no labelled photos in {} (a CSV `image,emotion` list, or labels in file or folder names)",
        source.display()
    );
    let reader: Box<dyn PhotoReader> = match &global.emotic_model {
        Some(path) => Box::new(moodtune_core::vision::EmoticModel::load(path)?),
        None => Box::new(FacePipeline),
    };
    let limits = ImageLimits::default();
    let mut report = PhotoReport::default();
    let mut dumped = String::new();
    let (mut faces_read, mut unreadable) = (0usize, 0usize);
    let started = Instant::now();
    for (i, photo) in photos.iter().enumerate() {
        let bytes = std::fs::read(&photo.path)
            .with_context(|| format!("cannot read {}", photo.path.display()))?;
        let outcome = match reader.photo_mood(&bytes, &limits) {
            Ok(mood) => {
                faces_read += mood.faces.len();
                Outcome::Read(mood.emotion)
            }
            Err(VisionError::NoFace | VisionError::NoMood) => Outcome::NoFace,
            Err(e) => {
                tracing::warn!(photo = %photo.path.display(), error = ?e, "photo not read");
                unreadable += 1;
                Outcome::NoFace
            }
        };
        report.add(photo.label, &outcome);
        if dump.is_some() {
            let views = pipeline::face_views(&bytes, &limits, &DUMP_VIEWS, &DUMP_SECOND_VIEWS)
                .unwrap_or_default();
            let _ = write!(
                dumped,
                "{}\t{:?}\t{}",
                photo.path.display(),
                photo.label,
                views.len()
            );
            if let Some((bbox, readings)) = views.first() {
                for v in bbox {
                    let _ = write!(dumped, "\t{v:.1}");
                }
                for r in &readings.fer {
                    for p in r.probabilities {
                        let _ = write!(dumped, "\t{p:.5}");
                    }
                    for v in r.features {
                        let _ = write!(dumped, "\t{v:.4}");
                    }
                }
                for p in readings.second.iter().flatten() {
                    let _ = write!(dumped, "\t{p:.5}");
                }
            }
            dumped.push('\n');
        }
        if (i + 1) % 250 == 0 {
            eprintln!("{} photos read", i + 1);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    if let Some(path) = dump {
        std::fs::write(path, dumped).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!(
        "reader={} photos={} faces={faces_read} unreadable={unreadable} ms_per_photo={:.1}",
        reader.name(),
        photos.len(),
        secs * 1000.0 / photos.len() as f64
    );
    print!("{}", report.table());
    println!("{}", report.summary_line());
    Ok(ExitCode::SUCCESS)
}
