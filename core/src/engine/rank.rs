//! From the nearest tracks to a reply a person would play: fit first, a little popularity,
//! variety per listener and day, one song per artist in a page.
//!
//! The index returns the tracks nearest the mood; many of them fit about equally well (tracks
//! labelled by the same evidence share a vector). Ranking them by distance alone gave every sad
//! message the same ten songs. Here each candidate gets a score, `-(distance - best) / FIT_SCALE`
//! plus a popularity prior plus the strength of its evidence: that is the best-first order. A
//! known listener then gets a Gumbel draw seeded by the listener and the day, added to a cost
//! that grows with each place down that order: sorting by the sum samples the candidates in
//! proportion to `exp(-RANK_DECAY x place)` without replacement, so the best fits stay likely and
//! the far ones rare, and one person on one day always sees the same list (tests and "More like
//! this" pages rely on that).

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::rng::mix;

/// Distance that costs one unit of score in the best-first order: 0.005 of distance weighs as
/// much as the whole popularity prior.
pub const FIT_SCALE: f32 = 0.01;
/// What each place down the best-first order costs in a listener's draw (a standard Gumbel
/// variate): the chance that a song is drawn falls as `exp(-RANK_DECAY x place)`. Measured with
/// `eval songs --users 10` on the dev tags (issue 23), before the strength term: 0.04 gave
/// per-listener lift 5.19 and 52% distinct songs across ten listeners, 0.05 lift 5.37 and 47%,
/// 0.07 5.65 and 39%, 0.1 5.79 and 33%; with it, 0.05 gives 5.58 and 47% (the best-first list
/// alone: 6.12). The draw used to add to the fit score itself (lift 4.60, 60%): where hundreds
/// of tracks share the mood's vector, that made every one of them as likely as the best attested.
pub const RANK_DECAY: f32 = 0.05;
/// Score of the most popular track over the least popular at equal fit.
pub const POPULARITY_WEIGHT: f32 = 0.5;
/// Score per unit of a track's strength (`label::track_strength`, the log of its agreeing
/// evidence): among tracks that share a vector, the better attested come first.
pub const STRENGTH_WEIGHT: f32 = 1.0;

/// Who is asking. One listener on one day gets one stable selection for a mood; another
/// listener, or the same one on another day, gets another, equally fitting one. `ANYONE` gets the
/// plain best-first ranking (the HTTP API, the CLI without `--user`, evaluations).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Listener(Option<u64>);

impl Listener {
    /// No one in particular: the best-first ranking, the same for everyone.
    pub const ANYONE: Listener = Listener(None);

    /// `user` (any stable id: a platform user id, a hash of one) on day `day` (days since
    /// 1970-01-01 UTC).
    pub fn on_day(user: u64, day: u64) -> Listener {
        Listener(Some(mix(user ^ mix(day.wrapping_add(0x6d6f_6f64)))))
    }

    /// `user` today (UTC).
    pub fn today(user: u64) -> Listener {
        let day = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() / 86_400)
            .unwrap_or(0);
        Listener::on_day(user, day)
    }

    /// The listener's draw for one track: a standard Gumbel variate, 0 for `ANYONE`.
    fn draw(self, track: i64) -> f32 {
        let Some(seed) = self.0 else {
            return 0.0;
        };
        let bits = mix(seed ^ (track as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let u = ((bits >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        (-(-u.ln()).ln()) as f32
    }
}

/// What ranking needs of a candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'a> {
    /// Track id (the listener's draw is per track).
    pub id: i64,
    /// Distance from the mood.
    pub distance: f32,
    /// NetEase popularity, 0..=100.
    pub popularity: i32,
    /// Artist names; a page holds at most one song of each.
    pub artists: &'a [String],
    /// What the listener's taste adds (`Taste::bonus`: a liked artist), in score units.
    pub bonus: f32,
    /// How convincingly the track carries its mood (`label::track_strength`).
    pub strength: f32,
}

/// The candidates' positions in reply order: scored and drawn for `listener`, then cut into
/// pages of `k` in which no artist appears twice (a song that would repeat an artist waits for a
/// later page; when too few artists remain, pages are filled anyway rather than left short).
pub fn rank(candidates: &[Candidate<'_>], listener: Listener, k: usize) -> Vec<usize> {
    let best = candidates
        .iter()
        .map(|c| c.distance)
        .fold(f32::INFINITY, f32::min);
    let mut scored: Vec<(f32, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let fit = -(c.distance - best) / FIT_SCALE;
            let pop = POPULARITY_WEIGHT * (c.popularity.clamp(0, 100) as f32 / 100.0);
            (fit + pop + STRENGTH_WEIGHT * c.strength + c.bonus, i)
        })
        .collect();
    // Stable: equal scores keep the index's order.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    if listener.0.is_some() {
        // The listener's draw follows the best-first order: each place down costs RANK_DECAY.
        for (place, entry) in scored.iter_mut().enumerate() {
            entry.0 = listener.draw(candidates[entry.1].id) - RANK_DECAY * place as f32;
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    }
    let mut waiting: Vec<usize> = scored.into_iter().map(|(_, i)| i).collect();
    let mut out = Vec::with_capacity(waiting.len());
    let k = k.max(1);
    while !waiting.is_empty() {
        let mut page_artists: HashSet<&str> = HashSet::new();
        let mut page = Vec::with_capacity(k);
        let mut rest = Vec::with_capacity(waiting.len());
        for i in waiting {
            let artists = candidates[i].artists;
            let clash = artists.iter().any(|a| page_artists.contains(a.as_str()));
            if page.len() < k && !clash {
                page_artists.extend(artists.iter().map(String::as_str));
                page.push(i);
            } else {
                rest.push(i);
            }
        }
        // Only clashing songs left: fill the page with them in order rather than loop forever.
        while page.len() < k && !rest.is_empty() {
            page.push(rest.remove(0));
        }
        out.extend(page);
        waiting = rest;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn anyone_gets_best_fit_first_and_popularity_breaks_ties() {
        let a = names(&["a"]);
        let b = names(&["b"]);
        let c = names(&["c"]);
        let cands = [
            Candidate {
                id: 1,
                distance: 0.5,
                popularity: 100,
                artists: &a,
                bonus: 0.0,
                strength: 0.0,
            },
            Candidate {
                id: 2,
                distance: 0.1,
                popularity: 0,
                artists: &b,
                bonus: 0.0,
                strength: 0.0,
            },
            Candidate {
                id: 3,
                distance: 0.1,
                popularity: 90,
                artists: &c,
                bonus: 0.0,
                strength: 0.0,
            },
        ];
        assert_eq!(rank(&cands, Listener::ANYONE, 10), vec![2, 1, 0]);
    }

    #[test]
    fn a_page_never_repeats_an_artist_while_others_remain() {
        let x = names(&["x"]);
        let y = names(&["y", "x"]);
        let z = names(&["z"]);
        let cands = [
            Candidate {
                id: 1,
                distance: 0.10,
                popularity: 0,
                artists: &x,
                bonus: 0.0,
                strength: 0.0,
            },
            Candidate {
                id: 2,
                distance: 0.11,
                popularity: 0,
                artists: &y,
                bonus: 0.0,
                strength: 0.0,
            },
            Candidate {
                id: 3,
                distance: 0.12,
                popularity: 0,
                artists: &x,
                bonus: 0.0,
                strength: 0.0,
            },
            Candidate {
                id: 4,
                distance: 0.13,
                popularity: 0,
                artists: &z,
                bonus: 0.0,
                strength: 0.0,
            },
        ];
        // Pages of two: {1, 4} (2 and 3 share x with 1), then {2, 3} (only clashes left).
        assert_eq!(rank(&cands, Listener::ANYONE, 2), vec![0, 3, 1, 2]);
    }

    /// One artist per song, `artist 0` .. `artist n-1`.
    fn solo_artists(n: usize) -> Vec<Vec<String>> {
        (0..n).map(|i| vec![format!("artist {i}")]).collect()
    }

    /// A window of candidates of equal popularity, one per artist, ids from `first_id`, with
    /// (distance, strength) from `fit`.
    fn window(
        artists: &[Vec<String>],
        first_id: i64,
        fit: impl Fn(usize) -> (f32, f32),
    ) -> Vec<Candidate<'_>> {
        artists
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let (distance, strength) = fit(i);
                Candidate {
                    id: first_id + i as i64,
                    distance,
                    popularity: 50,
                    artists: a,
                    bonus: 0.0,
                    strength,
                }
            })
            .collect()
    }

    #[test]
    fn listeners_differ_but_each_is_stable() {
        let artists = solo_artists(60);
        let cands = window(&artists, 0, |i| (0.2 + 0.001 * i as f32, 0.0));
        let first = |l: Listener| rank(&cands, l, 10)[..10].to_vec();
        let one = first(Listener::on_day(1, 20_000));
        assert_eq!(one, first(Listener::on_day(1, 20_000)));
        assert_ne!(one, first(Listener::on_day(2, 20_000)));
        assert_ne!(one, first(Listener::on_day(1, 20_001)));
        // The worst fit of a full window (the search hands over 400) stays out of the first
        // page for everyone.
        let many = solo_artists(400);
        let mut far = window(&many, 0, |i| (0.2 + 0.0001 * i as f32, 0.0));
        far[399].distance = 5.0;
        for user in 0..50 {
            assert!(!rank(&far, Listener::on_day(user, 1), 10)[..10].contains(&399));
        }
    }

    #[test]
    fn ten_listeners_share_a_mood_but_draw_from_its_best_attested_songs() {
        // 400 songs on one vector (labelled by the same evidence), attested from strong to weak.
        let artists = solo_artists(400);
        let cands = window(&artists, 1000, |i| (0.3, 8.0 - 0.02 * i as f32));
        let mut seen = HashSet::new();
        let mut places = Vec::new();
        for user in 1..=10 {
            for i in &rank(&cands, Listener::on_day(user, 20_000), 10)[..10] {
                seen.insert(*i);
                places.push(*i);
            }
        }
        assert!(seen.len() >= 40, "{} distinct of 100", seen.len());
        // Drawn near the top: a plain draw over the 400 would average place 200.
        let mean = places.iter().sum::<usize>() as f32 / places.len() as f32;
        assert!(mean < 40.0, "mean place {mean}");
        // No one in particular gets the best attested ten.
        assert_eq!(
            rank(&cands, Listener::ANYONE, 10)[..10],
            (0..10).collect::<Vec<usize>>()[..]
        );
    }
}
