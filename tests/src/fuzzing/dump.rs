//! The playlist dump format (`moodtune import dump FILE`): anyone's file. Bad lines and bad
//! tracks are counted and skipped, never fatal; what is kept is well-formed.

use moodtune_core::ingest::dump::parse;

/// The target: see the module documentation.
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (playlists, report) = parse(&text);
    assert_eq!(report.playlists, playlists.len());
    assert_eq!(
        report.pairs,
        playlists.iter().map(|p| p.tracks.len()).sum::<usize>()
    );
    assert!(report.problems.len() <= 20);
    let lines = text.lines().count();
    assert!(report.skipped_lines + playlists.len() <= lines);
    for p in &playlists {
        assert!(
            !p.name.contains('\t') && !p.name.contains('\n'),
            "{:?}",
            p.name
        );
        for t in &p.tracks {
            assert!(!t.name.is_empty() && !t.name.contains('\t'), "{t:?}");
            assert!((0..=100).contains(&t.popularity), "{t:?}");
        }
    }
}
