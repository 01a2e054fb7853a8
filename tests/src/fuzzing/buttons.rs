//! Button data: Telegram callback data and Discord custom ids, which anyone who can press (or
//! forge) a button controls. Every reader must refuse junk, bound what it accepts, and read back
//! exactly what its writer wrote; every writer must fit Telegram's 64 bytes.

use moodtune_adapters::memory::{decode_history, decode_rate, encode_history, encode_rate};
use moodtune_adapters::paging::{decode_more, encode_lift, encode_more};
use moodtune_core::emotion::DIM;
use moodtune_core::engine::CANDIDATES;
use moodtune_core::Emotion;

/// Telegram's limit on callback data (Discord allows 100 characters).
const MAX_DATA_BYTES: usize = 64;

/// The target: see the module documentation.
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(p) = decode_more(&text) {
        let sum: f32 = p.emotion.0.iter().sum();
        assert!(
            p.emotion.0.iter().all(|x| x.is_finite() && *x >= 0.0) && (sum - 1.0).abs() < 1e-3,
            "{text:?} -> {p:?}"
        );
        assert!(p.offset <= CANDIDATES, "{text:?} -> offset {}", p.offset);
        let again = if p.lift {
            encode_lift(&p.emotion, p.offset)
        } else {
            encode_more(&p.emotion, p.offset)
        };
        let back = decode_more(&again).expect("what was written reads back");
        assert_eq!((back.offset, back.lift), (p.offset, p.lift));
    }
    if let Some((track, verdict)) = decode_rate(&text) {
        assert!(track >= 0, "{text:?}");
        assert_eq!(
            decode_rate(&encode_rate(track, verdict)),
            Some((track, verdict))
        );
    }
    if let Some(page) = decode_history(&text) {
        assert!(page < 1_000_000, "{text:?}");
        assert_eq!(decode_history(&encode_history(page)), Some(page));
    }
    // Writers, on any mood and offset the bytes make.
    if data.len() >= DIM + 2 {
        let raw: [f32; DIM] = std::array::from_fn(|i| data[i] as f32);
        let sum: f32 = raw.iter().sum();
        if sum > 0.0 {
            let e = Emotion(raw.map(|x| x / sum));
            let offset = u16::from_le_bytes([data[DIM], data[DIM + 1]]) as usize % (CANDIDATES + 1);
            for (lift, written) in [
                (false, encode_more(&e, offset)),
                (true, encode_lift(&e, offset)),
            ] {
                assert!(written.len() <= MAX_DATA_BYTES, "{written}");
                let p = decode_more(&written).unwrap_or_else(|| panic!("{written} unread"));
                assert_eq!((p.offset, p.lift), (offset, lift));
                // The strongest category survives the trip (up to the 1/255 steps it is written in).
                let kept = p.emotion.dominant();
                assert!(
                    e.get(kept) >= e.get(e.dominant()) - 1.01 / 255.0,
                    "{written}"
                );
            }
        }
        let id = i64::from_le_bytes(std::array::from_fn(|i| data[i])) & i64::MAX;
        for v in [
            moodtune_core::Verdict::Like,
            moodtune_core::Verdict::Dislike,
        ] {
            let w = encode_rate(id, v);
            assert!(w.len() <= MAX_DATA_BYTES);
            assert_eq!(decode_rate(&w), Some((id, v)));
        }
    }
}
