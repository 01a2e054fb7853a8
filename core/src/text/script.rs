//! Which script a text is written in: how much of it the English model reads, and a fast test
//! for letters (nearly every character of a Chinese post is a CJK ideograph, and Unicode's
//! table search for `char::is_alphabetic` is slow on them).

/// How much of a text the English model reads: none below 20% Latin letters, all above 80%.
pub fn english_weight(text: &str) -> f32 {
    ((english_share(text) - 0.2) / 0.6).clamp(0.0, 1.0)
}

/// Latin letters among all letters (CJK characters count as letters).
pub(crate) fn english_share(text: &str) -> f32 {
    let (mut latin, mut all) = (0usize, 0usize);
    for c in text.chars().filter(|c| is_letter(*c)) {
        all += 1;
        if c.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    if all == 0 {
        0.0
    } else {
        latin as f32 / all as f32
    }
}

/// `char::is_alphabetic` with the common cases first: Unicode's table search is slow, and
/// nearly every character of a Chinese post is a CJK ideograph.
pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        // Then the punctuation of Chinese text and emoji, which hold no letter.
        let punctuation = matches!(c, '\u{2000}'..='\u{206f}' | '\u{3000}'..='\u{3004}'
            | '\u{3008}'..='\u{3020}' | '\u{ff01}'..='\u{ff20}' | '\u{1f300}'..='\u{1faff}');
        is_cjk_ideograph(c) || (!punctuation && c.is_alphabetic())
    }
}

/// A CJK unified ideograph of the basic block: nearly every character of a Chinese post, with
/// no case and no white space, so callers answer it before Unicode's slow tables.
pub(crate) fn is_cjk_ideograph(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path answers as the standard library does.
    #[test]
    fn letters_as_unicode_says() {
        for c in [
            'a', 'Z', '1', ' ', '!', '中', '龥', 'é', 'Ω', 'あ', '한', '😭', '，', '０',
        ] {
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
        }
        for c in ('\u{2000}'..='\u{3100}')
            .chain('\u{ff00}'..='\u{ff40}')
            .chain('\u{1f300}'..='\u{1fb00}')
        {
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
        }
        assert_eq!(english_weight("今天好开心"), 0.0);
        assert_eq!(english_weight("so happy today"), 1.0);
        assert!(english_weight("今天 so happy") > 0.0);
    }
}
