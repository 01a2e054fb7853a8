//! What moodtune remembers about a person, and the taste it adds up to.
//!
//! A person is a [`UserKey`]: an HMAC-SHA256 of the platform and the platform's user id under the
//! operator's salt, so the database never holds an id or a name, and the same id on two platforms
//! is two people. The store keeps the moods read for them (never the message) and their 👍/👎;
//! [`Taste`] is what a ranking takes from that: disliked songs never come back, liked artists and
//! moods weigh a little more. Everything is pruned after `memory_days` (0: nothing is kept).

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::emotion::Emotion;
use crate::engine::{Engine, RecommendError};
use crate::store::TrackInfo;

/// What `/forget` deleted: how many moods and ratings.
pub use crate::store::Removed as Forgotten;

/// Moods (and liked songs) per `/history` page.
pub const HISTORY_PAGE: usize = 8;
/// Score a song gains when an artist of it is one the person liked, in the ranking's units (one
/// unit is a distance of `rank::FIT_SCALE`; a listener's daily draw has a spread of about 1.3).
pub const LIKED_ARTIST_BONUS: f32 = 1.0;
/// How far the query moves toward the moods of liked songs that agree with it (0: not at all).
pub const LIKED_MOOD_PULL: f32 = 0.2;
/// Cosine similarity below which a liked song's mood says nothing about the present one.
const AGREEMENT_FLOOR: f32 = 0.5;
/// Ratings read for a taste: the newest this many (a taste follows what a person likes now).
const RATINGS_READ: usize = 500;

/// A person as the memory knows them: a salted hash, never the platform id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UserKey(String);

impl std::fmt::Debug for UserKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Even the hash stays out of logs: eight characters are enough to follow one person.
        write!(f, "UserKey({}…)", &self.0[..8])
    }
}

impl UserKey {
    /// The key of `id` on `platform` under `salt`.
    pub fn new(salt: &[u8], platform: &str, id: u64) -> UserKey {
        let mut mac = Hmac::<Sha256>::new_from_slice(salt).expect("HMAC takes any key length");
        mac.update(platform.as_bytes());
        mac.update(b":");
        mac.update(id.to_string().as_bytes());
        let digest = mac.finalize().into_bytes();
        UserKey(digest[..16].iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A stable number for the person's daily draw ([`crate::engine::Listener`]).
    pub fn seed(&self) -> u64 {
        u64::from_str_radix(&self.0[..16], 16).unwrap_or(0)
    }
}

/// A person's 👍 or 👎 on a song.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 👍: more like it.
    Like,
    /// 👎: never again.
    Dislike,
}

impl Verdict {
    fn stored(self) -> i16 {
        match self {
            Verdict::Like => 1,
            Verdict::Dislike => -1,
        }
    }
}

/// Where a remembered mood was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoodSource {
    /// A message.
    Text,
    /// A photo.
    Photo,
    /// A message with `/cheer` (songs to lift the mood).
    Cheer,
}

impl MoodSource {
    fn code(self) -> &'static str {
        match self {
            MoodSource::Text => "text",
            MoodSource::Photo => "photo",
            MoodSource::Cheer => "cheer",
        }
    }

    fn from_code(code: &str) -> MoodSource {
        match code {
            "photo" => MoodSource::Photo,
            "cheer" => MoodSource::Cheer,
            _ => MoodSource::Text,
        }
    }
}

/// What a person's ratings say about the songs to give them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Taste {
    /// Songs they said 👎 to: never offered to them again.
    pub disliked: HashSet<i64>,
    /// Artists of the songs they said 👍 to.
    pub liked_artists: HashSet<String>,
    /// Moods of the songs they said 👍 to.
    pub liked_moods: Vec<Emotion>,
}

impl Taste {
    /// No history: the normal ranking.
    pub fn is_empty(&self) -> bool {
        self.disliked.is_empty() && self.liked_artists.is_empty() && self.liked_moods.is_empty()
    }

    /// The mood to search for: `mood` moved a little toward the liked songs' moods that agree
    /// with it (a sad person who liked slow piano songs when sad gets a little more of those; a
    /// liked party song says nothing about a sad evening).
    pub fn pull(&self, mood: &Emotion) -> Emotion {
        let norm = |e: &Emotion| e.0.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-6);
        let mut toward = [0f32; crate::emotion::DIM];
        let mut weight = 0f32;
        for liked in &self.liked_moods {
            let cos = mood
                .0
                .iter()
                .zip(liked.0.iter())
                .map(|(a, b)| a * b)
                .sum::<f32>()
                / (norm(mood) * norm(liked));
            let w = ((cos - AGREEMENT_FLOOR) / (1.0 - AGREEMENT_FLOOR)).max(0.0);
            if w > 0.0 {
                weight += w;
                for (t, v) in toward.iter_mut().zip(liked.0.iter()) {
                    *t += w * v;
                }
            }
        }
        if weight <= 0.0 {
            return *mood;
        }
        let share = LIKED_MOOD_PULL * weight.min(1.0);
        let mut out = [0f32; crate::emotion::DIM];
        for ((o, m), t) in out.iter_mut().zip(mood.0.iter()).zip(toward.iter()) {
            *o = (1.0 - share) * m + share * t / weight;
        }
        Emotion(out)
    }

    /// The ranking's bonus for a song by `artists`.
    pub fn bonus(&self, artists: &[String]) -> f32 {
        if artists.iter().any(|a| self.liked_artists.contains(a)) {
            LIKED_ARTIST_BONUS
        } else {
            0.0
        }
    }
}

/// A mood remembered for `/history`.
#[derive(Debug, Clone, PartialEq)]
pub struct PastMood {
    /// When, in Unix seconds.
    pub at: i64,
    /// The mood read.
    pub emotion: Emotion,
    /// From a message, a photo or `/cheer`.
    pub source: MoodSource,
}

/// One page of a person's history: their moods, newest first, and the songs they liked.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The page shown (0 is the newest).
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
    /// Moods on this page.
    pub moods: Vec<PastMood>,
    /// Liked songs on this page, newest first.
    pub liked: Vec<TrackInfo>,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Engine {
    /// The key of `id` on `platform` (`telegram`, `discord`, `console`).
    pub fn user_key(&self, platform: &str, id: u64) -> UserKey {
        UserKey::new(&self.config.user_salt.0, platform, id)
    }

    /// Whether anything is remembered about people (`memory_days` > 0).
    pub fn remembers(&self) -> bool {
        self.config.memory_days > 0
    }

    fn memory_on(&self) -> Result<(), RecommendError> {
        if self.remembers() {
            Ok(())
        } else {
            Err(RecommendError::MemoryOff)
        }
    }

    /// Remembers the mood read for `user` (nothing when memory is off).
    pub async fn remember_mood(
        &self,
        user: &UserKey,
        emotion: &Emotion,
        source: MoodSource,
    ) -> Result<(), RecommendError> {
        if !self.remembers() {
            return Ok(());
        }
        self.catalog
            .record_mood(user.as_str(), now(), emotion.to_bytes(), source.code())
            .await
            .map_err(RecommendError::Storage)
    }

    /// Records `user`'s verdict on a song of the catalog and returns the song (a verdict on an
    /// unknown id, from an old or forged button, is refused).
    pub async fn rate(
        &self,
        user: &UserKey,
        track: i64,
        verdict: Verdict,
    ) -> Result<TrackInfo, RecommendError> {
        self.memory_on()?;
        let info = self
            .catalog
            .track_infos(&[track])
            .await
            .map_err(RecommendError::Storage)?
            .remove(&track)
            .ok_or(RecommendError::UnknownSong)?;
        self.catalog
            .set_rating(user.as_str(), track, verdict.stored(), now())
            .await
            .map_err(RecommendError::Storage)?;
        Ok(info)
    }

    /// What `user`'s ratings say (empty when memory is off or they never rated a song).
    pub async fn taste(&self, user: &UserKey) -> Result<Taste, RecommendError> {
        if !self.remembers() {
            return Ok(Taste::default());
        }
        let ratings = self
            .catalog
            .ratings_of(user.as_str())
            .await
            .map_err(RecommendError::Storage)?;
        let mut taste = Taste::default();
        let mut liked = Vec::new();
        for (track, verdict) in ratings {
            if verdict < 0 {
                taste.disliked.insert(track);
            } else if liked.len() < RATINGS_READ {
                liked.push(track);
            }
        }
        if liked.is_empty() {
            return Ok(taste);
        }
        let infos = self
            .catalog
            .track_infos(&liked)
            .await
            .map_err(RecommendError::Storage)?;
        taste.liked_artists = infos.into_values().flat_map(|i| i.artists).collect();
        taste.liked_moods = self
            .catalog
            .track_vectors(&liked)
            .await
            .map_err(RecommendError::Storage)?
            .into_iter()
            .filter_map(|(_, bytes)| Emotion::from_bytes(&bytes))
            .collect();
        Ok(taste)
    }

    /// Page `page` of `user`'s history (0 is the newest; past the end gives the last page).
    pub async fn history(&self, user: &UserKey, page: usize) -> Result<History, RecommendError> {
        self.memory_on()?;
        let per = HISTORY_PAGE as u64;
        let (_, mood_total) = self
            .catalog
            .moods_of(user.as_str(), 0, 0)
            .await
            .map_err(RecommendError::Storage)?;
        let liked_all: Vec<i64> = self
            .catalog
            .ratings_of(user.as_str())
            .await
            .map_err(RecommendError::Storage)?
            .into_iter()
            .filter(|(_, v)| *v > 0)
            .map(|(t, _)| t)
            .collect();
        let pages = (mood_total.max(liked_all.len() as u64).div_ceil(per) as usize).max(1);
        let page = page.min(pages - 1);
        let (rows, _) = self
            .catalog
            .moods_of(user.as_str(), page as u64 * per, per)
            .await
            .map_err(RecommendError::Storage)?;
        let moods = rows
            .into_iter()
            .filter_map(|r| {
                Some(PastMood {
                    at: r.at,
                    emotion: Emotion::from_bytes(&r.vector)?,
                    source: MoodSource::from_code(&r.source),
                })
            })
            .collect();
        let ids: Vec<i64> = liked_all
            .iter()
            .skip(page * HISTORY_PAGE)
            .take(HISTORY_PAGE)
            .copied()
            .collect();
        let mut infos = self
            .catalog
            .track_infos(&ids)
            .await
            .map_err(RecommendError::Storage)?;
        let liked = ids.iter().filter_map(|id| infos.remove(id)).collect();
        Ok(History {
            page,
            pages,
            moods,
            liked,
        })
    }

    /// Deletes everything remembered about `user`; says how much there was.
    pub async fn forget(&self, user: &UserKey) -> Result<Forgotten, RecommendError> {
        self.memory_on()?;
        self.catalog
            .forget_user(user.as_str())
            .await
            .map_err(RecommendError::Storage)
    }

    /// Deletes moods and ratings older than the retention (`memory_days`; everything when 0),
    /// and logs what went. Run at start and, by `serve`, every hour.
    pub async fn prune_memory(&self) -> Result<Forgotten, RecommendError> {
        let keep = i64::from(self.config.memory_days) * 86_400;
        let gone = self
            .catalog
            .prune_memory(now() - keep + 1)
            .await
            .map_err(RecommendError::Storage)?;
        if gone.moods + gone.ratings > 0 {
            tracing::info!(
                moods = gone.moods,
                ratings = gone.ratings,
                "pruned old memory"
            );
        }
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_salted_and_per_platform() {
        let a = UserKey::new(b"salt one", "telegram", 42);
        assert_eq!(a, UserKey::new(b"salt one", "telegram", 42));
        assert_ne!(a, UserKey::new(b"salt two", "telegram", 42));
        assert_ne!(a, UserKey::new(b"salt one", "discord", 42));
        assert_ne!(a, UserKey::new(b"salt one", "telegram", 43));
        assert_eq!(a.as_str().len(), 32);
        assert!(!a.as_str().contains("42"));
        assert!(!format!("{a:?}").contains(a.as_str()));
    }

    fn one_hot(i: usize) -> Emotion {
        let mut v = [0.0; crate::emotion::DIM];
        v[i] = 1.0;
        Emotion(v)
    }

    #[test]
    fn liked_moods_pull_only_moods_that_agree() {
        let sad = one_hot(3);
        let mut sadder = [0.0; crate::emotion::DIM];
        sadder[3] = 0.6;
        sadder[4] = 0.4;
        let taste = Taste {
            liked_moods: vec![Emotion(sadder), one_hot(0)],
            ..Taste::default()
        };
        let pulled = taste.pull(&sad);
        assert!(pulled.0[4] > 0.0 && pulled.0[4] < 0.2, "{:?}", pulled.0);
        assert_eq!(
            pulled.0[0], 0.0,
            "a liked joyful song does not pull a sad mood"
        );
        assert!((pulled.0.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert_eq!(Taste::default().pull(&sad), sad);
        let joy = one_hot(0);
        let joyful = taste.pull(&joy);
        assert!(
            joyful.distance(&joy) < 1e-6,
            "an exact liked mood changes nothing"
        );
    }
}
