//! `moodtune eval photos`: how often a photo's mood, read the way the bot reads it, matches the
//! expression a person labelled it with.
//!
//! Why its own scoring: face sets are labelled with six basic expressions plus `neutral` (and
//! sometimes `contempt`), not with the text classes. Each expression has one main class
//! ([`Expression::main_class`]); a neutral face is right when it reads as calm (安心, whose main
//! class is joy) and is scored apart, since the six expressions are what the figures are about.
//! A photo where no face is found counts as wrong: a user who sent it got no songs.

use std::path::{Path, PathBuf};

use crate::emotion::{Category, Emotion, MainClass};

/// An expression as face sets label them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expression {
    /// anger, angry, AN.
    Anger,
    /// contempt (read as disgust).
    Contempt,
    /// disgust, DI.
    Disgust,
    /// fear, afraid, FE.
    Fear,
    /// happiness, happy, HA.
    Happiness,
    /// neutral, calm, NE.
    Neutral,
    /// sadness, sad, SA.
    Sadness,
    /// surprise, surprised, SU.
    Surprise,
}

impl Expression {
    /// Reads a label word (any case): full names, adjectives and the two-letter codes posed sets
    /// use in file names (`KA.AN1.39` is anger).
    pub fn parse(word: &str) -> Option<Expression> {
        let w = word.trim().to_ascii_lowercase();
        let w = w.trim_end_matches(|c: char| c.is_ascii_digit());
        Some(match w {
            "anger" | "angry" | "an" | "ang" | "mad" => Expression::Anger,
            "contempt" | "co" => Expression::Contempt,
            "disgust" | "disgusted" | "di" | "dis" => Expression::Disgust,
            "fear" | "afraid" | "fearful" | "scared" | "fe" => Expression::Fear,
            "happiness" | "happy" | "joy" | "ha" | "hap" => Expression::Happiness,
            "neutral" | "calm" | "ne" | "neu" => Expression::Neutral,
            "sadness" | "sad" | "sa" => Expression::Sadness,
            "surprise" | "surprised" | "su" | "sur" => Expression::Surprise,
            _ => return None,
        })
    }

    /// The label a file carries in its name (`anger_012.jpg`, `KA.AN1.39.png`) or, failing that,
    /// in the name of a folder it sits in (`sad/0001.jpg`).
    pub fn of_path(path: &Path) -> Option<Expression> {
        let from = |name: &str| {
            name.split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|t| !t.is_empty())
                .find_map(Expression::parse)
        };
        let stem = path.file_stem()?.to_string_lossy();
        from(&stem).or_else(|| {
            path.ancestors()
                .skip(1)
                .take(3)
                .filter_map(|p| p.file_name())
                .find_map(|n| from(&n.to_string_lossy()))
        })
    }

    /// The main class a photo of this expression should read as; `None` for neutral, which
    /// should read as calm rather than as any strong mood.
    pub fn main_class(self) -> Option<MainClass> {
        match self {
            Expression::Anger => Some(MainClass::Anger),
            Expression::Contempt | Expression::Disgust => Some(MainClass::Disgust),
            Expression::Fear => Some(MainClass::Fear),
            Expression::Happiness => Some(MainClass::Joy),
            Expression::Neutral => None,
            Expression::Sadness => Some(MainClass::Sadness),
            Expression::Surprise => Some(MainClass::Surprise),
        }
    }
}

/// A photo and what a person said it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledPhoto {
    /// Where the photo is.
    pub path: PathBuf,
    /// Its label.
    pub label: Expression,
}

/// Why the photos to evaluate could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum PhotoEvalError {
    /// A list or folder that cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "gif", "tif", "tiff", "bmp"];

/// The labelled photos of `source`: a CSV list (`image,emotion` lines, paths relative to the
/// list), a folder holding such a list, or a folder of photos labelled by their names. Returns
/// the photos and how many entries had no label that could be read.
pub fn labelled_photos(source: &Path) -> Result<(Vec<LabelledPhoto>, usize), PhotoEvalError> {
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PhotoEvalError::Read { path, source }
    };
    let list = if source.is_dir() {
        let mut csvs: Vec<PathBuf> = std::fs::read_dir(source)
            .map_err(read_err(source))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
            .collect();
        csvs.sort();
        csvs.into_iter().next()
    } else {
        Some(source.to_path_buf())
    };
    if let Some(list) = list {
        let text = std::fs::read_to_string(&list).map_err(read_err(&list))?;
        let base = list.parent().unwrap_or(Path::new("."));
        return Ok(parse_list(&text, base));
    }
    let mut files = Vec::new();
    walk(source, 0, &mut files).map_err(read_err(source))?;
    files.sort();
    let mut out = Vec::new();
    let mut unlabelled = 0;
    for path in files {
        match Expression::of_path(path.strip_prefix(source).unwrap_or(&path)) {
            Some(label) => out.push(LabelledPhoto { path, label }),
            None => unlabelled += 1,
        }
    }
    Ok((out, unlabelled))
}

/// `image,emotion` lines (a header line is skipped; so is a line whose label is unknown, counted).
fn parse_list(text: &str, base: &Path) -> (Vec<LabelledPhoto>, usize) {
    let mut out = Vec::new();
    let mut unlabelled = 0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((image, label)) = line.rsplit_once(',') else {
            unlabelled += 1;
            continue;
        };
        let (image, label) = (
            image.trim().trim_matches('"'),
            label.trim().trim_matches('"'),
        );
        if image.eq_ignore_ascii_case("image") || image.eq_ignore_ascii_case("path") {
            continue;
        }
        match Expression::parse(label) {
            Some(label) => out.push(LabelledPhoto {
                path: base.join(image),
                label,
            }),
            None => unlabelled += 1,
        }
    }
    (out, unlabelled)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if depth < 3 {
                walk(&path, depth + 1, out)?;
            }
        } else if path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| IMAGE_EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// What reading one photo gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A mood.
    Read(Emotion),
    /// No face (or no mood) was found.
    NoFace,
}

/// Confusion over the seven main classes plus "no face", for the six expressions; neutral faces
/// counted apart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhotoReport {
    /// `confusion[gold][read]`, classes in [`MainClass::ALL`] order, index 7: no face.
    pub confusion: [[usize; 8]; 8],
    /// Neutral photos.
    pub neutral: usize,
    /// Neutral photos read as calm (安心 the strongest category).
    pub neutral_calm: usize,
    /// Neutral photos with no face found.
    pub neutral_no_face: usize,
}

const NAMES: [&str; 8] = [
    "joy", "fondness", "anger", "sorrow", "fear", "disgust", "surprise", "no_face",
];

impl PhotoReport {
    /// Counts one photo.
    pub fn add(&mut self, label: Expression, outcome: &Outcome) {
        match (label.main_class(), outcome) {
            (Some(gold), Outcome::Read(e)) => {
                self.confusion[gold.index()][e.main_class().index()] += 1
            }
            (Some(gold), Outcome::NoFace) => self.confusion[gold.index()][7] += 1,
            (None, outcome) => {
                self.neutral += 1;
                match outcome {
                    Outcome::Read(e) if e.dominant() == Category::PE => self.neutral_calm += 1,
                    Outcome::Read(..) => {}
                    Outcome::NoFace => self.neutral_no_face += 1,
                }
            }
        }
    }

    /// Photos of the six expressions (neutral ones not included).
    pub fn n(&self) -> usize {
        self.confusion.iter().flatten().sum()
    }

    /// Share of expression photos read as their main class.
    pub fn accuracy(&self) -> f64 {
        let right: usize = (0..7).map(|c| self.confusion[c][c]).sum();
        right as f64 / self.n().max(1) as f64
    }

    /// Recall of each class that has photos: (class, right, photos).
    pub fn recalls(&self) -> Vec<(MainClass, usize, usize)> {
        MainClass::ALL
            .iter()
            .map(|c| {
                let row = &self.confusion[c.index()];
                (*c, row[c.index()], row.iter().sum::<usize>())
            })
            .filter(|(_, _, n)| *n > 0)
            .collect()
    }

    /// Mean F1 over the classes that have photos.
    pub fn macro_f1(&self) -> f64 {
        let recalls = self.recalls();
        let f1: f64 = recalls
            .iter()
            .map(|(c, right, gold)| {
                let read: usize = (0..8).map(|g| self.confusion[g][c.index()]).sum();
                let p = *right as f64 / read.max(1) as f64;
                let r = *right as f64 / (*gold).max(1) as f64;
                if p + r > 0.0 {
                    2.0 * p * r / (p + r)
                } else {
                    0.0
                }
            })
            .sum();
        f1 / recalls.len().max(1) as f64
    }

    /// Share of expression photos where no face was found.
    pub fn no_face(&self) -> f64 {
        let none: usize = (0..8).map(|g| self.confusion[g][7]).sum();
        none as f64 / self.n().max(1) as f64
    }

    /// The confusion matrix (rows gold, columns read), then one recall line per class and one
    /// for neutral photos.
    pub fn table(&self) -> String {
        let mut s = String::from("gold\\read");
        for name in NAMES {
            s.push_str(&format!("{name:>9}"));
        }
        s.push('\n');
        for (g, row) in self.confusion.iter().enumerate().take(7) {
            if row.iter().sum::<usize>() == 0 {
                continue;
            }
            s.push_str(&format!("{:<9}", NAMES[g]));
            for v in row {
                s.push_str(&format!("{v:>9}"));
            }
            s.push('\n');
        }
        for (c, right, n) in self.recalls() {
            s.push_str(&format!(
                "{} recall={:.4} n={n}\n",
                c.en(),
                right as f64 / n.max(1) as f64
            ));
        }
        if self.neutral > 0 {
            s.push_str(&format!(
                "neutral calm={:.4} no_face={} n={}\n",
                self.neutral_calm as f64 / self.neutral as f64,
                self.neutral_no_face,
                self.neutral
            ));
        }
        s
    }

    /// The one line `moodtune eval photos` ends with.
    pub fn summary_line(&self) -> String {
        format!(
            "accuracy={:.4} macro_f1={:.4} no_face={:.4} n={}",
            self.accuracy(),
            self.macro_f1(),
            self.no_face(),
            self.n()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_from_words_codes_and_folders() {
        for (path, want) in [
            ("anger_012.jpg", Some(Expression::Anger)),
            ("KA.AN1.39.png", Some(Expression::Anger)),
            ("YM.SA2.56.tiff", Some(Expression::Sadness)),
            ("sad/0001.jpg", Some(Expression::Sadness)),
            ("Happy/face.png", Some(Expression::Happiness)),
            ("photos/2868588k.jpg", None),
        ] {
            assert_eq!(Expression::of_path(Path::new(path)), want, "{path}");
        }
        let (list, bad) = parse_list(
            "image,emotion\na.jpg,anger\nb.jpg,HAPPINESS\nc.jpg,bored\n",
            Path::new("/x"),
        );
        assert_eq!(bad, 1);
        assert_eq!(list[1].label, Expression::Happiness);
        assert_eq!(list[0].path, Path::new("/x/a.jpg"));
    }

    #[test]
    fn figures_from_known_outcomes() {
        let mood = |c: Category| {
            let mut s = crate::emotion::EmotionScores::default();
            s.add(c, 1.0);
            s.finish().unwrap()
        };
        let (happy, sad, calm) = (mood(Category::PA), mood(Category::NB), mood(Category::PE));
        let mut r = PhotoReport::default();
        r.add(Expression::Happiness, &Outcome::Read(happy));
        r.add(Expression::Sadness, &Outcome::Read(happy));
        r.add(Expression::Sadness, &Outcome::Read(sad));
        r.add(Expression::Anger, &Outcome::NoFace);
        r.add(Expression::Neutral, &Outcome::Read(happy));
        r.add(Expression::Neutral, &Outcome::Read(calm));
        assert_eq!(r.n(), 4);
        assert_eq!(r.neutral, 2);
        assert_eq!(r.neutral_calm, 1);
        // joy p 1/2 r 1 f1 2/3; sorrow p 1 r 1/2 f1 2/3; anger 0.
        assert!((r.macro_f1() - 4.0 / 9.0).abs() < 1e-9);
        assert_eq!(
            r.summary_line(),
            "accuracy=0.5000 macro_f1=0.4444 no_face=0.2500 n=4"
        );
        assert!(r.table().contains("sorrow recall=0.5000 n=2"));
    }
}
