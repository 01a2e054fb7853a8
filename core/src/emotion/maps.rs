//! Every map from another emotion vocabulary onto the 21 DLUT categories, in one place.
//!
//! - FER2013's 7 facial expressions (the bundled photo model).
//! - EMOTIC's 26 categories (the seed's photo model), transcribed from the seed's table
//!   (its author calls it provisional; so do we).

use crate::emotion::Category::{self, *};
use crate::emotion::EmotionScores;

/// NRC Emotion Lexicon emotion -> DLUT category (English words; sentiments are not used).
pub const NRC_TO_DLUT: [(&str, Category); 8] = [
    ("anger", NA),
    ("anticipation", PK),
    ("disgust", ND),
    ("fear", NC),
    ("joy", PA),
    ("sadness", NB),
    ("surprise", PC),
    ("trust", PG),
];

/// The DLUT category of an NRC emotion name.
pub fn nrc_to_dlut(name: &str) -> Option<Category> {
    NRC_TO_DLUT
        .iter()
        .find(|(n, _)| *n == name.trim())
        .map(|(_, c)| *c)
}

/// FER2013 expressions in model output order.
pub const FER_LABELS: [&str; 7] = [
    "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral",
];

/// FER expression -> DLUT categories with shares summing to 1.
/// Neutral is read as "at ease" (安心): a calm face is a mood too, just a quiet one.
pub const FER_TO_DLUT: [&[(Category, f32)]; 7] = [
    &[(NA, 1.0)],
    &[(ND, 1.0)],
    &[(NC, 0.8), (NI, 0.2)],
    &[(PA, 1.0)],
    &[(NB, 0.8), (NJ, 0.2)],
    &[(PC, 1.0)],
    &[(PE, 1.0)],
];

/// EMOTIC categories in model output order.
pub const EMOTIC_LABELS: [&str; 26] = [
    "Affection",
    "Anger",
    "Annoyance",
    "Anticipation",
    "Aversion",
    "Confidence",
    "Disapproval",
    "Disconnection",
    "Disquietment",
    "Doubt/Confusion",
    "Embarrassment",
    "Engagement",
    "Esteem",
    "Excitement",
    "Fatigue",
    "Fear",
    "Happiness",
    "Pain",
    "Peace",
    "Pleasure",
    "Sadness",
    "Sensitivity",
    "Suffering",
    "Surprise",
    "Sympathy",
    "Yearning",
];

/// EMOTIC category -> the DLUT categories the seed maps it to (each gets the full score).
pub const EMOTIC_TO_DLUT: [&[Category]; 26] = [
    &[PB],     // Affection
    &[NA],     // Anger
    &[NI, NN], // Annoyance
    &[PG, PK], // Anticipation
    &[NJ, ND], // Aversion
    &[PE],     // Confidence
    &[ND],     // Disapproval
    &[NE],     // Disconnection
    &[NE],     // Disquietment
    &[NL],     // Doubt/Confusion
    &[NG],     // Embarrassment
    &[PG],     // Engagement
    &[PD],     // Esteem
    &[PH],     // Excitement
    &[PF],     // Fatigue
    &[NC],     // Fear
    &[PA],     // Happiness
    &[NI],     // Pain
    &[PE],     // Peace
    &[PA],     // Pleasure
    &[NB, NJ], // Sadness
    &[NB],     // Sensitivity
    &[NB],     // Suffering
    &[PC],     // Surprise
    &[NH],     // Sympathy
    &[NK],     // Yearning
];

/// Raw DLUT scores of one face from FER probabilities, on a scale of `intensity` per unit.
pub fn fer_to_dlut(probabilities: &[f32; 7], intensity: f32) -> EmotionScores {
    let mut s = EmotionScores::default();
    for (p, targets) in probabilities.iter().zip(FER_TO_DLUT.iter()) {
        for (c, share) in targets.iter() {
            s.add(*c, p * share * intensity);
        }
    }
    s
}

/// Raw DLUT scores of one person from EMOTIC category scores; only categories above their
/// threshold count (EMOTIC is multi-label).
pub fn emotic_to_dlut(scores: &[f32; 26], thresholds: &[f32; 26], intensity: f32) -> EmotionScores {
    let mut s = EmotionScores::default();
    for ((score, threshold), targets) in scores
        .iter()
        .zip(thresholds.iter())
        .zip(EMOTIC_TO_DLUT.iter())
    {
        if score > threshold {
            for c in targets.iter() {
                s.add(*c, score * intensity);
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emotion::MainClass;

    #[test]
    fn fer_shares_sum_to_one() {
        for targets in FER_TO_DLUT {
            let sum: f32 = targets.iter().map(|(_, s)| s).sum();
            assert!((sum - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn expressions_land_in_their_main_class() {
        // (FER index, expected main class)
        let table = [
            (0, MainClass::Anger),
            (1, MainClass::Disgust),
            (2, MainClass::Fear),
            (3, MainClass::Joy),
            (4, MainClass::Sadness),
            (5, MainClass::Surprise),
            (6, MainClass::Joy),
        ];
        for (i, class) in table {
            let mut p = [0.0f32; 7];
            p[i] = 1.0;
            assert_eq!(
                fer_to_dlut(&p, 9.0).finish().unwrap().main_class(),
                class,
                "{}",
                FER_LABELS[i]
            );
        }
    }

    #[test]
    fn emotic_respects_thresholds() {
        let mut scores = [0.0f32; 26];
        scores[16] = 0.9; // Happiness
        scores[20] = 0.2; // Sadness, below its threshold
        let e = emotic_to_dlut(&scores, &[0.3; 26], 9.0).finish().unwrap();
        assert_eq!(e.dominant(), PA);
        assert_eq!(e.get(NB), 0.0);
    }
}
