//! Callback data for "More like this" and "Cheer me up" buttons, shared by Telegram (64-byte
//! callback data) and Discord (100-character custom ids). The mood travels inside the button, so
//! any bot process behind a load balancer can answer a press without shared session state.

use moodtune_core::emotion::DIM;
use moodtune_core::{Category, Emotion, MainClass, Recommendation};

use crate::messages::Lang;

/// The page buttons under a reply, as (label, data), for every platform that has buttons: "More
/// like this" when there is a next page (lifted pages continue lifted), and "Cheer me up" under
/// songs that matched a mood other than joy.
pub fn page_buttons(rec: &Recommendation, k: usize, lang: Lang) -> Vec<(&'static str, String)> {
    let m = lang.messages();
    let mut out = Vec::new();
    if rec.has_more {
        let next = rec.offset + k;
        let data = if rec.lifted {
            encode_lift(&rec.emotion, next)
        } else {
            encode_more(&rec.emotion, next)
        };
        out.push((m.more_button, data));
    }
    if !rec.lifted && rec.emotion.main_class() != MainClass::Joy {
        out.push((m.cheer_button, encode_lift(&rec.emotion, 0)));
    }
    out
}

/// A page a button asks for: of a mood, from an offset, matched or lifted ("Cheer me up").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Press {
    /// The person's mood.
    pub emotion: Emotion,
    /// Where the page starts in the ranking.
    pub offset: usize,
    /// Songs to cheer up rather than to match.
    pub lift: bool,
}

/// Button data for "more like this": `m:<offset>:<pairs>`, each pair two hex digits of category
/// index and two of weight (0..255), for the four strongest categories. Fits Telegram's 64 bytes.
pub fn encode_more(e: &Emotion, offset: usize) -> String {
    encode(e, offset, false)
}

/// Button data for "Cheer me up" and its further pages: as [`encode_more`], prefixed `l:`.
pub fn encode_lift(e: &Emotion, offset: usize) -> String {
    encode(e, offset, true)
}

fn encode(e: &Emotion, offset: usize, lift: bool) -> String {
    let mut s = format!("{}:{offset}:", if lift { 'l' } else { 'm' });
    for (c, w) in e.top(4, 0.01) {
        s.push_str(&format!(
            "{:02x}{:02x}",
            c.index(),
            (w * 255.0).round().clamp(1.0, 255.0) as u8
        ));
    }
    s
}

/// The mood as a button will carry it: the first page is ranked from this, so that the pages
/// "More like this" asks for later come from the very same ranking and never repeat a song.
pub fn canonical(e: &Emotion) -> Emotion {
    decode_more(&encode_more(e, 0))
        .map(|p| p.emotion)
        .unwrap_or(*e)
}

/// Reads [`encode_more`] and [`encode_lift`] data back; `None` for anything malformed.
pub fn decode_more(data: &str) -> Option<Press> {
    let mut parts = data.splitn(3, ':');
    let lift = match parts.next()? {
        "m" => false,
        "l" => true,
        _ => return None,
    };
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
    Some(Press {
        emotion: Emotion(v),
        offset,
        lift,
    })
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
        let back = decode_more(&data).unwrap();
        assert_eq!((back.offset, back.lift), (10, false));
        assert!(back.emotion.distance(&e) < 0.01, "{back:?}");
        let lift = decode_more(&encode_lift(&e, 20)).unwrap();
        assert_eq!((lift.offset, lift.lift), (20, true));
        assert_eq!(lift.emotion, back.emotion);
        for junk in [
            "",
            "m",
            "m:1:",
            "m:x:0880",
            "m:1:zz80",
            "m:1:1580",
            "x:1:0880",
            "L:1:0880",
            "m:1:088",
            "m:100000:0880",
        ] {
            assert!(decode_more(junk).is_none(), "{junk}");
        }
    }
}
