//! `eval songs`: do the songs fit the mood? Checked against playlist tags the product never sees.
//!
//! NetEase editors and users tag playlists (伤感, 快乐, 浪漫, ...). For labelled posts, the songs
//! the engine returns are checked against those tags: a returned song *hits* when it sits in a
//! playlist tagged for the post's mood. Only songs in at least one tagged playlist can be judged
//! (the tags cover half the playlists; the other half is held out). The base rate of a mood is
//! the share of judged catalog tracks that hit it, so `lift` (precision over base rate) says how
//! much better than a random track the replies are. Tags are read from a file handed to this
//! function only; nothing here writes them anywhere.

use std::collections::{HashMap, HashSet};

use crate::emotion::MainClass;
use crate::engine::{Engine, Listener, RecommendError};
use crate::text::eval::Example;

/// A mood whose fit playlist tags can judge: the post label it is asked for, and its tags.
#[derive(Debug, Clone, Copy)]
pub struct TagGroup {
    /// Name in the summary line.
    pub name: &'static str,
    /// Posts of this main class are judged against this group.
    pub class: MainClass,
    /// Playlist tags that mean this mood.
    pub tags: &'static [&'static str],
}

/// The judged moods (issue 23's groups): sad, happy, fond.
pub const TAG_GROUPS: [TagGroup; 3] = [
    TagGroup {
        name: "sad",
        class: MainClass::Sadness,
        tags: &["伤感", "孤独", "思念"],
    },
    TagGroup {
        name: "happy",
        class: MainClass::Joy,
        tags: &["快乐", "兴奋"],
    },
    TagGroup {
        name: "fond",
        class: MainClass::Like,
        tags: &["浪漫"],
    },
];

/// Reads `playlist_id<TAB>tags` lines (tags separated by spaces); other lines are skipped.
pub fn parse_tags(text: &str) -> HashMap<i64, Vec<String>> {
    text.lines()
        .filter_map(|line| {
            let (id, tags) = line.split_once('\t')?;
            let id = id.trim().parse().ok()?;
            Some((id, tags.split_whitespace().map(str::to_string).collect()))
        })
        .collect()
}

/// How `eval songs` runs.
#[derive(Debug, Clone)]
pub struct SongsEvalOptions {
    /// Songs per reply.
    pub k: usize,
    /// Posts per judged mood (the first of each in the file).
    pub per_mood: usize,
    /// Each post is asked by listeners `1..=users` (0: by no one in particular).
    pub users: u64,
    /// The day the listeners ask on.
    pub day: u64,
}

/// One judged mood's figures.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GroupFigures {
    /// Posts asked.
    pub posts: usize,
    /// Posts that got no mood (skipped).
    pub no_mood: usize,
    /// Songs returned.
    pub returned: usize,
    /// Of those, songs in a tagged playlist (judged).
    pub judged: usize,
    /// Of those, songs in a playlist tagged for the mood.
    pub hits: usize,
    /// Share of judged catalog tracks that hit the mood.
    pub base_rate: f64,
    /// Distinct songs among those returned.
    pub distinct: usize,
}

impl GroupFigures {
    /// Precision over the base rate (0 when nothing was judged).
    pub fn lift(&self) -> f64 {
        if self.judged == 0 || self.base_rate == 0.0 {
            return 0.0;
        }
        self.hits as f64 / self.judged as f64 / self.base_rate
    }
}

/// The result of `eval songs`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SongsReport {
    /// Per judged mood, in [`TAG_GROUPS`] order.
    pub groups: Vec<(String, GroupFigures)>,
    /// Share of the catalog's tracks that have a mood vector (and can be returned).
    pub coverage: f64,
    /// Replies that hold two songs of one artist.
    pub artist_repeats: usize,
    /// Replies.
    pub replies: usize,
    /// Per post asked by several listeners: distinct songs over songs returned, averaged.
    pub listener_variety: Option<f64>,
}

impl SongsReport {
    /// Hits over the hits a random judged track would score: Σ hits / Σ judged × base rate.
    pub fn lift(&self) -> f64 {
        let hits: usize = self.groups.iter().map(|(_, g)| g.hits).sum();
        let expected: f64 = self
            .groups
            .iter()
            .map(|(_, g)| g.judged as f64 * g.base_rate)
            .sum();
        if expected == 0.0 {
            0.0
        } else {
            hits as f64 / expected
        }
    }

    /// One line per mood (precision, base rate, variety), for reading before the summary.
    pub fn group_lines(&self) -> String {
        let mut out = String::new();
        for (name, g) in &self.groups {
            out.push_str(&format!(
                "mood={name} posts={} no_mood={} returned={} judged={} hits={} precision={:.3} base_rate={:.3} lift={:.2} distinct={}\n",
                g.posts,
                g.no_mood,
                g.returned,
                g.judged,
                g.hits,
                g.hits as f64 / g.judged.max(1) as f64,
                g.base_rate,
                g.lift(),
                g.distinct,
            ));
        }
        out
    }

    /// The one summary line: `lift=… sad=… happy=… fond=… coverage=… …  n=…`.
    pub fn summary_line(&self) -> String {
        let mut s = format!("lift={:.2}", self.lift());
        for (name, g) in &self.groups {
            s.push_str(&format!(" {name}={:.2}", g.lift()));
        }
        s.push_str(&format!(" coverage={:.3}", self.coverage));
        if let Some(v) = self.listener_variety {
            s.push_str(&format!(" listener_variety={v:.2}"));
        }
        let n: usize = self.groups.iter().map(|(_, g)| g.posts).sum();
        s.push_str(&format!(
            " artist_repeats={}/{} n={n}",
            self.artist_repeats, self.replies
        ));
        s
    }
}

impl Engine {
    /// Runs `eval songs`: the first `per_mood` posts of each judged mood in `posts`, read and
    /// answered as the bot would, their songs checked against `tags` (playlist id -> tags).
    pub async fn eval_songs(
        &self,
        tags: &HashMap<i64, Vec<String>>,
        posts: &[Example],
        opts: &SongsEvalOptions,
    ) -> Result<SongsReport, RecommendError> {
        let memberships = self
            .catalog
            .memberships()
            .await
            .map_err(RecommendError::Storage)?;
        let all_tracks: HashSet<i64> = memberships.iter().map(|(_, t)| *t).collect();
        let tracks_total = self
            .catalog
            .track_count()
            .await
            .map_err(RecommendError::Storage)?
            .max(all_tracks.len() as u64);
        // Per track: whether it is judged, and which groups it hits.
        let mut judged: HashSet<i64> = HashSet::new();
        let mut hits: Vec<HashSet<i64>> = vec![HashSet::new(); TAG_GROUPS.len()];
        for (playlist, track) in &memberships {
            let Some(tags) = tags.get(playlist) else {
                continue;
            };
            judged.insert(*track);
            for (g, group) in TAG_GROUPS.iter().enumerate() {
                if tags.iter().any(|t| group.tags.contains(&t.as_str())) {
                    hits[g].insert(*track);
                }
            }
        }
        let mut report = SongsReport {
            coverage: self.index_info().tracks as f64 / tracks_total.max(1) as f64,
            ..SongsReport::default()
        };
        let listeners: Vec<Listener> = if opts.users == 0 {
            vec![Listener::ANYONE]
        } else {
            (1..=opts.users)
                .map(|u| Listener::on_day(u, opts.day))
                .collect()
        };
        let mut variety = Vec::new();
        for (g, group) in TAG_GROUPS.iter().enumerate() {
            let mut fig = GroupFigures {
                base_rate: hits[g].len() as f64 / judged.len().max(1) as f64,
                ..GroupFigures::default()
            };
            let mut distinct = HashSet::new();
            let chosen = posts
                .iter()
                .filter(|p| p.label == Some(group.class))
                .take(opts.per_mood);
            for post in chosen {
                fig.posts += 1;
                let Ok(emotion) = self.text_emotion(&post.content) else {
                    fig.no_mood += 1;
                    continue;
                };
                let mut post_songs = HashSet::new();
                let mut post_returned = 0usize;
                for listener in &listeners {
                    let rec = self.recommend_for(&emotion, opts.k, 0, *listener).await?;
                    report.replies += 1;
                    let mut artists = HashSet::new();
                    if !rec
                        .tracks
                        .iter()
                        .flat_map(|t| t.info.artists.iter())
                        .all(|a| artists.insert(a))
                    {
                        report.artist_repeats += 1;
                    }
                    for t in &rec.tracks {
                        let id = t.info.id;
                        fig.returned += 1;
                        post_returned += 1;
                        distinct.insert(id);
                        post_songs.insert(id);
                        if judged.contains(&id) {
                            fig.judged += 1;
                            fig.hits += hits[g].contains(&id) as usize;
                        }
                    }
                }
                if listeners.len() > 1 && post_returned > 0 {
                    variety.push(post_songs.len() as f64 / post_returned as f64);
                }
            }
            fig.distinct = distinct.len();
            report.groups.push((group.name.to_string(), fig));
        }
        if !variety.is_empty() {
            report.listener_variety = Some(variety.iter().sum::<f64>() / variety.len() as f64);
        }
        Ok(report)
    }
}
