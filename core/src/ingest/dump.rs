//! Parser for the playlist dump format of the bundled demo catalog.
//!
//! One playlist per line, tab-separated: `playlist_id, playlist_name, collections`, then tracks as
//! `song_id::name::artists(|-separated)::pop`. A few song names contain `::`, so the id is taken
//! from the left and popularity and artists from the right. Lines starting with `#` are comments.
//! Bad lines and bad tracks are counted and skipped, never fatal.

/// The demo catalog that ships inside the binary: 634 real NetEase playlists (see NOTICE).
pub const EMBEDDED_DEMO: &str = include_str!("../../data/netease-playlists.tsv");

use crate::store::{Catalog, CatalogError, ImportSummary};
pub use crate::store::{DumpPlaylist, DumpTrack};

/// What a parse kept and skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DumpReport {
    /// Playlists kept.
    pub playlists: usize,
    /// Playlist-track pairs kept.
    pub pairs: usize,
    /// Lines skipped (bad id or too few fields).
    pub skipped_lines: usize,
    /// Track entries skipped (bad id or too few parts).
    pub skipped_tracks: usize,
    /// Example problems: (line number, description), at most 20.
    pub problems: Vec<(usize, String)>,
}

/// Parses a whole dump.
pub fn parse(text: &str) -> (Vec<DumpPlaylist>, DumpReport) {
    let mut report = DumpReport::default();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split('\t');
        let id = fields.next().and_then(|f| f.trim().parse::<i64>().ok());
        let name = fields.next().map(|s| s.trim().to_string());
        let collections = fields.next().and_then(|f| f.trim().parse::<i64>().ok());
        let (Some(id), Some(name), Some(collections)) = (id, name, collections) else {
            report.skipped_lines += 1;
            if report.problems.len() < 20 {
                report
                    .problems
                    .push((line_no, "bad playlist id, name or collections".into()));
            }
            continue;
        };
        let mut tracks = Vec::new();
        for raw in fields {
            if raw.trim().is_empty() {
                continue;
            }
            match parse_track(raw) {
                Some(t) => tracks.push(t),
                None => {
                    report.skipped_tracks += 1;
                    if report.problems.len() < 20 {
                        report
                            .problems
                            .push((line_no, format!("bad track {raw:?}")));
                    }
                }
            }
        }
        report.pairs += tracks.len();
        report.playlists += 1;
        out.push(DumpPlaylist {
            id,
            name,
            collections: collections.max(0),
            category: None,
            tracks,
        });
    }
    (out, report)
}

fn parse_track(raw: &str) -> Option<DumpTrack> {
    let (id, rest) = raw.split_once("::")?;
    let id = id.trim().parse::<i64>().ok()?;
    let (rest, pop) = rest.rsplit_once("::")?;
    let (name, artists) = rest.rsplit_once("::")?;
    let popularity = pop.trim().parse::<f64>().ok().filter(|p| p.is_finite())?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let artists = artists
        .split('|')
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .map(String::from)
        .collect();
    Some(DumpTrack {
        id,
        name: name.to_string(),
        artists,
        popularity: popularity.clamp(0.0, 100.0).round() as i32,
        album: None,
    })
}

/// Imports the bundled demo catalog into `store` (the first start of a fresh database, or
/// `moodtune import demo`); importing it again changes nothing.
pub async fn import_demo(store: &Catalog) -> Result<ImportSummary, CatalogError> {
    let (playlists, report) = parse(EMBEDDED_DEMO);
    let summary = store.import_playlists(&playlists).await?;
    tracing::info!(
        playlists = summary.playlists,
        tracks = summary.tracks,
        skipped = report.skipped_tracks,
        "demo catalog loaded"
    );
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_parse_from_both_ends() {
        // (raw, expected (id, name, artists, pop) or None)
        type Expected<'a> = Option<(i64, &'a str, &'a [&'a str], i32)>;
        let table: &[(&str, Expected)] = &[
            (
                "2772113::I wanted you::Ina Wroldsen::100",
                Some((2772113, "I wanted you", &["Ina Wroldsen"], 100)),
            ),
            (
                "5100462::Dilemma::Nelly|Kelly Rowland::95",
                Some((5100462, "Dilemma", &["Nelly", "Kelly Rowland"], 95)),
            ),
            (
                "1::ネプトリュード(Class::NEPTLUDE=>x)::Foo::5",
                Some((1, "ネプトリュード(Class::NEPTLUDE=>x)", &["Foo"], 5)),
            ),
            ("7::Song::::40", Some((7, "Song", &[], 40))),
            ("x::Song::A::1", None),
            ("8::Song", None),
            ("9::Song::A::lots", None),
        ];
        for (raw, want) in table {
            let got = parse_track(raw);
            match want {
                None => assert!(got.is_none(), "{raw}"),
                Some((id, name, artists, pop)) => {
                    let t = got.unwrap_or_else(|| panic!("{raw}"));
                    assert_eq!(
                        (t.id, t.name.as_str(), t.popularity),
                        (*id, *name, *pop),
                        "{raw}"
                    );
                    assert_eq!(
                        t.artists,
                        artists.iter().map(|s| s.to_string()).collect::<Vec<_>>()
                    );
                }
            }
        }
    }

    #[test]
    fn bad_lines_are_counted() {
        let text = "# header\n1\t伤感\t10\t5::a::b::1\tjunk\nnot-a-number\tx\t1\n\n2\t快乐\t3\n";
        let (pls, rep) = parse(text);
        assert_eq!(pls.len(), 2);
        assert_eq!(rep.skipped_lines, 1);
        assert_eq!(rep.skipped_tracks, 1);
        assert_eq!(rep.pairs, 1);
    }

    #[test]
    fn embedded_demo_has_the_documented_size() {
        let (pls, rep) = parse(EMBEDDED_DEMO);
        assert_eq!(pls.len(), 634);
        // The real dump has one damaged entry (`14 88288293::...`): reported, not imported.
        assert_eq!(rep.skipped_tracks, 1, "{:?}", rep.problems);
        let pairs: std::collections::HashSet<(i64, i64)> = pls
            .iter()
            .flat_map(|p| p.tracks.iter().map(move |t| (p.id, t.id)))
            .collect();
        assert!(pairs.len() >= 72_000, "{}", pairs.len());
        let distinct: std::collections::HashSet<i64> = pls
            .iter()
            .flat_map(|p| p.tracks.iter().map(|t| t.id))
            .collect();
        assert!(distinct.len() >= 38_000, "{}", distinct.len());
    }
}
