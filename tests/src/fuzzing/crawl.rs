//! NeteaseCloudMusicApi answers as the crawler decodes them (any server can pose as the API):
//! each answer shape, and lyrics cleaned of their LRC tags.

use moodtune_core::ingest::crawl::clean_lrc;
use moodtune_core::ingest::crawl::wire::{decode_answer, HotComments, Lyric, Songs, TopPlaylists};

/// The target: see the module documentation.
pub fn run(data: &[u8]) {
    let _ = decode_answer::<TopPlaylists>(data);
    let _ = decode_answer::<Songs>(data);
    let _ = decode_answer::<HotComments>(data);
    if let Ok(lyric) = decode_answer::<Lyric>(data) {
        if let Some(text) = lyric.lrc.and_then(|l| l.lyric) {
            check_clean(&text);
        }
    }
    // Lyrics also arrive as any text.
    check_clean(&String::from_utf8_lossy(data));
}

fn check_clean(lrc: &str) {
    let clean = clean_lrc(lrc);
    assert!(clean.len() <= lrc.len(), "{lrc:?} -> {clean:?}");
    assert!(
        clean.lines().all(|l| !l.trim().is_empty()),
        "blank line kept: {lrc:?} -> {clean:?}"
    );
}
