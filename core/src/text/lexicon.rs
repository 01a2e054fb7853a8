//! The DLUT emotion lexicon (情感词汇本体): word -> (category, intensity) entries.
//!
//! The real file is dirty (a category with a trailing space, an auxiliary category `已经不被使用`,
//! intensities outside 1/3/5/7/9, quoted idioms containing commas). The loader keeps what it can,
//! counts what it skipped and why, and never panics: an operator can point `MOODTUNE_LEXICON` at
//! another file of the same format and learn from the report what was wrong with it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::emotion::Category;

/// The lexicon that ships inside the binary (see NOTICE for its source and terms).
pub const EMBEDDED_DLUT: &str = include_str!("../../data/dlut-emotion-ontology.csv");

/// The NRC Emotion Lexicon's English words (`word<TAB>emotion,...`, see NOTICE and
/// tools/nrc_to_tsv.py), mapped to DLUT by `maps::NRC_TO_DLUT`.
pub const EMBEDDED_NRC: &str = include_str!("../../data/nrc-emotion-en.tsv");

/// Intensity given to an NRC association (NRC is yes/no; DLUT's middle value).
const NRC_INTENSITY: f32 = 5.0;

/// moodtune's own supplement in the same format: common words DLUT lacks (爱 哭 怕 郁闷 感动 ...).
/// Consulted only for words the main lexicon does not know.
pub const EMBEDDED_SUPPLEMENT: &str = include_str!("../../data/supplement.csv");

/// Intensities above this are not plausible DLUT values and are clamped.
const MAX_INTENSITY: f32 = 9.0;

/// One sense of a word: it expresses `category` with strength `intensity` (1..=9).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// The emotion category.
    pub category: Category,
    /// Strength, 1 (weak) to 9 (strong).
    pub intensity: f32,
    /// DLUT polarity: 0 neutral, 1 positive, 2 negative, 3 both.
    pub polarity: u8,
    /// Whether this entry came from the auxiliary (辅助) columns.
    pub auxiliary: bool,
    /// Sense number (词义序号) of the row: a word with several senses has one row per sense.
    pub sense: u16,
}

/// What the loader skipped, so that a dirty file is reported rather than silently trusted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadReport {
    /// Data rows read (excluding the header and blank lines).
    pub rows: usize,
    /// Entries kept (a row with an auxiliary category can give two).
    pub entries: usize,
    /// Distinct words.
    pub words: usize,
    /// Rows dropped entirely, with line number and reason (first 20 kept for the log).
    pub skipped_rows: usize,
    /// Auxiliary categories that were ignored (unknown code) while the main one was kept.
    pub skipped_auxiliary: usize,
    /// Intensities that were not in 1..=9 and were clamped or defaulted.
    pub fixed_intensities: usize,
    /// Example problems: (line number, description).
    pub problems: Vec<(usize, String)>,
}

impl LoadReport {
    fn problem(&mut self, line: usize, what: String) {
        if self.problems.len() < 20 {
            self.problems.push((line, what));
        }
    }
}

/// Words to their entries. Fx hashing: a message looks up every token and every substring of
/// it in two lexicons, and SipHash's defence against chosen collisions is not needed for a
/// table built from our own files.
type Words = HashMap<String, Vec<Entry>, rustc_hash::FxBuildHasher>;

/// A word -> entries map built from a DLUT-format CSV.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    words: Words,
    max_word_chars: usize,
}

impl Lexicon {
    /// Parses a DLUT-format CSV (header
    /// `词语,词性种类,词义数,词义序号,情感分类,强度,极性,辅助情感分类,强度,极性`).
    pub fn parse(csv: &str) -> (Lexicon, LoadReport) {
        let mut report = LoadReport::default();
        let mut words = Words::default();
        for (i, raw) in csv.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim_end_matches('\r').trim_start_matches('\u{feff}');
            if line.trim().is_empty() {
                continue;
            }
            let fields = split_csv_line(line);
            if line_no == 1 && fields.first().map(|f| f.trim()) == Some("词语") {
                continue;
            }
            report.rows += 1;
            let word = fields.first().map(|w| w.trim()).unwrap_or("");
            if word.is_empty() {
                report.skipped_rows += 1;
                report.problem(line_no, "empty word".into());
                continue;
            }
            let Some(category) = fields.get(4).and_then(|c| Category::from_code(c)) else {
                report.skipped_rows += 1;
                report.problem(
                    line_no,
                    format!(
                        "unknown category {:?}",
                        fields.get(4).map(|s| s.as_str()).unwrap_or("")
                    ),
                );
                continue;
            };
            let intensity = parse_intensity(fields.get(5), &mut report, line_no);
            let polarity = parse_polarity(fields.get(6));
            let sense = fields
                .get(3)
                .and_then(|s| s.trim().parse::<u16>().ok())
                .unwrap_or(1);
            let entries = words.entry(word.to_string()).or_default();
            entries.push(Entry {
                category,
                intensity,
                polarity,
                sense,
                auxiliary: false,
            });
            report.entries += 1;
            // Auxiliary columns: optional; an unknown code drops only the auxiliary part.
            let aux = fields.get(7).map(|s| s.trim()).unwrap_or("");
            if !aux.is_empty() {
                match Category::from_code(aux) {
                    Some(aux_cat) => {
                        let aux_int = parse_intensity(fields.get(8), &mut report, line_no);
                        entries.push(Entry {
                            category: aux_cat,
                            intensity: aux_int,
                            polarity: parse_polarity(fields.get(9)),
                            auxiliary: true,
                            sense,
                        });
                        report.entries += 1;
                    }
                    None => {
                        report.skipped_auxiliary += 1;
                        report.problem(line_no, format!("unknown auxiliary category {aux:?}"));
                    }
                }
            }
        }
        report.words = words.len();
        let max_word_chars = words.keys().map(|w| w.chars().count()).max().unwrap_or(0);
        (
            Lexicon {
                words,
                max_word_chars,
            },
            report,
        )
    }

    /// The embedded DLUT lexicon.
    pub fn embedded() -> (Lexicon, LoadReport) {
        Lexicon::parse(EMBEDDED_DLUT)
    }

    /// The supplement that ships inside the binary.
    pub fn supplement() -> Lexicon {
        Lexicon::parse(EMBEDDED_SUPPLEMENT).0
    }

    /// The English NRC lexicon, keyed by lowercase word.
    pub fn english() -> Lexicon {
        let mut words = Words::default();
        for line in EMBEDDED_NRC.lines().filter(|l| !l.starts_with('#')) {
            let Some((word, emotions)) = line.split_once('\t') else {
                continue;
            };
            let entries: Vec<Entry> = emotions
                .split(',')
                .filter_map(crate::emotion::maps::nrc_to_dlut)
                .map(|category| Entry {
                    category,
                    intensity: NRC_INTENSITY,
                    polarity: 0,
                    auxiliary: false,
                    sense: 1,
                })
                .collect();
            if !entries.is_empty() {
                words.insert(word.trim().to_ascii_lowercase(), entries);
            }
        }
        let max_word_chars = words.keys().map(|w| w.chars().count()).max().unwrap_or(0);
        Lexicon {
            words,
            max_word_chars,
        }
    }

    /// Entries per main class (main rows only), the lexicon's own bias towards some classes.
    pub fn main_class_sizes(&self) -> [usize; 7] {
        let mut out = [0usize; 7];
        for e in self.words.values().flatten().filter(|e| !e.auxiliary) {
            out[e.category.main_class().index()] += 1;
        }
        out
    }

    /// All entries for a word (empty when the word carries no emotion).
    pub fn lookup(&self, word: &str) -> &[Entry] {
        self.words.get(word).map(|v| v.as_slice()).unwrap_or(&[])
    }

    /// Whether the word is in the lexicon.
    pub fn contains(&self, word: &str) -> bool {
        self.words.contains_key(word)
    }

    /// Number of distinct words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the lexicon has no words (a useless lexicon: the caller should refuse it).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Length in characters of the longest word, the window of a longest-match scan.
    pub fn max_word_chars(&self) -> usize {
        self.max_word_chars
    }

    /// Iterates over every word and its entries.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Entry])> {
        self.words.iter().map(|(w, e)| (w.as_str(), e.as_slice()))
    }
}

fn parse_intensity(field: Option<&String>, report: &mut LoadReport, line_no: usize) -> f32 {
    let raw = field.map(|s| s.trim()).unwrap_or("");
    match raw.parse::<f32>() {
        Ok(v) if (1.0..=MAX_INTENSITY).contains(&v) => v,
        Ok(v) if v.is_finite() && v > MAX_INTENSITY => {
            report.fixed_intensities += 1;
            report.problem(line_no, format!("intensity {raw} clamped to 9"));
            MAX_INTENSITY
        }
        _ => {
            report.fixed_intensities += 1;
            report.problem(line_no, format!("intensity {raw:?} replaced by 1"));
            1.0
        }
    }
}

fn parse_polarity(field: Option<&String>) -> u8 {
    field
        .and_then(|s| s.trim().parse::<u8>().ok())
        .filter(|p| *p <= 3)
        .unwrap_or(0)
}

/// Splits one CSV line, honouring double quotes (`"眉头一皱,计上心头",idiom,...`).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::with_capacity(10);
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// Why an operator's lexicon file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// The file could not be read.
    #[error("cannot read the lexicon file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The file held no usable rows.
    #[error("the lexicon file {path} has no usable rows ({rows} rows read, {skipped} skipped)")]
    Empty {
        /// The file.
        path: PathBuf,
        /// Rows read.
        rows: usize,
        /// Rows skipped.
        skipped: usize,
    },
}

/// Loads the lexicon at `path` (or the embedded one) and logs what was skipped, so an operator
/// who points `MOODTUNE_LEXICON` at a file learns at start-up what was wrong with it.
pub fn load_lexicon(path: Option<&Path>) -> Result<(Lexicon, LoadReport), LexiconError> {
    let (lex, report) = match path {
        None => Lexicon::embedded(),
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|source| LexiconError::Read {
                path: p.to_path_buf(),
                source,
            })?;
            let text = String::from_utf8_lossy(&bytes);
            let (lex, report) = Lexicon::parse(&text);
            if lex.is_empty() {
                return Err(LexiconError::Empty {
                    path: p.to_path_buf(),
                    rows: report.rows,
                    skipped: report.skipped_rows,
                });
            }
            (lex, report)
        }
    };
    tracing::info!(
        words = report.words,
        entries = report.entries,
        skipped_rows = report.skipped_rows,
        skipped_auxiliary = report.skipped_auxiliary,
        fixed_intensities = report.fixed_intensities,
        "lexicon loaded"
    );
    for (line, what) in report.problems.iter().take(5) {
        tracing::debug!(line, what, "lexicon row problem");
    }
    Ok((lex, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "词语,词性种类,词义数,词义序号,情感分类,强度,极性,辅助情感分类,强度,极性\n";

    #[test]
    fn dirty_rows_are_kept_or_reported_never_panic() {
        // (row, entries kept, skipped rows, skipped auxiliaries)
        let table: &[(&str, usize, usize, usize)] = &[
            ("脏乱,adj,1,1,NN,7,2,,,", 1, 0, 0),
            ("战祸,noun,1,1,ND,5,2,NC,5,2", 2, 0, 0),
            ("好看,adj,1,1,PH ,5,1,,,", 1, 0, 0),
            ("某词,adj,1,1,PA,5,1,已经不被使用,,", 1, 0, 1),
            ("愧色,noun,1,1,NG,7,1,5,0,", 1, 0, 1),
            ("\"眉头一皱,计上心头\",idiom,1,1,PH,5,1,,,", 1, 0, 0),
            ("坏行,adj,1,1,XX,5,1,,,", 0, 1, 0),
            (",adj,1,1,PA,5,1,,,", 0, 1, 0),
            ("短", 0, 1, 0),
            ("怪值,adj,1,1,PC,abc,1,,,", 1, 0, 0),
        ];
        for (row, entries, skipped, aux) in table {
            let (lex, rep) = Lexicon::parse(&format!("{HEADER}{row}\n"));
            assert_eq!(rep.entries, *entries, "{row}");
            assert_eq!(rep.skipped_rows, *skipped, "{row}");
            assert_eq!(rep.skipped_auxiliary, *aux, "{row}");
            assert_eq!(lex.len(), *entries.min(&1), "{row}");
        }
    }

    #[test]
    fn quoted_idiom_keeps_its_comma() {
        let (lex, _) = Lexicon::parse(&format!(
            "{HEADER}\"老鼠过街,人人喊打\",idiom,1,1,ND,5,2,,,\n"
        ));
        assert_eq!(lex.lookup("老鼠过街,人人喊打")[0].category, Category::ND);
    }

    #[test]
    fn embedded_lexicon_loads_with_a_report() {
        let (lex, rep) = Lexicon::embedded();
        assert!(rep.rows >= 27_000, "{rep:?}");
        assert!(lex.len() > 20_000);
        assert!(rep.skipped_auxiliary >= 1, "the real file has 已经不被使用");
        assert_eq!(
            lex.lookup("难过")[0].category.main_class(),
            crate::MainClass::Sadness
        );
    }
}
