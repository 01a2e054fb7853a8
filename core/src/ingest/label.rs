//! A track's emotion from its texts, with the seed's weights.
//!
//! Seed weights: a comment counts `ln(likes + 1)`; the lyrics `ln(sum(likes) * 10 + 2)`; the title
//! `ln(sum(likes) * 20 + 2)`. Playlist names are crowd text too: a playlist counts like a comment
//! whose "likes" are the times it was saved, so a name that many listeners kept weighs more. The
//! raw scores of all texts are summed and softmax is applied once, at the end.
//!
//! Songs kept together tend to share a mood, so each playlist also lends its members the mean
//! mood of its other members' own texts ("company", [`COMPANY_WEIGHT`]): a song with no emotion
//! word in its title, such as most English titles, gets its mood from the songs around it. That is
//! two passes over the catalog (own moods first, then every label) and a third step for songs still silent.

use std::collections::HashMap;

use crate::emotion::{Emotion, EmotionScores};
use crate::store::{Catalog, CatalogError, LabelRow};
use crate::text::TextAnalyzer;

/// Tracks labelled per database round trip.
const LABEL_BATCH: usize = 2000;

/// Bump when the labelling rules change (the supplement lexicon included), so stored vectors of
/// older versions get relabelled.
pub const LABEL_VERSION: i32 = 6;

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
    /// (mean own emotion of the other members, times saved) of each playlist holding the track.
    pub company: Vec<(EmotionScores, i64)>,
    /// The English model's reading of an English title ([`english_title`]); counts for the
    /// track itself, never for its company.
    pub title_en: EmotionScores,
}

/// Weight of one playlist's company (a mean emotion, summing to at most 1) per log of the times
/// the playlist was saved: songs kept together tend to share a mood, so a song with no emotion
/// word gets one from its neighbours, while a song's own words and its playlists' names still
/// decide when they speak.
pub const COMPANY_WEIGHT: f32 = 2.0;

/// A title's share of the seed's title weight. Titles are poetry more than labels ("说好的幸福呢"
/// is not happy, "情人节快乐" is for one day), while playlists are moods people chose: against
/// playlist tags, the full seed weight gave `eval songs` lift 4.61, 0.5 gave 4.78, 0.3 gave 4.97
/// (the title is kept: for many songs it is still the only word).
pub const TITLE_SCALE: f32 = 0.3;

/// Weight of an English title's reading (a mood summing to 1; a Chinese title word weighs 1.5
/// to 4 at [`TITLE_SCALE`]). Against the dev playlist tags (`eval songs`), read at 1 for the
/// track alone: lift 6.00 (6.12 without), per listener over six days 5.34 (5.32 without), so
/// English songs get a word of their own at no cost in fit; at 3 lift 5.96, at 10 5.70; lent
/// to their playlists' company as well (at 1 to 10): 5.20-5.33.
pub const ENGLISH_TITLE_WEIGHT: f32 = 1.0;

/// The English model's mood of a title that is mostly English and holds an emotion word
/// ("Happy", "Lonely Night"), as scores; empty otherwise. Only a title with a word the reader
/// names among its cues counts, so a title is never labelled by the class model's guess alone.
pub fn english_title(analyzer: &TextAnalyzer, name: &str) -> EmotionScores {
    if crate::text::english_weight(name) < 0.5 {
        return EmotionScores::default();
    }
    match analyzer.reading(name) {
        Some((mood, cues)) if !cues.is_empty() => EmotionScores(mood.0),
        _ => EmotionScores::default(),
    }
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
    let mut total = own_scores(t);
    total.add_scaled(&t.title_en, ENGLISH_TITLE_WEIGHT);
    for (scores, saved) in &t.playlists {
        total.add_scaled(scores, ln_weight((*saved).max(0) as f64 + 1.0));
    }
    for (mean, saved) in &t.company {
        total.add_scaled(
            mean,
            COMPANY_WEIGHT * ln_weight((*saved).max(0) as f64 + 2.0),
        );
    }
    total
}

/// The track's own texts (title, lyrics, comments) with the seed's weights: what its company
/// learns from it. The title's and lyrics' weights grow with the crowd around the track.
fn own_scores(t: &TrackTexts) -> EmotionScores {
    let crowd: f64 = t
        .comments
        .iter()
        .chain(t.playlists.iter())
        .map(|(_, likes)| (*likes).max(0) as f64)
        .sum();
    let mut total = EmotionScores::default();
    total.add_scaled(&t.title, TITLE_SCALE * ln_weight(crowd * 20.0 + 2.0));
    if let Some(lyrics) = &t.lyrics {
        total.add_scaled(lyrics, ln_weight(crowd * 10.0 + 2.0));
    }
    for (scores, likes) in &t.comments {
        total.add_scaled(scores, ln_weight((*likes).max(0) as f64 + 1.0));
    }
    total
}

/// How convincingly a track carries its emotion, for ordering tracks that share a vector: the
/// log of all its evidence (own words, playlist names, company) that agrees with its final
/// `emotion` (each text's scores projected onto it), so "悲伤游戏" filed under joy by its
/// playlists does not lead the joyful songs on the strength of its sad title. Where the evidence
/// comes from no longer matters: an earlier rule that put a track's own title words first
/// (x10) lost against playlist tags (`eval songs` lift 2.29 -> 4.97 without it).
pub fn track_strength(t: &TrackTexts, emotion: &Emotion) -> f32 {
    let agree: f32 = track_scores(t)
        .0
        .iter()
        .zip(emotion.0.iter())
        .map(|(a, b)| a.max(0.0) * b)
        .sum();
    agree.ln_1p()
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

/// A track's mood from its company: each playlist's members' own moods (title, lyrics,
/// comments), averaged without the track itself.
#[derive(Debug, Default)]
struct Company {
    /// Per playlist: the sum of its members' own emotions, and how many members had one.
    sums: HashMap<i64, (EmotionScores, u32)>,
    /// Each track's own emotion, when its own texts carry one.
    own: HashMap<i64, Emotion>,
}

impl Company {
    /// The mean own emotion of `playlist`'s other members, if any has one.
    fn of(&self, playlist: i64, track: i64) -> Option<EmotionScores> {
        let (sum, n) = self.sums.get(&playlist)?;
        let mut mean = *sum;
        let mut n = *n as f32;
        if let Some(own) = self.own.get(&track) {
            mean.add_scaled(&EmotionScores(own.0), -1.0);
            n -= 1.0;
        }
        if n < 0.5 {
            return None;
        }
        mean.0.iter_mut().for_each(|v| *v = (*v / n).max(0.0));
        (!mean.is_empty()).then_some(mean)
    }
}

/// Whether any track lacks a label of the current version.
async fn needs_labels(store: &Catalog) -> Result<bool, CatalogError> {
    let current = store.labelled_since(LABEL_VERSION).await?;
    let mut last_id = i64::MIN;
    loop {
        let batch = store.tracks_after(last_id, LABEL_BATCH).await?;
        let Some((max_id, _)) = batch.last() else {
            return Ok(false);
        };
        last_id = *max_id;
        if batch.iter().any(|(id, _)| !current.contains(id)) {
            return Ok(true);
        }
    }
}

/// Reads and analyses the texts of one batch of tracks (title, lyrics, comments, playlist names).
async fn batch_texts(
    store: &Catalog,
    analyzer: &TextAnalyzer,
    batch: &[(i64, String)],
    playlists: &HashMap<i64, (EmotionScores, i64)>,
) -> Result<(HashMap<i64, TrackTexts>, Vec<(i64, i64)>), CatalogError> {
    let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
    let stored = store.texts_of(&ids).await?;
    let mut texts: HashMap<i64, TrackTexts> = HashMap::new();
    for (track, playlist) in &stored.playlists {
        if let Some(p) = playlists.get(playlist) {
            texts.entry(*track).or_default().playlists.push(*p);
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
    for (id, name) in batch {
        let e = texts.entry(*id).or_default();
        e.title = analyzer.label_scores(name);
        e.title_en = english_title(analyzer, name);
    }
    Ok((texts, stored.playlists))
}

async fn label_claimed(
    store: &Catalog,
    analyzer: &TextAnalyzer,
    all: bool,
    summary: &mut LabelSummary,
) -> Result<(), CatalogError> {
    // A track's label depends on its playlists' other members, so one new or changed track can
    // change its neighbours': when any track needs a label, the whole catalog is relabelled.
    if !all && !needs_labels(store).await? {
        return Ok(());
    }
    let playlists: HashMap<i64, (EmotionScores, i64)> = store
        .playlist_names()
        .await?
        .into_iter()
        .map(|(id, name, saved)| (id, (analyzer.label_scores(&name), saved)))
        .collect();
    // Pass 1: every track's own emotion, summed per playlist.
    let mut company = Company::default();
    let mut last_id = i64::MIN;
    loop {
        let batch = store.tracks_after(last_id, LABEL_BATCH).await?;
        let Some((max_id, _)) = batch.last() else {
            break;
        };
        last_id = *max_id;
        let (texts, members) = batch_texts(store, analyzer, &batch, &playlists).await?;
        for (id, t) in &texts {
            if let Some(e) = own_scores(t).finish() {
                company.own.insert(*id, e);
            }
        }
        for (track, playlist) in members {
            if let Some(e) = company.own.get(&track) {
                let entry = company.sums.entry(playlist).or_default();
                entry.0.add_scaled(&EmotionScores(e.0), 1.0);
                entry.1 += 1;
            }
        }
        store.claim_label_lease().await?;
    }
    // Pass 2: each track's label from its own texts, its playlists' names and its company.
    // Labelled members are summed per playlist again, for the songs still silent after it.
    let mut labelled = Company::default();
    let mut silent: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut last_id = i64::MIN;
    let mut changed = false;
    loop {
        let batch = store.tracks_after(last_id, LABEL_BATCH).await?;
        let Some((max_id, _)) = batch.last() else {
            break;
        };
        last_id = *max_id;
        let (mut texts, members) = batch_texts(store, analyzer, &batch, &playlists).await?;
        for (track, playlist) in &members {
            let saved = playlists.get(playlist).map(|p| p.1).unwrap_or(0);
            if let Some(mean) = company.of(*playlist, *track) {
                if let Some(t) = texts.get_mut(track) {
                    t.company.push((mean, saved));
                }
            }
        }
        let mut rows = Vec::with_capacity(batch.len());
        for (id, _) in &batch {
            let t = texts.remove(id).unwrap_or_default();
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
        let found: HashMap<i64, &Option<Emotion>> =
            rows.iter().map(|r| (r.track_id, &r.emotion)).collect();
        for (track, playlist) in members {
            match found.get(&track) {
                Some(Some(e)) => {
                    let entry = labelled.sums.entry(playlist).or_default();
                    entry.0.add_scaled(&EmotionScores(e.0), 1.0);
                    entry.1 += 1;
                }
                _ => silent.entry(track).or_default().push(playlist),
            }
        }
        store.write_labels(&rows, LABEL_VERSION).await?;
        changed = true;
        store.claim_label_lease().await?;
    }
    // Pass 3: a song whose playlists had no member with words of its own (a playlist of
    // instrumentals, say) takes the labels its playlists' members got in pass 2: one more step
    // over the graph, so every song in a playlist with any mood gets one.
    let mut rows = Vec::new();
    for (track, in_playlists) in silent {
        let company = in_playlists
            .iter()
            .filter_map(|p| {
                let saved = playlists.get(p).map(|x| x.1).unwrap_or(0);
                labelled.of(*p, track).map(|mean| (mean, saved))
            })
            .collect();
        let t = TrackTexts {
            company,
            ..TrackTexts::default()
        };
        if let Some(e) = track_scores(&t).finish() {
            summary.labelled += 1;
            summary.no_emotion -= 1;
            rows.push(LabelRow {
                track_id: track,
                strength: track_strength(&t, &e),
                emotion: Some(e),
            });
        }
    }
    for chunk in rows.chunks(LABEL_BATCH) {
        store.write_labels(chunk, LABEL_VERSION).await?;
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
    fn a_song_without_emotion_words_takes_its_company_s_mood_but_its_title_decides() {
        let silent = TrackTexts {
            company: vec![(one(Category::NB, 0.8), 1000)],
            ..Default::default()
        };
        assert_eq!(track_emotion(&silent).unwrap().dominant(), Category::NB);
        let titled = TrackTexts {
            title: one(Category::PA, 5.0),
            playlists: vec![(EmotionScores::default(), 1000)],
            ..silent
        };
        assert_eq!(track_emotion(&titled).unwrap().dominant(), Category::PA);
    }

    #[test]
    fn english_titles_are_read_for_the_track_itself_only() {
        use crate::text::lexicon::Lexicon;
        use crate::text::Method;
        let analyzer = TextAnalyzer::new(Lexicon::embedded().0, Method::default());
        let happy = english_title(&analyzer, "So Happy Together");
        assert_eq!(
            happy.finish().unwrap().main_class(),
            crate::emotion::MainClass::Joy
        );
        // Chinese titles are the lexicon's; English titles without a word the reader names
        // stay silent.
        assert!(english_title(&analyzer, "今天好开心").is_empty());
        assert!(english_title(&analyzer, "Route 66").is_empty());
        let t = TrackTexts {
            title_en: happy,
            ..Default::default()
        };
        assert!(!track_scores(&t).is_empty());
        assert!(
            own_scores(&t).is_empty(),
            "the company learns nothing from it"
        );
    }

    #[test]
    fn a_playlist_s_company_leaves_the_track_itself_out() {
        let mut c = Company::default();
        let sad = one(Category::NB, 1.0).finish().unwrap();
        let happy = one(Category::PA, 1.0).finish().unwrap();
        c.own.insert(7, sad);
        c.own.insert(8, happy);
        let mut sum = EmotionScores::default();
        sum.add_scaled(&EmotionScores(sad.0), 1.0);
        sum.add_scaled(&EmotionScores(happy.0), 1.0);
        c.sums.insert(1, (sum, 2));
        let for_7 = c.of(1, 7).unwrap().finish().unwrap();
        assert_eq!(for_7.dominant(), Category::PA);
        let for_9 = c.of(1, 9).unwrap();
        assert!((for_9.0[Category::PA.index()] - 0.5).abs() < 1e-6);
        assert!(c.of(2, 7).is_none(), "no such playlist");
        c.sums.insert(3, (EmotionScores(sad.0), 1));
        assert!(c.of(3, 7).is_none(), "alone in its playlist");
    }

    #[test]
    fn a_playlist_s_name_outweighs_one_title_word() {
        let t = TrackTexts {
            title: one(Category::NB, 1.0),
            playlists: vec![(one(Category::PA, 1.0), 100)],
            ..Default::default()
        };
        assert_eq!(track_emotion(&t).unwrap().dominant(), Category::PA);
    }

    #[test]
    fn strength_counts_agreeing_evidence_wherever_it_comes_from() {
        let sad = one(Category::NB, 1.0).finish().unwrap();
        let titled = TrackTexts {
            title: one(Category::NB, 5.0),
            ..Default::default()
        };
        let both = TrackTexts {
            playlists: vec![(one(Category::NB, 1.0), 10)],
            ..titled.clone()
        };
        assert!(track_strength(&both, &sad) > track_strength(&titled, &sad));
        let crowded = TrackTexts {
            playlists: (0..20).map(|_| (one(Category::NB, 10.0), 1_000)).collect(),
            ..Default::default()
        };
        assert!(track_strength(&crowded, &sad) > track_strength(&titled, &sad));
        // Evidence for another mood adds nothing (the same crowd, one sad playlist fewer).
        let off = TrackTexts {
            playlists: vec![(one(Category::PA, 3.0), 10)],
            ..titled.clone()
        };
        assert!(track_strength(&off, &sad) < track_strength(&both, &sad));
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
