//! Callback data for "More like this" buttons, shared by Telegram (64-byte callback data) and
//! Discord (100-character custom ids). The mood travels inside the button, so any bot process
//! behind a load balancer can answer a press without shared session state.

use moodtune_core::emotion::DIM;
use moodtune_core::{Category, Emotion};

/// Button data for "more like this": `m:<offset>:<pairs>`, each pair two hex digits of category
/// index and two of weight (0..255), for the four strongest categories. Fits Telegram's 64 bytes.
pub fn encode_more(e: &Emotion, offset: usize) -> String {
    let mut s = format!("m:{offset}:");
    for (c, w) in e.top(4, 0.01) {
        s.push_str(&format!(
            "{:02x}{:02x}",
            c.index(),
            (w * 255.0).round().clamp(1.0, 255.0) as u8
        ));
    }
    s
}

/// Reads [`encode_more`] data back; `None` for anything malformed.
pub fn decode_more(data: &str) -> Option<(Emotion, usize)> {
    let mut parts = data.splitn(3, ':');
    if parts.next()? != "m" {
        return None;
    }
    let offset: usize = parts
        .next()?
        .parse()
        .ok()
        .filter(|o| *o <= moodtune_core::engine::CANDIDATES)?;
    let pairs = parts.next()?;
    if pairs.is_empty() || pairs.len() % 4 != 0 || pairs.len() > 4 * DIM || !pairs.is_ascii() {
        return None;
    }
    let mut v = [0.0f32; DIM];
    for i in (0..pairs.len()).step_by(4) {
        let c = usize::from_str_radix(&pairs[i..i + 2], 16)
            .ok()
            .filter(|c| *c < DIM)?;
        let w = u8::from_str_radix(&pairs[i + 2..i + 4], 16).ok()? as f32;
        v[Category::ALL[c].index()] += w;
    }
    let sum: f32 = v.iter().sum();
    if sum <= 0.0 {
        return None;
    }
    v.iter_mut().for_each(|x| *x /= sum);
    Some((Emotion(v), offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use moodtune_core::EmotionScores;

    #[test]
    fn more_data_round_trips_and_rejects_junk() {
        let mut s = EmotionScores::default();
        s.add(Category::NB, 3.0);
        s.add(Category::PF, 2.0);
        let e = s.finish().unwrap();
        let data = encode_more(&e, 10);
        assert!(data.len() <= 64, "{data}");
        let (back, offset) = decode_more(&data).unwrap();
        assert_eq!(offset, 10);
        assert!(back.distance(&e) < 0.01, "{back:?}");
        for junk in [
            "",
            "m",
            "m:1:",
            "m:x:0880",
            "m:1:zz80",
            "m:1:1580",
            "x:1:0880",
            "m:1:088",
            "m:100000:0880",
        ] {
            assert!(decode_more(junk).is_none(), "{junk}");
        }
    }
}
