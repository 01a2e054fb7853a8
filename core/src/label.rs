//! A track's emotion from its texts, with the seed's weights.
//!
//! Seed weights: a comment counts `ln(likes + 1)`; the lyrics `ln(sum(likes) * 10 + 2)`; the title
//! `ln(sum(likes) * 20 + 2)`. Playlist names are crowd text too: a playlist counts like a comment
//! whose "likes" are the times it was saved, so a name that many listeners kept weighs more. The
//! raw scores of all texts are summed and softmax is applied once, at the end.

use crate::emotion::{Emotion, EmotionScores};

/// Bump when the labelling rules change, so stored vectors of older versions get relabelled.
pub const LABEL_VERSION: i32 = 1;

/// The texts of one track, with their raw scores already computed by the text analyser.
#[derive(Debug, Clone, Default)]
pub struct TrackTexts {
    /// Scores of the title.
    pub title: EmotionScores,
    /// Scores of the lyrics, if any.
    pub lyrics: Option<EmotionScores>,
    /// (scores, likes) of each hot comment.
    pub comments: Vec<(EmotionScores, i64)>,
    /// (scores, times saved) of each playlist holding the track.
    pub playlists: Vec<(EmotionScores, i64)>,
}

fn ln_weight(x: f64) -> f32 {
    x.max(1.0).ln() as f32
}

/// Combines the texts into the track's emotion, or `None` when none of them carried emotion.
pub fn track_emotion(t: &TrackTexts) -> Option<Emotion> {
    track_scores(t).finish()
}

/// The weighted raw sum of a track's texts (before the one softmax); its total is the strength
/// of the evidence.
pub fn track_scores(t: &TrackTexts) -> EmotionScores {
    let crowd: f64 = t
        .comments
        .iter()
        .chain(t.playlists.iter())
        .map(|(_, likes)| (*likes).max(0) as f64)
        .sum();
    let mut total = EmotionScores::default();
    total.add_scaled(&t.title, ln_weight(crowd * 20.0 + 2.0));
    if let Some(lyrics) = &t.lyrics {
        total.add_scaled(lyrics, ln_weight(crowd * 10.0 + 2.0));
    }
    for (scores, likes) in t.comments.iter().chain(t.playlists.iter()) {
        total.add_scaled(scores, ln_weight((*likes).max(0) as f64 + 1.0));
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emotion::Category;

    fn one(c: Category, v: f32) -> EmotionScores {
        let mut s = EmotionScores::default();
        s.add(c, v);
        s
    }

    #[test]
    fn title_outweighs_a_single_playlist() {
        let t = TrackTexts {
            title: one(Category::NB, 1.0),
            playlists: vec![(one(Category::PA, 1.0), 100)],
            ..Default::default()
        };
        assert_eq!(track_emotion(&t).unwrap().dominant(), Category::NB);
    }

    #[test]
    fn more_saved_playlists_weigh_more() {
        let t = TrackTexts {
            playlists: vec![
                (one(Category::PA, 1.0), 10),
                (one(Category::NB, 1.0), 100_000),
            ],
            ..Default::default()
        };
        assert_eq!(track_emotion(&t).unwrap().dominant(), Category::NB);
    }

    #[test]
    fn a_playlist_saved_zero_times_adds_nothing_and_empty_is_none() {
        let t = TrackTexts {
            playlists: vec![(one(Category::PA, 5.0), 0)],
            ..Default::default()
        };
        assert!(track_emotion(&t).is_none());
        assert!(track_emotion(&TrackTexts::default()).is_none());
    }

    #[test]
    fn comments_use_seed_weights() {
        let t = TrackTexts {
            comments: vec![(one(Category::PA, 1.0), 0), (one(Category::NB, 1.0), 1000)],
            ..Default::default()
        };
        let e = track_emotion(&t).unwrap();
        assert_eq!(e.get(Category::PA), 0.0, "ln(0+1) = 0");
        assert_eq!(e.dominant(), Category::NB);
    }
}
