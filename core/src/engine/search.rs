//! One query: the nearest distinct vectors, their tracks, re-uploads and repeated titles
//! dropped, ranked for the listener (`rank`), one page cut from the ranking.

use std::collections::{HashMap, HashSet};

use crate::emotion::Emotion;
use crate::engine::rank::{rank, Candidate, Listener};
use crate::engine::{Engine, RecommendError, Taste, CANDIDATES};
use crate::store::TrackInfo;

/// One recommended song.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RecommendedTrack {
    /// Title, artists, popularity.
    #[serde(flatten)]
    pub info: TrackInfo,
    /// NetEase link.
    pub url: String,
    /// Euclidean distance between the mood and the track's emotion.
    pub distance: f32,
    /// A short word on why it was chosen: the name of a playlist holding it whose own mood
    /// agrees with the reply's ("深夜伤感"), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A reply: the detected mood and the songs for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// The mood detected.
    pub emotion: Emotion,
    /// Songs, closest first.
    pub tracks: Vec<RecommendedTrack>,
    /// Index of the first song in the whole candidate list (for "more like this").
    pub offset: usize,
    /// Whether more songs exist after this page.
    pub has_more: bool,
    /// The songs aim to cheer the person up (a mood moved toward calm and joy) rather than to
    /// match `emotion`, which stays the person's own.
    pub lifted: bool,
    /// For a text: the words and symbols that carried the mood (empty for photos and pages).
    pub cues: Vec<String>,
    /// For a photo: how many faces the mood was read from (0 for texts and pages).
    pub faces: usize,
}

/// The part of a title that names the song: lowercased, without a trailing bracketed or dashed
/// qualifier such as "(Live)", "（伴奏）" or " - Remix".
pub fn title_key(name: &str) -> String {
    let cut = name
        .char_indices()
        .find(|(i, c)| *i > 0 && matches!(c, '(' | '（' | '[' | '【' | '「' | '-' | '—'))
        .map(|(i, _)| i)
        .unwrap_or(name.len());
    let key = name[..cut].trim().to_lowercase();
    if key.is_empty() {
        name.trim().to_lowercase()
    } else {
        key
    }
}

/// Whether `name` contains one of `words` (lowercase): ASCII words only as whole words, so that
/// "DJ" excludes "爱情买卖 (DJ版)" but not "Djavan".
pub fn title_excluded(name: &str, words: &[String]) -> bool {
    let lower = name.to_lowercase();
    words.iter().any(|w| {
        let ascii = w.is_ascii();
        lower.match_indices(w.as_str()).any(|(i, m)| {
            if !ascii {
                return true;
            }
            let before = lower[..i].chars().next_back();
            let after = lower[i + m.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && !after.is_some_and(|c| c.is_ascii_alphanumeric())
        })
    })
}

/// How well a playlist's own mood must agree with the reply's mood to be named as a song's
/// reason (the dot product over the mood's own, 1 for the very mood).
pub const REASON_AGREEMENT: f32 = 0.5;
/// Longest reason shown, in characters.
pub const REASON_CHARS: usize = 16;
/// Playlist moods kept between replies (analysing a name costs tens of microseconds; a reply
/// names up to ten songs' playlists). Past this many the memo starts again.
const PLAYLIST_MOODS_KEPT: usize = 200_000;

/// Tracks gathered from the index before ranking: twice the pages a mood can have, so that
/// listeners' draws and the one-artist rule have room to choose.
const WINDOW: usize = 2 * CANDIDATES;

impl Engine {
    /// Songs for a mood, ranked for no one in particular (see [`Engine::recommend_for`]).
    pub async fn recommend_emotion(
        &self,
        emotion: &Emotion,
        k: usize,
        offset: usize,
    ) -> Result<Recommendation, RecommendError> {
        self.recommend_for(emotion, k, offset, Listener::ANYONE)
            .await
    }

    /// Songs for a mood: `k` of them starting at `offset` in `listener`'s ranking of the
    /// candidates (offset 0 is the first page; "more like this" asks for the next offset, and
    /// pages of one listener never repeat a song). Re-uploads and other versions of a title appear
    /// once; a page holds one song per artist while others remain.
    pub async fn recommend_for(
        &self,
        emotion: &Emotion,
        k: usize,
        offset: usize,
        listener: Listener,
    ) -> Result<Recommendation, RecommendError> {
        self.recommend_tasted(emotion, k, offset, listener, &Taste::default())
            .await
    }

    /// [`Engine::recommend_for`] for a person with a [`Taste`]: their 👎 songs are left out,
    /// songs of artists they liked score a little more, and the search leans a little toward the
    /// moods of songs they liked that agree with `emotion`. An empty taste is the plain ranking.
    pub async fn recommend_tasted(
        &self,
        emotion: &Emotion,
        k: usize,
        offset: usize,
        listener: Listener,
        taste: &Taste,
    ) -> Result<Recommendation, RecommendError> {
        let query = taste.pull(emotion);
        let state = self.index.read().expect("index lock").clone();
        if state.index.is_empty() {
            return Err(RecommendError::EmptyCatalog);
        }
        // Walk the nearest distinct vectors, taking their tracks (best attested first) until the
        // window is full.
        let mut picked: Vec<(i64, f32, f32)> = Vec::with_capacity(WINDOW);
        for n in state.index.search(&query, CANDIDATES) {
            for (id, strength) in state.groups[n.slot as usize]
                .iter()
                .take(WINDOW - picked.len())
            {
                picked.push((*id, n.distance, *strength));
            }
            if picked.len() >= WINDOW {
                break;
            }
        }
        let missing: Vec<i64> = picked
            .iter()
            .map(|(id, _, _)| *id)
            .filter(|id| !state.infos.contains_key(id))
            .collect();
        let fetched = if missing.is_empty() {
            HashMap::new()
        } else {
            self.catalog
                .track_infos(&missing)
                .await
                .map_err(RecommendError::Storage)?
        };
        let lookup = |id: &i64| state.infos.get(id).or_else(|| fetched.get(id));
        // Each candidate with the strength of its label, which ranking weighs.
        let mut candidates: Vec<(RecommendedTrack, f32)> = picked
            .iter()
            .filter_map(|(id, distance, strength)| {
                lookup(id).map(|info| {
                    let track = RecommendedTrack {
                        url: info.url(),
                        info: info.clone(),
                        distance: *distance,
                        reason: None,
                    };
                    (track, *strength)
                })
            })
            .collect();
        // Already in distance order, and within one vector in the group order above; the stable
        // sort only guards against an index that returns near-ties slightly out of order.
        candidates.sort_by_key(|(t, _)| (t.distance * 1e4).round() as i64);
        // One song per title: covers and re-uploads ("(Live)", "（伴奏）", "(0.8x)") of the same title
        // would otherwise crowd a reply; the best-fitting version stays.
        let mut seen = HashSet::new();
        let excluded = &self.config.excluded_title_words;
        candidates.retain(|(t, _)| {
            !taste.disliked.contains(&t.info.id)
                && !title_excluded(&t.info.name, excluded)
                && seen.insert(title_key(&t.info.name))
        });
        let order = {
            let view: Vec<Candidate> = candidates
                .iter()
                .map(|(t, strength)| Candidate {
                    id: t.info.id,
                    distance: t.distance,
                    popularity: t.info.popularity,
                    artists: &t.info.artists,
                    bonus: taste.bonus(&t.info.artists),
                    strength: *strength,
                })
                .collect();
            rank(&view, listener, k)
        };
        let total = order.len().min(CANDIDATES);
        let mut slots: Vec<Option<RecommendedTrack>> =
            candidates.into_iter().map(|(t, _)| Some(t)).collect();
        let mut tracks: Vec<RecommendedTrack> = order[..total]
            .iter()
            .skip(offset)
            .take(k)
            .filter_map(|i| slots[*i].take())
            .collect();
        self.add_reasons(&mut tracks, emotion).await;
        Ok(Recommendation {
            emotion: *emotion,
            has_more: offset + tracks.len() < total,
            tracks,
            offset,
            lifted: false,
            cues: Vec::new(),
            faces: 0,
        })
    }

    /// Gives each track the name of its playlist whose own mood agrees best with `emotion`
    /// (at least [`REASON_AGREEMENT`]), clipped to [`REASON_CHARS`]. A reason is a courtesy: if
    /// the store cannot be read, the songs go out without them.
    async fn add_reasons(&self, tracks: &mut [RecommendedTrack], emotion: &Emotion) {
        let ids: Vec<i64> = tracks.iter().map(|t| t.info.id).collect();
        let names = match self.catalog.playlist_names_of(&ids).await {
            Ok(names) => names,
            Err(e) => {
                tracing::warn!(error = %e, "playlist names for reasons unavailable");
                return;
            }
        };
        let moods: Vec<Option<Emotion>> = {
            let mut cache = self
                .playlist_moods
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if cache.len() > PLAYLIST_MOODS_KEPT {
                cache.clear();
            }
            names
                .iter()
                .map(|(_, playlist, name)| {
                    *cache
                        .entry(*playlist)
                        .or_insert_with(|| self.analyzer.label_scores(name).finish())
                })
                .collect()
        };
        let mut best: HashMap<i64, (f32, &str)> = HashMap::new();
        for ((track, _, name), mood) in names.iter().zip(moods) {
            let Some(mood) = mood else {
                continue;
            };
            let agreement: f32 = mood
                .0
                .iter()
                .zip(emotion.0.iter())
                .map(|(a, b)| a * b)
                .sum();
            let agreement = agreement / emotion.0.iter().map(|v| v * v).sum::<f32>().max(1e-6);
            if agreement >= REASON_AGREEMENT && best.get(track).is_none_or(|(a, _)| agreement > *a)
            {
                best.insert(*track, (agreement, name));
            }
        }
        for t in tracks.iter_mut() {
            t.reason = best.get(&t.info.id).map(|(_, name)| {
                let clipped: String = name.chars().take(REASON_CHARS).collect();
                if clipped.len() < name.len() {
                    format!("{clipped}…")
                } else {
                    clipped
                }
            });
        }
    }

    /// Songs to cheer up a person in `emotion` ("Cheer me up"): [`Engine::recommend_for`] aimed
    /// at [`Emotion::lifted`]; the reply keeps the person's own mood and says it lifts.
    pub async fn cheer_up_for(
        &self,
        emotion: &Emotion,
        k: usize,
        offset: usize,
        listener: Listener,
    ) -> Result<Recommendation, RecommendError> {
        self.cheer_up_tasted(emotion, k, offset, listener, &Taste::default())
            .await
    }

    /// [`Engine::cheer_up_for`] for a person with a [`Taste`] (see [`Engine::recommend_tasted`]).
    pub async fn cheer_up_tasted(
        &self,
        emotion: &Emotion,
        k: usize,
        offset: usize,
        listener: Listener,
        taste: &Taste,
    ) -> Result<Recommendation, RecommendError> {
        let mut rec = self
            .recommend_tasted(&emotion.lifted(), k, offset, listener, taste)
            .await?;
        rec.emotion = *emotion;
        rec.lifted = true;
        Ok(rec)
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::DEFAULT_EXCLUDED_TITLE_WORDS;

    #[test]
    fn re_uploads_are_recognised() {
        let words: Vec<String> = DEFAULT_EXCLUDED_TITLE_WORDS
            .iter()
            .map(|w| w.to_string())
            .collect();
        let table = [
            ("爱情买卖 (DJ版)", true),
            ("DJ Snake - Taki Taki", true),
            ("Djavan - Oceano", false),
            ("Faded (Remix)", true),
            ("Remixed Feelings", false),
            ("可能 (抖音热播版)", true),
            ("起风了 (0.8x降调版)", true),
            ("10.8x", false),
            ("下雨天", false),
        ];
        for (name, want) in table {
            assert_eq!(title_excluded(name, &words), want, "{name}");
        }
        assert!(!title_excluded("爱情买卖 (DJ版)", &[]));
    }

    #[test]
    fn title_keys_merge_versions_of_one_song() {
        let table = [
            ("富士山下", "富士山下"),
            ("富士山下 (Live)", "富士山下"),
            ("Baby,don't Cry (伴奏)", "baby,don't cry"),
            ("我们的爱（0.8x）", "我们的爱"),
            ("Song - Remix", "song"),
            ("(Intro)", "(intro)"),
            ("", ""),
        ];
        for (name, key) in table {
            assert_eq!(title_key(name), key, "{name}");
        }
    }
}
