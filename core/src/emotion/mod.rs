//! The 21-category DLUT emotion vector that every part of moodtune speaks.
//!
//! Texts, photos and tracks all end up as an [`Emotion`]: raw, unnormalised scores are summed in an
//! [`EmotionScores`] (a long, heartfelt comment should weigh more than a dry one) and softmax is
//! applied exactly once, at the end, by [`EmotionScores::finish`]. All-zero scores mean "no emotion
//! found", which is a result to report, never a uniform vector to search with.
//!
//! Invariant: this room depends on nothing else in the crate; every other room speaks its types.
//! [`maps`] holds every table from another vocabulary (FER, EMOTIC, NRC) onto the 21 categories.

pub mod maps;

use std::fmt;

use serde::{Deserialize, Serialize};

/// Number of DLUT categories.
pub const DIM: usize = 21;

/// One of the 21 DLUT emotion categories, in the seed's order (the order of vector components).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Category {
    PA,
    PE,
    PD,
    PH,
    PG,
    PB,
    PK,
    NA,
    NB,
    NJ,
    NH,
    PF,
    NI,
    NC,
    NG,
    NE,
    ND,
    NN,
    NK,
    NL,
    PC,
}

/// The seven DLUT main classes, which is also the granularity of the CLUE evaluation labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MainClass {
    /// 乐 joy (PA PE)
    Joy,
    /// 好 fondness (PD PH PG PB PK)
    Like,
    /// 怒 anger (NA)
    Anger,
    /// 哀 sorrow (NB NJ NH PF)
    Sadness,
    /// 惧 fear (NI NC NG)
    Fear,
    /// 恶 disgust (NE ND NN NK NL)
    Disgust,
    /// 惊 surprise (PC)
    Surprise,
}

impl MainClass {
    /// All main classes, in DLUT order.
    pub const ALL: [MainClass; 7] = [
        MainClass::Joy,
        MainClass::Like,
        MainClass::Anger,
        MainClass::Sadness,
        MainClass::Fear,
        MainClass::Disgust,
        MainClass::Surprise,
    ];

    /// Position in [`MainClass::ALL`], for tables such as confusion matrices.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The Chinese one-character name used by DLUT.
    pub fn zh(self) -> &'static str {
        ["乐", "好", "怒", "哀", "惧", "恶", "惊"][self as usize]
    }

    /// An English name, for people who do not read Chinese.
    pub fn en(self) -> &'static str {
        [
            "joy", "fondness", "anger", "sorrow", "fear", "disgust", "surprise",
        ][self as usize]
    }

    /// The category a mood of this class lands on when no word said more (the class model can
    /// tell 好累啊 is sorrow although no lexicon word of sorrow is in it).
    pub fn primary(self) -> Category {
        [
            Category::PA,
            Category::PB,
            Category::NA,
            Category::NB,
            Category::NI,
            Category::NE,
            Category::PC,
        ][self as usize]
    }

    /// Maps a CLUE emotion2020 label (happiness, like, anger, sadness, fear, disgust, surprise).
    pub fn from_clue_label(label: &str) -> Option<MainClass> {
        Some(match label.trim() {
            "happiness" => MainClass::Joy,
            "like" => MainClass::Like,
            "anger" => MainClass::Anger,
            "sadness" => MainClass::Sadness,
            "fear" => MainClass::Fear,
            "disgust" => MainClass::Disgust,
            "surprise" => MainClass::Surprise,
            _ => return None,
        })
    }
}

impl Category {
    /// All categories in vector order.
    pub const ALL: [Category; DIM] = [
        Category::PA,
        Category::PE,
        Category::PD,
        Category::PH,
        Category::PG,
        Category::PB,
        Category::PK,
        Category::NA,
        Category::NB,
        Category::NJ,
        Category::NH,
        Category::PF,
        Category::NI,
        Category::NC,
        Category::NG,
        Category::NE,
        Category::ND,
        Category::NN,
        Category::NK,
        Category::NL,
        Category::PC,
    ];

    /// Position of this category in an emotion vector.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The two-letter DLUT code, e.g. `"NB"`.
    pub fn code(self) -> &'static str {
        CODES[self as usize]
    }

    /// Parses a DLUT code; tolerates surrounding whitespace (the real lexicon has `"PH "`).
    pub fn from_code(code: &str) -> Option<Category> {
        let code = code.trim();
        CODES
            .iter()
            .position(|c| *c == code)
            .map(|i| Category::ALL[i])
    }

    /// The Chinese name DLUT gives the category.
    pub fn zh(self) -> &'static str {
        ZH[self as usize]
    }

    /// An English name, chosen to read well in a chat reply.
    pub fn en(self) -> &'static str {
        EN[self as usize]
    }

    /// The main class this category belongs to.
    pub fn main_class(self) -> MainClass {
        use Category::*;
        match self {
            PA | PE => MainClass::Joy,
            PD | PH | PG | PB | PK => MainClass::Like,
            NA => MainClass::Anger,
            NB | NJ | NH | PF => MainClass::Sadness,
            NI | NC | NG => MainClass::Fear,
            NE | ND | NN | NK | NL => MainClass::Disgust,
            PC => MainClass::Surprise,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

const CODES: [&str; DIM] = [
    "PA", "PE", "PD", "PH", "PG", "PB", "PK", "NA", "NB", "NJ", "NH", "PF", "NI", "NC", "NG", "NE",
    "ND", "NN", "NK", "NL", "PC",
];
const ZH: [&str; DIM] = [
    "快乐", "安心", "尊敬", "赞扬", "相信", "喜爱", "祝愿", "愤怒", "悲伤", "失望", "内疚", "思念",
    "慌张", "恐惧", "羞愧", "烦闷", "憎恶", "贬责", "妒忌", "怀疑", "惊奇",
];
const EN: [&str; DIM] = [
    "happy",
    "at ease",
    "respectful",
    "admiring",
    "trusting",
    "loving",
    "hopeful",
    "angry",
    "sad",
    "disappointed",
    "guilty",
    "longing",
    "flustered",
    "afraid",
    "ashamed",
    "fed up",
    "disgusted",
    "critical",
    "jealous",
    "doubtful",
    "surprised",
];

/// Raw, unnormalised emotion scores being accumulated from one or more texts or faces.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EmotionScores(pub [f32; DIM]);

impl EmotionScores {
    /// Adds `amount` to one category.
    pub fn add(&mut self, category: Category, amount: f32) {
        if amount.is_finite() {
            self.0[category.index()] += amount;
        }
    }

    /// Adds another score vector scaled by `weight` (e.g. a comment weighted by its likes).
    pub fn add_scaled(&mut self, other: &EmotionScores, weight: f32) {
        if !weight.is_finite() {
            return;
        }
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b * weight;
        }
    }

    /// Whether nothing emotional was found (every score is zero or negative).
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|v| *v <= 0.0)
    }

    /// Sum of positive scores: how much emotion there was in absolute terms.
    pub fn total(&self) -> f32 {
        self.0.iter().filter(|v| **v > 0.0).sum()
    }

    /// Scores summed per main class.
    pub fn main_class_totals(&self) -> [f32; 7] {
        let mut out = [0.0; 7];
        for c in Category::ALL {
            out[c.main_class().index()] += self.0[c.index()].max(0.0);
        }
        out
    }

    /// Applies the one softmax at the end, or `None` when no emotion was found.
    ///
    /// As in the seed, softmax runs over the categories that scored (positive entries); categories
    /// with no evidence stay exactly zero instead of receiving `e^0` mass. That keeps the vector
    /// sparse and meaningful: "sad and a bit nostalgic" does not become "slightly everything".
    pub fn finish(&self) -> Option<Emotion> {
        if self.is_empty() {
            return None;
        }
        let max = self.0.iter().cloned().fold(f32::MIN, f32::max);
        let mut out = [0.0f32; DIM];
        let mut sum = 0.0f32;
        for (o, v) in out.iter_mut().zip(self.0.iter()) {
            if *v > 0.0 {
                *o = (v - max).exp();
                sum += *o;
            }
        }
        for o in out.iter_mut() {
            *o /= sum;
        }
        Some(Emotion(out))
    }
}

/// Share of a person's own mood kept by [`Emotion::lifted`].
pub const LIFT_KEEP: f32 = 0.35;

/// A finished emotion: non-negative components in category order summing to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Emotion(pub [f32; DIM]);

impl Emotion {
    /// The weight of one category.
    pub fn get(&self, c: Category) -> f32 {
        self.0[c.index()]
    }

    /// Categories with their weights, strongest first, ignoring those below `min`.
    pub fn top(&self, n: usize, min: f32) -> Vec<(Category, f32)> {
        let mut v: Vec<(Category, f32)> = Category::ALL
            .iter()
            .map(|c| (*c, self.0[c.index()]))
            .filter(|(_, w)| *w >= min && *w > 0.0)
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }

    /// The strongest category (ties broken by category order).
    pub fn dominant(&self) -> Category {
        self.top(1, 0.0)
            .first()
            .map(|(c, _)| *c)
            .unwrap_or(Category::PA)
    }

    /// Total weight per main class (in the order of [`MainClass::ALL`]; sums to 1).
    pub fn main_class_shares(&self) -> [f32; 7] {
        let mut totals = [0.0f32; 7];
        for c in Category::ALL {
            totals[c.main_class().index()] += self.0[c.index()];
        }
        totals
    }

    /// The same emotion with its main classes re-weighted to `shares` (renormalised over the
    /// classes present): categories keep their proportions within a class, and a class with no
    /// evidence stays absent. This is how the class model's judgement reaches the vector.
    pub fn with_class_shares(&self, shares: &[f32; 7]) -> Emotion {
        let current = self.main_class_shares();
        let mut out = self.0;
        for c in Category::ALL {
            let k = c.main_class().index();
            if current[k] > 0.0 {
                out[c.index()] *= shares[k].max(0.0) / current[k];
            }
        }
        let sum: f32 = out.iter().sum();
        if sum <= 0.0 || !sum.is_finite() {
            return *self;
        }
        for v in out.iter_mut() {
            *v /= sum;
        }
        Emotion(out)
    }

    /// A mood with main classes in `shares` (need not sum to 1): within a class, the categories
    /// keep the proportions `base` found in it; a class `base` has nothing of lands on its
    /// [`MainClass::primary`] category. `None` when every share is zero.
    pub fn from_class_shares(base: Option<&Emotion>, shares: &[f32; 7]) -> Option<Emotion> {
        let current = base.map(|b| b.main_class_shares()).unwrap_or([0.0; 7]);
        let mut out = [0.0f32; DIM];
        for class in MainClass::ALL {
            let (k, share) = (class.index(), shares[class.index()].max(0.0));
            match base.filter(|_| current[k] > 0.0) {
                Some(b) => {
                    for c in Category::ALL.iter().filter(|c| c.main_class() == class) {
                        out[c.index()] = b.0[c.index()] / current[k] * share;
                    }
                }
                None => out[class.primary().index()] = share,
            }
        }
        let sum: f32 = out.iter().sum();
        if sum <= 0.0 || !sum.is_finite() {
            return None;
        }
        Some(Emotion(out.map(|v| v / sum)))
    }

    /// The main class with the largest total weight.
    pub fn main_class(&self) -> MainClass {
        let totals = self.main_class_shares();
        let mut best = 0;
        for i in 1..7 {
            if totals[i] > totals[best] {
                best = i;
            }
        }
        MainClass::ALL[best]
    }

    /// The mood to aim songs at when a person wants cheering up rather than matching: most of the
    /// weight moved to calm (安心) and joy (快乐), a third of the person's own mood kept so the
    /// songs still meet them where they are (a sad person gets gentle, warm songs before party
    /// songs).
    pub fn lifted(&self) -> Emotion {
        let mut out = self.0.map(|v| v * LIFT_KEEP);
        out[Category::PE.index()] += (1.0 - LIFT_KEEP) * 0.55;
        out[Category::PA.index()] += (1.0 - LIFT_KEEP) * 0.45;
        Emotion(out)
    }

    /// Euclidean distance, the metric of the nearest-neighbour search (as in the seed's KNN).
    pub fn distance(&self, other: &Emotion) -> f32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f32>()
            .sqrt()
    }

    /// Encodes as 84 little-endian bytes, the storage format of `track_emotions.vector`.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// Decodes [`Emotion::to_bytes`]; `None` for a blob of the wrong size or with bad values.
    pub fn from_bytes(bytes: &[u8]) -> Option<Emotion> {
        if bytes.len() != DIM * 4 {
            return None;
        }
        let mut out = [0.0f32; DIM];
        for (i, chunk) in bytes.chunks_exact(4).enumerate() {
            let v = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            if !v.is_finite() || v < 0.0 {
                return None;
            }
            out[i] = v;
        }
        Some(Emotion(out))
    }

    /// A map from category code to weight, the JSON shape of `moodtune recommend --json`.
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        Category::ALL
            .iter()
            .map(|c| (c.code().to_string(), serde_json::json!(self.0[c.index()])))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifting_moves_a_sad_mood_to_calm_and_joy_and_keeps_a_trace() {
        let mut v = [0.0f32; DIM];
        v[Category::NB.index()] = 1.0;
        let up = Emotion(v).lifted();
        assert!((up.0.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(up.main_class(), MainClass::Joy);
        assert!(
            up.get(Category::NB) > 0.2 && up.get(Category::NB) < 0.5,
            "{up:?}"
        );
        assert!(up.get(Category::PE) > up.get(Category::PA));
    }

    #[test]
    fn class_shares_move_weight_between_present_classes_only() {
        let mut v = [0.0f32; DIM];
        v[Category::PA.index()] = 0.5; // joy
        v[Category::NB.index()] = 0.25; // sadness
        v[Category::NJ.index()] = 0.25; // sadness
        let e = Emotion(v);
        let mut shares = [0.0f32; 7];
        shares[MainClass::Joy.index()] = 0.2;
        shares[MainClass::Sadness.index()] = 0.6;
        shares[MainClass::Anger.index()] = 0.2; // absent: stays absent
        let r = e.with_class_shares(&shares);
        assert!((r.get(Category::PA) - 0.25).abs() < 1e-6, "{r:?}");
        assert!((r.get(Category::NB) - 0.375).abs() < 1e-6);
        assert!((r.get(Category::NJ) - 0.375).abs() < 1e-6);
        assert_eq!(r.get(Category::NA), 0.0);
        assert_eq!(
            e.with_class_shares(&[0.0; 7]),
            e,
            "no information: unchanged"
        );
    }

    #[test]
    fn codes_round_trip_in_seed_order() {
        let order = "PA PE PD PH PG PB PK NA NB NJ NH PF NI NC NG NE ND NN NK NL PC";
        let parsed: Vec<Category> = order
            .split(' ')
            .map(|c| Category::from_code(c).unwrap())
            .collect();
        assert_eq!(parsed, Category::ALL.to_vec());
        assert_eq!(Category::from_code("PH "), Some(Category::PH));
        assert_eq!(Category::from_code("已经不被使用"), None);
    }

    #[test]
    fn main_classes_follow_dlut() {
        let table = [
            ("PA", MainClass::Joy),
            ("PE", MainClass::Joy),
            ("PK", MainClass::Like),
            ("NA", MainClass::Anger),
            ("PF", MainClass::Sadness),
            ("NG", MainClass::Fear),
            ("NL", MainClass::Disgust),
            ("PC", MainClass::Surprise),
        ];
        for (code, class) in table {
            assert_eq!(
                Category::from_code(code).unwrap().main_class(),
                class,
                "{code}"
            );
        }
    }

    #[test]
    fn empty_scores_are_no_emotion() {
        assert_eq!(EmotionScores::default().finish(), None);
    }

    #[test]
    fn softmax_keeps_zero_categories_zero_and_sums_to_one() {
        let mut s = EmotionScores::default();
        s.add(Category::NB, 2.0);
        s.add(Category::PF, 1.0);
        let e = s.finish().unwrap();
        assert_eq!(e.get(Category::PA), 0.0);
        let sum: f32 = e.0.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5);
        let expected = 1.0 / (1.0 + (-1.0f32).exp());
        assert!((e.get(Category::NB) - expected).abs() < 1e-5);
        assert_eq!(e.dominant(), Category::NB);
        assert_eq!(e.main_class(), MainClass::Sadness);
    }

    #[test]
    fn bytes_round_trip_and_reject_garbage() {
        let mut s = EmotionScores::default();
        s.add(Category::PC, 3.0);
        s.add(Category::PA, 1.0);
        let e = s.finish().unwrap();
        assert_eq!(Emotion::from_bytes(&e.to_bytes()), Some(e));
        assert_eq!(Emotion::from_bytes(&[1, 2, 3]), None);
        assert_eq!(Emotion::from_bytes(&[0xff; DIM * 4]), None);
    }
}
