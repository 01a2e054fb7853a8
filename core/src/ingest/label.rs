//! A track's emotion from its texts, with the seed's weights.
//!
//! Seed weights: a comment counts `ln(likes + 1)`; the lyrics `ln(sum(likes) * 10 + 2)`; the title
//! `ln(sum(likes) * 20 + 2)`. Playlist names are crowd text too: a playlist counts like a comment
//! whose "likes" are the times it was saved, so a name that many listeners kept weighs more. The
//! raw scores of all texts are summed and softmax is applied once, at the end.

use std::collections::{HashMap, HashSet};

use crate::emotion::{Emotion, EmotionScores};
use crate::store::{Catalog, CatalogError, LabelRow};
use crate::text::TextAnalyzer;

/// Tracks labelled per database round trip.
const LABEL_BATCH: usize = 2000;

/// Bump when the labelling rules change, so stored vectors of older versions get relabelled.
pub const LABEL_VERSION: i32 = 3;

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

/// How convincingly a track carries its emotion, for ordering tracks that share a vector: the
/// track's own words (title, lyrics) first, the crowd's (playlists, comments) as a tie-breaker on a
/// log scale. Without this, a song that merely sits in a few famous "伤感" playlists would outrank a
/// song called "一万次悲伤". Only evidence that agrees with the track's final `emotion` counts
/// (each text's scores are projected onto it), so "悲伤游戏" filed under joy by its playlists does
/// not lead the joyful songs on the strength of its sad title.
pub fn track_strength(t: &TrackTexts, emotion: &Emotion) -> f32 {
    let agree = |s: &EmotionScores| -> f32 {
        s.0.iter()
            .zip(emotion.0.iter())
            .map(|(a, b)| a.max(0.0) * b)
            .sum()
    };
    let own = agree(&t.title) + t.lyrics.as_ref().map(agree).unwrap_or(0.0) * 0.1;
    let crowd: f32 = t
        .comments
        .iter()
        .chain(t.playlists.iter())
        .map(|(s, likes)| agree(s) * ln_weight((*likes).max(0) as f64 + 1.0))
        .sum();
    own * 10.0 + crowd.ln_1p()
}

/// Counts of a labelling run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LabelSummary {
    /// Tracks examined.
    pub tracks: usize,
    /// Tracks that received an emotion vector.
    pub labelled: usize,
    /// Tracks whose texts carry no emotion (stored as such, not indexed).
    pub no_emotion: usize,
    /// Another process holds the labelling lease: nothing was done here.
    pub busy: bool,
}

/// Labels the tracks of `store` that have no current label (none yet, or from an older
/// labeller version); with `all`, relabels every track. Only the holder of the store's labelling
/// lease works, so processes sharing a database never label twice. Playlist names are analysed
/// once each and reused for every track they hold.
pub async fn label_tracks(
    store: &Catalog,
    analyzer: &TextAnalyzer,
    all: bool,
) -> Result<LabelSummary, CatalogError> {
    let mut summary = LabelSummary::default();
    if !store.claim_label_lease().await? {
        tracing::info!("another process is labelling this catalog; leaving it the work");
        summary.busy = true;
        return Ok(summary);
    }
    let result = label_claimed(store, analyzer, all, &mut summary).await;
    let _ = store.release_label_lease().await;
    result.map(|()| summary)
}

async fn label_claimed(
    store: &Catalog,
    analyzer: &TextAnalyzer,
    all: bool,
    summary: &mut LabelSummary,
) -> Result<(), CatalogError> {
    let current: HashSet<i64> = if all {
        HashSet::new()
    } else {
        store.labelled_since(LABEL_VERSION).await?
    };
    let playlists: HashMap<i64, (EmotionScores, i64)> = store
        .playlist_names()
        .await?
        .into_iter()
        .map(|(id, name, saved)| (id, (analyzer.label_scores(&name), saved)))
        .collect();
    let mut last_id = i64::MIN;
    let mut changed = false;
    loop {
        let batch = store.tracks_after(last_id, LABEL_BATCH).await?;
        let Some((max_id, _)) = batch.last() else {
            break;
        };
        last_id = *max_id;
        let todo: Vec<(i64, String)> = batch
            .into_iter()
            .filter(|(id, _)| !current.contains(id))
            .collect();
        if todo.is_empty() {
            continue;
        }
        let ids: Vec<i64> = todo.iter().map(|(id, _)| *id).collect();
        let stored = store.texts_of(&ids).await?;
        let mut texts: HashMap<i64, TrackTexts> = HashMap::new();
        for (track, playlist) in stored.playlists {
            if let Some(p) = playlists.get(&playlist) {
                texts.entry(track).or_default().playlists.push(*p);
            }
        }
        for (track, content) in stored.lyrics {
            if !content.trim().is_empty() {
                texts.entry(track).or_default().lyrics = Some(analyzer.label_scores(&content));
            }
        }
        for (track, content, likes) in stored.comments {
            texts
                .entry(track)
                .or_default()
                .comments
                .push((analyzer.label_scores(&content), likes));
        }
        let mut rows = Vec::with_capacity(todo.len());
        for (id, name) in &todo {
            let mut t = texts.remove(id).unwrap_or_default();
            t.title = analyzer.label_scores(name);
            summary.tracks += 1;
            let emotion = track_scores(&t).finish();
            let strength = match &emotion {
                Some(e) => {
                    summary.labelled += 1;
                    track_strength(&t, e)
                }
                None => {
                    summary.no_emotion += 1;
                    0.0
                }
            };
            rows.push(LabelRow {
                track_id: *id,
                emotion,
                strength,
            });
        }
        store.write_labels(&rows, LABEL_VERSION).await?;
        changed = true;
        store.claim_label_lease().await?;
    }
    if changed {
        store.labels_changed().await?;
    }
    Ok(())
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
    fn own_words_outrank_crowd_words_in_strength() {
        let sad = one(Category::NB, 1.0).finish().unwrap();
        let titled = TrackTexts {
            title: one(Category::NB, 5.0),
            ..Default::default()
        };
        let crowded = TrackTexts {
            playlists: (0..20)
                .map(|_| (one(Category::NB, 10.0), 1_000_000))
                .collect(),
            ..Default::default()
        };
        assert!(track_strength(&titled, &sad) > track_strength(&crowded, &sad));
        let both = TrackTexts {
            playlists: vec![(one(Category::NB, 1.0), 10)],
            ..titled.clone()
        };
        assert!(track_strength(&both, &sad) > track_strength(&titled, &sad));
        // A title that disagrees with the label adds nothing.
        let happy = one(Category::PA, 1.0).finish().unwrap();
        let off = TrackTexts {
            playlists: vec![(one(Category::PA, 1.0), 10)],
            ..titled.clone()
        };
        assert!(track_strength(&off, &happy) < track_strength(&titled, &sad));
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
