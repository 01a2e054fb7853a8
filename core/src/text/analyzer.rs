//! Text -> emotion scores, with the DLUT lexicon and jieba-rs.
//!
//! [`Method::Seed`] reproduces the seed's algorithm exactly: the top 20 TF-IDF keywords with their
//! weights; each lexicon entry of a keyword adds `intensity x weight` to its category (auxiliary
//! categories count too). [`Method::Tuned`] (the default) reads every word instead of 20 keywords
//! and adds what the seed misses: Weibo emoticons and emoji, a small supplement of common words
//! DLUT lacks, lexicon words inside longer jieba tokens (好开心 -> 开心), negation and degree
//! adverbs, the first sense of a polysemous word, and a correction for the lexicon's class sizes.
//! Scores stay raw (unnormalised) so that callers can sum several texts and apply the one softmax
//! at the end.

use jieba_rs::{Jieba, KeywordExtract, KeywordExtractConfig, TfIdf};

use crate::emotion::{Emotion, EmotionScores};
use crate::text::analysis::{Hit, TextAnalysis};
use crate::text::classify::{self, ClassModel, Label, ModelLang, CLASSES};
use crate::text::lexicon::{Entry, Lexicon};
use crate::text::modifiers::{
    is_boundary, lexicon_words, DEGREES, MODIFIER_WINDOW, NEGATION_DAMP, NEGATION_FLIP, NEGATORS,
};
use crate::text::script::{english_share, english_weight};
use crate::text::small_talk;
use crate::text::symbols;

/// Number of TF-IDF keywords kept per text (the seed's `extract_tags` default).
pub const TOP_KEYWORDS: usize = 20;

/// Which text-analysis algorithm to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// The seed's algorithm, kept as the reference to beat.
    Seed,
    /// The default: every word, symbols, negation, degree, class-size correction.
    Tuned(Tuning),
}

impl Default for Method {
    fn default() -> Self {
        Method::Tuned(Tuning::default())
    }
}

impl Method {
    /// Parses `seed` or `tuned`; `tuned-without-X,Y` switches parts of the tuned method off (for
    /// measuring what each part adds): X in symbols, supplement, substrings, negation, degree,
    /// classnorm, firstsense, english, model.
    pub fn parse(s: &str) -> Option<Method> {
        let s = s.trim().to_ascii_lowercase();
        if s == "seed" {
            return Some(Method::Seed);
        }
        let rest = s.strip_prefix("tuned")?;
        let mut t = Tuning::default();
        if let Some(list) = rest.strip_prefix("-without-") {
            for part in list.split(',') {
                match part.trim() {
                    "symbols" => t.symbols = false,
                    "supplement" => t.supplement = false,
                    "substrings" => t.substrings = false,
                    "negation" => t.negation = false,
                    "degree" => t.degree = false,
                    "classnorm" => t.class_norm = 0.0,
                    "firstsense" => t.first_sense = false,
                    "english" => t.english = false,
                    "model" => t.class_model = false,
                    _ => return None,
                }
            }
        } else if !rest.is_empty() {
            return None;
        }
        Some(Method::Tuned(t))
    }
}

/// The parts of [`Method::Tuned`], each of which can be switched off to measure it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Weibo emoticons and emoji.
    pub symbols: bool,
    /// The supplement lexicon for words DLUT lacks.
    pub supplement: bool,
    /// Lexicon words inside longer tokens.
    pub substrings: bool,
    /// Damp emotion words after a negator (不 没 别 ...).
    pub negation: bool,
    /// Scale emotion words after degree adverbs (非常 x2, 有点 x0.6 ...).
    pub degree: bool,
    /// Exponent of the class-size correction: each main class is scaled by
    /// `(mean class size / class size) ^ class_norm`; 0 switches it off.
    pub class_norm: f32,
    /// Use only the first sense of a word with several senses.
    pub first_sense: bool,
    /// Read English words too (NRC Emotion Lexicon): Discord users write English, and mixed
    /// messages use both lexicons. No language setting: every word is tried.
    pub english: bool,
    /// Decide the main class with the fitted class model ([`crate::text::classify`]) rather than by
    /// the largest share of the lexicon's scores.
    pub class_model: bool,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            symbols: true,
            supplement: true,
            substrings: true,
            negation: true,
            degree: true,
            class_norm: 0.5,
            first_sense: true,
            english: true,
            class_model: true,
        }
    }
}

/// Share of letters that must be Latin for English words to be read.
const ENGLISH_SHARE: f32 = 0.3;

/// A main class whose probability is below this share of the strongest one's is left out of
/// the mood.
const MIN_CLASS_SHARE: f32 = 0.35;

/// Words and symbols a reply names as the ones that carried the mood ("show why").
pub const MAX_CUES: usize = 3;

/// Whether the class models' answer is "no feeling": "no feeling" is the strongest output, or,
/// with no emotion word in the text, at least `without_words` of the strongest class's
/// ([`classify::FitOptions::none_without_words`]).
fn is_no_feeling(p: &[f32; CLASSES], no_words: bool, without_words: f32) -> bool {
    let top = p[..7].iter().cloned().fold(0.0f32, f32::max);
    p[7] >= top || (no_words && p[7] >= top * without_words)
}

/// The index of the strongest of the 7 main classes.
fn strongest_class(p: &[f32; CLASSES]) -> usize {
    (1..7).fold(0, |best, k| if p[k] > p[best] { k } else { best })
}

/// The text analyser: jieba segmentation, TF-IDF keywords and a lexicon. Build once, share.
pub struct TextAnalyzer {
    jieba: Jieba,
    tfidf: TfIdf,
    lexicon: Lexicon,
    supplement: Lexicon,
    english: Lexicon,
    class_sizes: [usize; 7],
    method: Method,
    /// Class models other than the embedded ones (a refit being measured before it ships).
    models: Option<(&'static ClassModel, &'static ClassModel)>,
}

impl std::fmt::Debug for TextAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextAnalyzer")
            .field("lexicon_words", &self.lexicon.len())
            .field("method", &self.method)
            .finish()
    }
}

impl TextAnalyzer {
    /// Builds an analyser over `lexicon` (loading jieba's dictionary takes ~100 ms: do it once).
    pub fn new(lexicon: Lexicon, method: Method) -> TextAnalyzer {
        // Python jieba's extract_tags segments with the HMM on; keep that for fidelity to the seed.
        let config = KeywordExtractConfig::builder().use_hmm(true).build();
        let mut tfidf = TfIdf::default();
        *tfidf.config_mut() = config;
        let supplement = Lexicon::supplement();
        let english = Lexicon::english();
        let class_sizes = lexicon.main_class_sizes();
        TextAnalyzer {
            jieba: Jieba::new(),
            tfidf,
            lexicon,
            supplement,
            english,
            class_sizes,
            method,
            models: None,
        }
    }

    /// The method this analyser runs.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The class models (Chinese, English) the method decides with, if any.
    pub fn class_models(&self) -> Option<(&'static ClassModel, &'static ClassModel)> {
        match self.method {
            Method::Tuned(t) if t.class_model => Some(self.models.unwrap_or((
                ClassModel::embedded(ModelLang::Zh),
                ClassModel::embedded(ModelLang::En),
            ))),
            _ => None,
        }
    }

    /// What the class models make of a text already analysed: probabilities of the 7 main
    /// classes and of "no feeling". A Chinese text is read by the Chinese model, an English one
    /// by the English model, a mixed one by both in proportion to its Latin letters.
    pub fn classify(&self, analysis: &TextAnalysis, text: &str) -> Option<[f32; CLASSES]> {
        self.decide(analysis, text).map(|(p, _)| p)
    }

    /// The class models' probabilities and their "no feeling" share for a text without emotion
    /// words ([`classify::FitOptions::none_without_words`]), both mixed by the text's Latin
    /// letters, which are counted once. Small talk (greetings, thanks, bare requests for songs)
    /// is "no feeling" before any model reads it ([`small_talk`]).
    fn decide(&self, analysis: &TextAnalysis, text: &str) -> Option<([f32; CLASSES], f32)> {
        let (zh, en) = self.class_models()?;
        if small_talk::is_small_talk(text) {
            let mut p = [0.0; CLASSES];
            p[7] = 1.0;
            return Some((p, 0.0));
        }
        let x = classify::Sample::new(analysis, text);
        let w = english_weight(text);
        let p_zh = (w < 1.0).then(|| zh.probabilities(&x));
        let p_en = (w > 0.0).then(|| en.probabilities(&x));
        let p = std::array::from_fn(|k| {
            p_zh.map_or(0.0, |p| p[k] * (1.0 - w)) + p_en.map_or(0.0, |p| p[k] * w)
        });
        let without_words =
            zh.fitted_with.none_without_words * (1.0 - w) + en.fitted_with.none_without_words * w;
        Some((p, without_words))
    }

    /// The mood of a chat message, or `None` when it carries no feeling. With a class model,
    /// the model decides whether there is a feeling and which main classes it has; the lexicon's
    /// categories give the detail inside each class. Without one, the lexicon alone decides.
    pub fn mood(&self, text: &str) -> Option<Emotion> {
        self.mood_of(&self.analyze(text), text)
    }

    /// The mood of a chat message with the words and symbols that carried it (at most
    /// [`MAX_CUES`]: emoticons and emoji first, then words in the order written), so a reply can
    /// show what was understood.
    pub fn reading(&self, text: &str) -> Option<(Emotion, Vec<String>)> {
        let analysis = self.analyze(text);
        let mood = self.mood_of(&analysis, text)?;
        let mut cues: Vec<String> = Vec::new();
        for hit in analysis.hits {
            if cues.len() < MAX_CUES && !cues.contains(&hit.word) {
                cues.push(hit.word);
            }
        }
        Some((mood, cues))
    }

    fn mood_of(&self, analysis: &TextAnalysis, text: &str) -> Option<Emotion> {
        let lexical = analysis.scores.finish();
        let Some((p, without_words)) = self.decide(analysis, text) else {
            return lexical;
        };
        if is_no_feeling(&p, lexical.is_none(), without_words) {
            return None;
        }
        // Classes far behind the strongest are dropped: the search vector stays sparse.
        let top = p[..7].iter().cloned().fold(0.0f32, f32::max);
        let shares: [f32; 7] = std::array::from_fn(|k| {
            if p[k] >= top * MIN_CLASS_SHARE {
                p[k]
            } else {
                0.0
            }
        });
        Emotion::from_class_shares(lexical.as_ref(), &shares)
    }

    /// The main class of a text, or `None` for no feeling: by the class models when the method
    /// has them, else by the largest share of the lexicon's scores (none when nothing matched).
    pub fn main_class(&self, text: &str) -> Label {
        let analysis = self.analyze(text);
        match self.decide(&analysis, text) {
            Some((p, without_words))
                if is_no_feeling(&p, analysis.scores.is_empty(), without_words) =>
            {
                None
            }
            Some((p, _)) => classify::label_at(strongest_class(&p)),
            None => analysis.scores.finish().map(|e| e.main_class()),
        }
    }

    /// The same analyser with another method (shares nothing mutable; cheap enough for the CLI).
    pub fn with_method(mut self, method: Method) -> TextAnalyzer {
        self.method = method;
        self
    }

    /// The same analyser deciding with other class models (Chinese, English): `eval text
    /// --model-zh/--model-en` measures a refit before it is embedded.
    pub fn with_class_models(mut self, zh: &'static ClassModel, en: &'static ClassModel) -> Self {
        self.models = Some((zh, en));
        self
    }

    /// The lexicon in use.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Raw emotion scores of `text` and the words behind them.
    pub fn analyze(&self, text: &str) -> TextAnalysis {
        match self.method {
            Method::Seed => self.seed(text),
            Method::Tuned(t) => self.tuned(text, &t),
        }
    }

    /// Raw scores of a catalog text (title, lyric, comment, playlist name). English words are
    /// not read here: NRC's broad associations turned English titles into noise ("See the Storm"
    /// as the saddest song) while the crowd's Chinese playlist names already label them.
    pub fn label_scores(&self, text: &str) -> EmotionScores {
        match self.method {
            Method::Seed => self.seed(text).scores,
            Method::Tuned(t) => {
                self.tuned(
                    text,
                    &Tuning {
                        english: false,
                        ..t
                    },
                )
                .scores
            }
        }
    }

    /// Raw emotion scores of `text`.
    pub fn scores(&self, text: &str) -> EmotionScores {
        self.analyze(text).scores
    }

    /// The finished emotion of a single text, or `None` when no emotion was found.
    pub fn emotion(&self, text: &str) -> Option<Emotion> {
        self.scores(text).finish()
    }

    /// Entries of a word in the supplement, else in the lexicon, else (English) in NRC.
    /// The supplement comes first: it corrects DLUT where everyday usage differs (焦虑 is fear
    /// to a chat user, 疲惫 and 累 are sorrow, 无语 is annoyance).
    fn entries(&self, word: &str, t: &Tuning) -> &[Entry] {
        let mut e: &[Entry] = &[];
        if t.supplement {
            e = self.supplement.lookup(word);
        }
        if e.is_empty() {
            e = self.lexicon.lookup(word);
        }
        if e.is_empty()
            && t.english
            && word
                .bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'\'')
        {
            let lower = word.to_ascii_lowercase();
            e = self.supplement.lookup(&lower);
            if e.is_empty() {
                e = self.english.lookup(&lower);
            }
        }
        e
    }

    /// Adds a word's entries; with `first_sense`, only the rows of its first sense.
    /// The entries of a word that count: with `first_sense`, only the rows of its first sense.
    fn counted<'e>(entries: &'e [Entry], t: &Tuning) -> impl Iterator<Item = &'e Entry> {
        let first = entries.iter().map(|e| e.sense).min().unwrap_or(1);
        let all = !t.first_sense;
        entries.iter().filter(move |e| all || e.sense == first)
    }

    /// Adds a word's counted entries.
    fn add_entries(scores: &mut EmotionScores, entries: &[Entry], factor: f32, t: &Tuning) {
        for e in Self::counted(entries, t) {
            scores.add(e.category, e.intensity * factor);
        }
    }

    /// The opposite of a negated word, mildly: joy and fondness -> disappointment (NJ),
    /// anger, sorrow, fear and disgust -> ease (PE); surprise has no opposite.
    fn add_flipped(scores: &mut EmotionScores, entries: &[Entry], factor: f32, t: &Tuning) {
        use crate::emotion::{Category, MainClass};
        for e in Self::counted(entries, t) {
            let opposite = match e.category.main_class() {
                MainClass::Joy | MainClass::Like => Category::NJ,
                MainClass::Surprise => continue,
                _ => Category::PE,
            };
            scores.add(opposite, e.intensity * factor * NEGATION_FLIP);
        }
    }

    fn tuned(&self, text: &str, t: &Tuning) -> TextAnalysis {
        let mut out = TextAnalysis::default();
        // 1. Symbols: bracket emoticons are read and cut out; emoji are read per character.
        let mut plain = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('[') {
            plain.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after
                .find(']')
                .filter(|close| after[..*close].chars().count() <= 6)
            {
                Some(close) => {
                    if t.symbols {
                        if let Some((cat, intensity)) = symbols::emoticon(&after[..close]) {
                            out.scores.add(cat, intensity);
                            out.symbols.add(cat, intensity);
                            out.hits.push(Hit {
                                word: format!("[{}]", &after[..close]),
                                weight: 1.0,
                            });
                        }
                    }
                    plain.push(' ');
                    rest = &after[close + 1..];
                }
                None => {
                    plain.push('[');
                    rest = after;
                }
            }
        }
        plain.push_str(rest);
        if t.symbols {
            for c in plain.chars() {
                if let Some((cat, intensity)) = symbols::emoji(c) {
                    out.scores.add(cat, intensity);
                    out.symbols.add(cat, intensity);
                    out.hits.push(Hit {
                        word: c.to_string(),
                        weight: 1.0,
                    });
                }
            }
        }
        // 2. Words, each read with the negators and degree adverbs just before it. English words
        // count when the text is substantially English (a stray "good" in a Chinese post says
        // less than the Chinese around it: measured, reading them always cost 0.2 points).
        let t = &Tuning {
            english: t.english && english_share(&plain) >= ENGLISH_SHARE,
            ..*t
        };
        let tokens: Vec<&str> = self
            .jieba
            .cut(&plain, true)
            .iter()
            .map(|t| t.word)
            .collect();
        let words = lexicon_words(&tokens);
        let mut english = EmotionScores::default();
        for (i, word) in words.iter().enumerate() {
            let word = word.as_ref();
            if word.is_empty() || is_boundary(word) {
                continue;
            }
            let mut found: Vec<(&str, &[Entry])> = Vec::new();
            let direct = self.entries(word, t);
            if !direct.is_empty() {
                found.push((word, direct));
            } else if t.substrings && word.chars().count() >= 3 && !(t.english && word.is_ascii()) {
                // Not inside English words of a chat message: NRC would find "bout" in "about".
                found.extend(self.inner_words(word, t));
            }
            if found.is_empty() {
                continue;
            }
            let mut factor = 1.0f32;
            let mut negated = false;
            let mut negator = "";
            for prev in words[i.saturating_sub(MODIFIER_WINDOW)..i].iter().rev() {
                let prev = prev.as_ref();
                if is_boundary(prev) && !prev.is_empty() {
                    break;
                }
                if t.negation && NEGATORS.iter().any(|n| n.eq_ignore_ascii_case(prev)) {
                    factor *= NEGATION_DAMP;
                    negated = true;
                    negator = prev;
                }
                if t.degree {
                    if let Some((_, d)) = DEGREES.iter().find(|(w, _)| *w == prev) {
                        factor *= d;
                    }
                }
            }
            // English (NRC) words are not subject to DLUT's class-size bias: keep them apart.
            let target = if word.is_ascii() {
                &mut english
            } else {
                &mut out.scores
            };
            for (w, entries) in found {
                Self::add_entries(target, entries, factor, t);
                if negated {
                    Self::add_entries(&mut out.negated, entries, 1.0, t);
                    Self::add_flipped(target, entries, factor / NEGATION_DAMP, t);
                }
                // A negated word is shown as read: 不开心, "not happy".
                let shown = match (negated, w.is_ascii()) {
                    (false, _) => w.to_string(),
                    (true, true) => format!("{negator} {w}"),
                    (true, false) => format!("{negator}{w}"),
                };
                out.hits.push(Hit {
                    word: shown,
                    weight: factor,
                });
            }
        }
        // 3. The lexicon has ~28x more 好 entries than 怒 ones: scale each class against that bias.
        if t.class_norm > 0.0 {
            let mean = self.class_sizes.iter().sum::<usize>() as f32 / 7.0;
            for c in crate::emotion::Category::ALL {
                let size = self.class_sizes[c.main_class().index()].max(1) as f32;
                out.scores.0[c.index()] *= (mean / size).powf(t.class_norm);
            }
        }
        out.scores.add_scaled(&english, 1.0);
        out
    }

    /// Longest lexicon words of two or more characters inside a token, left to right.
    fn inner_words<'a>(&'a self, word: &'a str, t: &Tuning) -> Vec<(&'a str, &'a [Entry])> {
        let idx: Vec<usize> = word
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(word.len()))
            .collect();
        let n = idx.len() - 1;
        let mut out = Vec::new();
        let mut i = 0;
        while i < n {
            let mut hit = None;
            for j in (i + 2..=n.min(i + 8)).rev() {
                if i == 0 && j == n {
                    continue; // the whole token was already looked up
                }
                let sub = &word[idx[i]..idx[j]];
                let e = self.entries(sub, t);
                if !e.is_empty() {
                    hit = Some((j, sub, e));
                    break;
                }
            }
            match hit {
                Some((j, sub, e)) => {
                    out.push((sub, e));
                    i = j;
                }
                None => i += 1,
            }
        }
        out
    }

    fn seed(&self, text: &str) -> TextAnalysis {
        let mut out = TextAnalysis::default();
        let keywords = self
            .tfidf
            .extract_keywords(&self.jieba, text, TOP_KEYWORDS, Vec::new());
        for kw in keywords {
            let entries = self.lexicon.lookup(&kw.keyword);
            if entries.is_empty() {
                continue;
            }
            let weight = kw.weight as f32;
            for e in entries {
                out.scores.add(e.category, e.intensity * weight);
            }
            out.hits.push(Hit {
                word: kw.keyword,
                weight,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emotion::{Category, MainClass};
    use crate::text::classify::Label;
    use std::sync::LazyLock;

    static ANALYZER: LazyLock<TextAnalyzer> =
        LazyLock::new(|| TextAnalyzer::new(Lexicon::embedded().0, Method::Seed));
    static TUNED: LazyLock<TextAnalyzer> =
        LazyLock::new(|| TextAnalyzer::new(Lexicon::embedded().0, Method::default()));

    #[test]
    fn tuned_method_reads_what_the_seed_misses() {
        // (text, expected main class)
        let table = [
            ("今天好开心啊", MainClass::Joy),
            ("下雨天一个人，有点难过", MainClass::Sadness),
            ("[泪][泪]", MainClass::Sadness),
            ("😭", MainClass::Sadness),
            ("气死我了！！", MainClass::Anger),
            ("[哈哈]今天考完试了", MainClass::Joy),
            ("我好怕", MainClass::Fear),
            ("突然好想家", MainClass::Sadness),
            ("I feel so lonely and sad tonight", MainClass::Sadness),
            ("so happy today!", MainClass::Joy),
            ("I'm really angry at my boss", MainClass::Anger),
            ("今天 so happy", MainClass::Joy),
        ];
        for (text, class) in table {
            let e = TUNED
                .emotion(text)
                .unwrap_or_else(|| panic!("no emotion: {text}"));
            assert_eq!(e.main_class(), class, "{text}: {:?}", e.top(3, 0.0));
        }
    }

    /// Everyday messages as people type them to a music bot, read by the class models: the
    /// cases of the issue that the lexicon alone got wrong.
    #[test]
    fn everyday_messages_read_by_what_they_mean() {
        let gibberish: String = (0..300u32)
            .map(|i| char::from(b"Aq9+/xZk2LmP"[(i * 7 % 12) as usize]))
            .collect();
        let table: [(&str, Label); 14] = [
            ("不开心", Some(MainClass::Sadness)),
            // What follows a contrast is what is meant.
            ("本来挺期待的 可是结果好失望", Some(MainClass::Sadness)),
            ("tired but so happy", Some(MainClass::Joy)),
            ("一点也不开心", Some(MainClass::Sadness)),
            ("好累啊", Some(MainClass::Sadness)),
            ("破防了", Some(MainClass::Sadness)),
            ("today is a great day", Some(MainClass::Joy)),
            (
                "I just got dumped and I feel awful",
                Some(MainClass::Sadness),
            ),
            ("I'm anxious about my exam", Some(MainClass::Fear)),
            ("明天几点开会", None),
            ("recommend something", None),
            ("早上好呀", None),
            ("good morning!", None),
            (&gibberish, None),
        ];
        for (text, want) in table {
            assert_eq!(TUNED.main_class(text), want, "{text}");
            assert_eq!(TUNED.mood(text).is_some(), want.is_some(), "{text}");
        }
    }

    /// "Show why": the words that carried a mood, negated ones as read.
    #[test]
    fn a_reading_names_the_words_that_carried_it() {
        let table: [(&str, &[&str]); 5] = [
            ("一点也不开心", &["不开心"]),
            ("I'm not happy at all", &["not happy"]),
            ("I didn't enjoy the party", &["didn't enjoy"]),
            ("真的很难过", &["难过"]),
            ("明天几点开会", &[]),
        ];
        for (text, want) in table {
            let cues = TUNED.reading(text).map(|(_, c)| c).unwrap_or_default();
            for w in want {
                assert!(cues.iter().any(|c| c == w), "{text}: {cues:?}");
            }
            // Half a contraction is never a cue (NRC's "don", "haven").
            assert!(
                !cues.iter().any(|c| c == "don" || c == "haven"),
                "{text}: {cues:?}"
            );
            assert!(cues.len() <= MAX_CUES, "{text}: {cues:?}");
        }
        assert!(TUNED.reading("明天几点开会").is_none());
    }

    #[test]
    fn negation_and_degree_scale_words() {
        let joy = |text: &str| TUNED.scores(text).main_class_totals()[MainClass::Joy.index()];
        let sorrow =
            |text: &str| TUNED.scores(text).main_class_totals()[MainClass::Sadness.index()];
        let (plain, very, bit, not) =
            (joy("开心"), joy("非常开心"), joy("有点开心"), joy("不开心"));
        assert!(
            very > plain && plain > bit && bit > not && not > 0.0,
            "{very} {plain} {bit} {not}"
        );
        // A negated joy reads as a mild disappointment; a negated sorrow as a mild ease.
        assert!(sorrow("不开心") > not && sorrow("开心") == 0.0);
        assert!(joy("不难过") > 0.0 && sorrow("不难过") < sorrow("难过"));
        let analysis = TUNED.analyze("not happy at all");
        assert!(analysis.negated.main_class_totals()[MainClass::Joy.index()] > 0.0);
        // Contractions are negators, whichever apostrophe, and white space does not use up the
        // window: "didn't really enjoy" is as negated as "not enjoy".
        for text in [
            "I didn't enjoy it",
            "I didn\u{2019}t really enjoy it",
            "haven't been happy",
        ] {
            let analysis = TUNED.analyze(text);
            assert!(
                analysis.negated.main_class_totals()[MainClass::Joy.index()] > 0.0,
                "{text}"
            );
        }
        // A negator before a comma does not reach the next clause.
        assert_eq!(joy("不，开心"), plain);
        assert_eq!(sorrow("不，开心"), 0.0);
    }

    #[test]
    fn methods_parse() {
        assert_eq!(Method::parse("seed"), Some(Method::Seed));
        assert_eq!(Method::parse("tuned"), Some(Method::default()));
        let Some(Method::Tuned(t)) = Method::parse("tuned-without-negation,classnorm") else {
            panic!()
        };
        assert!(!t.negation && t.class_norm == 0.0 && t.degree);
        assert_eq!(Method::parse("tuned-without-magic"), None);
        assert_eq!(Method::parse("bert"), None);
    }

    #[test]
    fn seed_method_reads_plain_moods() {
        // (text, expected main class of the result)
        let table = [
            ("下雨天一个人，有点难过", MainClass::Sadness),
            ("今天真开心，快乐极了", MainClass::Joy),
            ("我非常害怕，太恐惧了", MainClass::Fear),
            ("气愤！简直大发雷霆", MainClass::Anger),
        ];
        for (text, class) in table {
            let e = ANALYZER
                .emotion(text)
                .unwrap_or_else(|| panic!("no emotion: {text}"));
            assert_eq!(e.main_class(), class, "{text}: {:?}", e.top(3, 0.0));
        }
    }

    #[test]
    fn no_emotion_is_reported_not_invented() {
        for text in ["", "   ", "😀😀😀", "1234 5678", "the cat sat on the mat"] {
            assert!(ANALYZER.emotion(text).is_none(), "{text:?}");
        }
        for text in [
            "",
            "   ",
            "🚗🚗",
            "1234 5678",
            "[不存在的表情]",
            "[[[",
            "the cat sat on the mat",
        ] {
            assert!(TUNED.emotion(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn auxiliary_category_counts_too() {
        // 寂寞 is NB with auxiliary NE in DLUT.
        let s = ANALYZER.scores("寂寞");
        assert!(s.0[Category::NB.index()] > 0.0);
        assert!(s.0[Category::NE.index()] > 0.0);
    }

    #[test]
    fn scores_are_raw_and_additive() {
        let one = ANALYZER.scores("伤心");
        assert!(
            one.total() > 1.0,
            "raw scores are not normalised: {}",
            one.total()
        );
    }
}
