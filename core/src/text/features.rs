//! What the class model reads of a text: a few dense lexicon features and the sparse surface of
//! the text itself (character n-grams, and English words with their negation scope).
//!
//! Why both: the lexicon knows words nobody typed in the training posts, the surface knows what
//! no lexicon lists (Weibo's 呵呵 is rarely joy, 不开心 is not 开心, "not happy at all" is not
//! "happy"). Sparse features are hashed strings (`c` + characters, `w` + word, `b` + word pair),
//! so a model file stores readable names and a lookup allocates nothing.

use crate::emotion::{Category, DIM};
use crate::text::analysis::TextAnalysis;
use crate::text::script::is_cjk_ideograph;

/// Number of dense features per text.
pub const FEATURES: usize = DIM + 7 + 7 + 7 + 7;

/// Longest text whose surface is read (a chat message is far shorter; this bounds the work).
const MAX_CHARS: usize = 2_000;

/// Longest character n-gram.
const MAX_N: usize = 3;

/// Words after an English negator that are read as negated ("not [very happy]").
const NEGATION_SCOPE: usize = 3;

/// The dense feature vector of a text: what the lexicon found (per category and per main class),
/// what the emoticons said, what was negated, and surface cues. Every feature is bounded (log-scaled counts).
pub fn dense(analysis: &TextAnalysis, text: &str) -> [f32; FEATURES] {
    let mut f = [0.0f32; FEATURES];
    let scores = &analysis.scores;
    for c in Category::ALL {
        f[c.index()] = scores.0[c.index()].max(0.0).ln_1p();
    }
    let mut i = DIM;
    if let Some(e) = scores.finish() {
        let shares = e.main_class_shares();
        f[i..i + 7].copy_from_slice(&shares);
    }
    i += 7;
    let symbols = analysis.symbols.main_class_totals();
    for (k, v) in symbols.iter().enumerate() {
        f[i + k] = v.ln_1p();
    }
    i += 7;
    let negated = analysis.negated.main_class_totals();
    for (k, v) in negated.iter().enumerate() {
        f[i + k] = v.ln_1p();
    }
    i += 7;
    let count = |pred: &dyn Fn(char) -> bool| text.chars().filter(|c| pred(*c)).count() as f32;
    let chars = text.chars().count() as f32;
    f[i] = if scores.is_empty() { 1.0 } else { 0.0 };
    f[i + 1] = scores.total().ln_1p();
    f[i + 2] = count(&|c| c == '!' || c == '！').ln_1p();
    f[i + 3] = count(&|c| c == '?' || c == '？').ln_1p();
    f[i + 4] = chars.ln_1p() / 5.0;
    f[i + 5] = (analysis.hits.iter().filter(|h| h.weight < 0.5).count() as f32).ln_1p();
    f[i + 6] = (analysis.hits.len() as f32).ln_1p();
    f
}

/// The key of a sparse feature's name (FNV-1a, 64 bits: no collisions among a model's names).
pub fn key(name: &str) -> u64 {
    extend(0xcbf29ce484222325, name.as_bytes())
}

/// FNV-1a continued over more bytes: the key of a name followed by `bytes`.
fn extend(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// Distinct sparse feature keys of a text, in the order first met: the same keys as
/// [`named_grams`], computed without building a name per character n-gram (FNV-1a runs byte by
/// byte, so the key of "c" + 3 characters extends the key of "c" + 2).
pub fn grams(text: &str) -> Vec<u64> {
    let chars = surface(text);
    let mut out = Vec::with_capacity(chars.len() * MAX_N + 8);
    let start = key("c");
    for i in 0..chars.len() {
        let mut h = start;
        let mut blank = true;
        for c in chars.iter().skip(i).take(MAX_N) {
            h = extend(h, c.encode_utf8(&mut [0u8; 4]).as_bytes());
            blank &= *c == ' ';
            if !blank {
                out.push(h);
            }
        }
    }
    if let Some(from) = contrast_start(&chars) {
        let start = key("d");
        for i in from..chars.len() {
            let mut h = start;
            for c in chars[i..].iter().take(CONTRAST_N) {
                h = extend(h, c.encode_utf8(&mut [0u8; 4]).as_bytes());
                if *c != ' ' {
                    out.push(h);
                }
            }
        }
    }
    visit_words(&chars, |name| out.push(key(name)));
    keep_first(&mut out);
    out
}

/// Drops every key already seen, keeping the order of first sight: an open-addressing table
/// does in a few instructions a key what sorting did in ten times as many (sorting was a tenth
/// of reading a post). The table is the thread's own and all zero between calls.
fn keep_first(keys: &mut Vec<u64>) {
    thread_local! {
        static TABLE: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let size = (keys.len() * 2).next_power_of_two().max(16);
    let mask = size - 1;
    let slot = |k: u64| (k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as usize & mask;
    TABLE.with_borrow_mut(|table| {
        if table.len() < size {
            table.resize(size, 0);
        }
        // Slot value 0 means empty; a key of 0 (never an FNV-1a of our names, but possible) is
        // tracked apart.
        let mut zero_seen = false;
        keys.retain(|&k| {
            if k == 0 {
                return !std::mem::replace(&mut zero_seen, true);
            }
            let mut i = slot(k);
            loop {
                match table[i] {
                    0 => {
                        table[i] = k;
                        return true;
                    }
                    t if t == k => return false,
                    _ => i = (i + 1) & mask,
                }
            }
        });
        // Emptied in reverse order of insertion, so that each key's probe path is still
        // occupied when it is looked for.
        for &k in keys.iter().rev().filter(|k| **k != 0) {
            let mut i = slot(k);
            while table[i] != k {
                i = (i + 1) & mask;
            }
            table[i] = 0;
        }
    });
}

/// Longest character n-gram read again after a contrast.
const CONTRAST_N: usize = 2;

/// Where the part of a text after its last contrast begins ("有点期待 但更多是害怕", "嘴上嫌弃
/// 其实超喜欢", "tired but so happy"): what follows 但 or "but" is usually what the writer
/// means, so its characters are read a second time as features of their own (`d` + 1-2
/// characters, whose n-grams ending in a space are not kept).
fn contrast_start(chars: &[char]) -> Option<usize> {
    // From the end: the last contrast is the first one met.
    (0..chars.len())
        .rev()
        .find_map(|i| {
            let rest = &chars[i..];
            let m = CONTRASTS.iter().find(|m| {
                let m: &[char] = m;
                rest.starts_with(m)
                    && (m[0] > '\u{7f}'
                        || (i
                            .checked_sub(1)
                            .is_none_or(|j| !chars[j].is_ascii_alphanumeric())
                            && rest.get(m.len()).is_none_or(|c| !c.is_ascii_alphanumeric())))
            })?;
            Some(i + m.len())
        })
        .filter(|s| *s < chars.len())
}

/// Words that turn a sentence: Chinese anywhere, English as whole words.
const CONTRASTS: &[&[char]] = &[
    &['但'],
    &['可', '是'],
    &['不', '过'],
    &['其', '实'],
    &['却'],
    &['然', '而'],
    &['b', 'u', 't'],
    &['h', 'o', 'w', 'e', 'v', 'e', 'r'],
];

/// The sparse features of a text by name, for a fit to store what it kept.
pub fn named_grams(text: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let chars = surface(text);
    let mut name = String::new();
    for n in 1..=MAX_N {
        for w in chars.windows(n) {
            if w.iter().all(|c| *c == ' ') {
                continue;
            }
            name.clear();
            name.push('c');
            name.extend(w.iter());
            out.push((key(&name), name.clone()));
        }
    }
    if let Some(from) = contrast_start(&chars) {
        for n in 1..=CONTRAST_N {
            for w in chars[from..].windows(n) {
                if w.last() == Some(&' ') {
                    continue;
                }
                name.clear();
                name.push('d');
                name.extend(w.iter());
                out.push((key(&name), name.clone()));
            }
        }
    }
    visit_words(&chars, |name| out.push((key(name), name.to_string())));
    out.sort_unstable();
    out.dedup();
    out
}

const FNV_PRIME: u64 = 0x100000001b3;

/// A map keyed by feature keys, which are hashes already: it does not hash them again.
pub(crate) type KeyMap<V> =
    std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// A hasher for keys that are hashes already: it passes the `u64` through.
#[derive(Debug, Default)]
pub(crate) struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ *b as u64;
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// The characters a surface is read from: lower case, runs of white space as one space, at most
/// [`MAX_CHARS`] of the text.
fn surface(text: &str) -> Vec<char> {
    let mut chars: Vec<char> = Vec::with_capacity(text.len().min(MAX_CHARS));
    for c in text.chars().take(MAX_CHARS) {
        // Nearly every character of a Chinese post: no case, not white space, and Unicode's
        // tables are slow to say so.
        if is_cjk_ideograph(c) {
            chars.push(c);
            continue;
        }
        let c = if c.is_whitespace() { ' ' } else { c };
        if c == ' ' && chars.last() == Some(&' ') {
            continue;
        }
        if c.is_ascii() {
            chars.push(c.to_ascii_lowercase());
        } else {
            chars.extend(c.to_lowercase());
        }
    }
    chars
}

const NEGATORS: &[&str] = &[
    "not", "no", "never", "nothing", "nobody", "nowhere", "neither", "nor", "cannot", "without",
    "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant", "couldnt", "wont",
    "wouldnt", "shouldnt", "aint", "hasnt", "havent", "hadnt", "hardly", "barely",
];

/// The decimal digits of `n`, written into `buf` (a name per word must not allocate).
fn itoa(mut n: u16, buf: &mut [u8; 5]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

/// Calls `f` with the name of every English word feature of a surface (with repeats): the word
/// (`w`), its pair with the word before (`b`), and the word's fine and coarse meaning clusters
/// (`k`, `K`; [`crate::text::clusters`]), each marked `not_` inside a negation's scope.
fn visit_words(chars: &[char], mut f: impl FnMut(&str)) {
    let mut name = String::new();
    // English words: lower-case Latin runs (apostrophes dropped: "don't" -> "dont"); a negator
    // marks the next few words until punctuation; unigrams and bigrams.
    let mut words: Vec<String> = Vec::new();
    let mut scope = 0usize;
    let mut word = String::new();
    let flush = |word: &mut String, words: &mut Vec<String>, scope: &mut usize| {
        if word.is_empty() {
            return;
        }
        let negator = NEGATORS.contains(&word.as_str());
        let w = if *scope > 0 && !negator {
            *scope -= 1;
            format!("not_{word}")
        } else {
            word.clone()
        };
        if negator {
            *scope = NEGATION_SCOPE;
        }
        words.push(w);
        word.clear();
    };
    for &c in chars {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else if c == '\'' || c == '’' {
            continue;
        } else {
            flush(&mut word, &mut words, &mut scope);
            if matches!(
                c,
                '.' | ',' | '!' | '?' | ';' | ':' | '，' | '。' | '！' | '？'
            ) {
                scope = 0;
                words.push(c.to_string());
            } else if !c.is_ascii() && !c.is_whitespace() {
                scope = 0; // a Chinese character between English words ends the phrase
                if words.last().is_some_and(|w| !w.is_empty()) {
                    words.push(String::new());
                }
            }
        }
    }
    flush(&mut word, &mut words, &mut scope);
    let is_word = |w: &str| w.bytes().any(|b| b.is_ascii_alphabetic());
    for (i, w) in words.iter().enumerate() {
        if !is_word(w) {
            continue;
        }
        name.clear();
        name.push('w');
        name.push_str(w);
        f(&name);
        let (negated, plain) = match w.strip_prefix("not_") {
            Some(p) => ("not_", p),
            None => ("", w.as_str()),
        };
        if let Some((fine, coarse)) = crate::text::clusters::of(plain) {
            for (tag, id) in [('k', fine), ('K', coarse)] {
                name.clear();
                name.push(tag);
                name.push_str(negated);
                name.push_str(itoa(id, &mut [0u8; 5]));
                f(&name);
            }
        }
        if let Some(prev) = i.checked_sub(1).map(|j| &words[j]) {
            if is_word(prev) || prev == "!" || prev == "?" {
                name.clear();
                name.push('b');
                name.push_str(prev);
                name.push(' ');
                name.push_str(w);
                f(&name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        named_grams(text).into_iter().map(|(_, n)| n).collect()
    }

    #[test]
    fn characters_and_words_with_their_negation() {
        let n = names("不开心");
        for want in ["c不", "c不开", "c不开心", "c开心"] {
            assert!(n.iter().any(|x| x == want), "{want} in {n:?}");
        }
        let n = names("I'm NOT happy at all. Great day");
        for want in [
            "wnot",
            "wnot_happy",
            "wnot_at",
            "bnot not_happy",
            "wgreat",
            "bgreat day",
        ] {
            assert!(n.iter().any(|x| x == want), "{want} in {n:?}");
        }
        // The full stop ends the scope; "don't" is a negator too.
        assert!(!n.iter().any(|x| x == "wnot_great"));
        assert!(names("don't like it").iter().any(|x| x == "wnot_like"));
        assert!(grams("").is_empty());
        // A word's meaning clusters, negated with it: "robbery" shares "stolen"'s fine cluster.
        let cluster = |w: &str| crate::text::clusters::of(w).expect("in the table");
        let (fine, coarse) = cluster("stolen");
        let n = names("a robbery, not stolen");
        for want in [
            format!("k{}", cluster("robbery").0),
            format!("knot_{fine}"),
            format!("Knot_{coarse}"),
        ] {
            assert!(n.contains(&want), "{want} in {n:?}");
        }
        // After the last contrast, characters are read again; "butter" turns nothing.
        let n = names("有点期待 但更多是害怕");
        assert!(
            n.iter().any(|x| x == "d害怕") && !n.iter().any(|x| x == "d期待"),
            "{n:?}"
        );
        assert!(names("tired but so happy").iter().any(|x| x == "dha"));
        assert!(!names("peanut butter").iter().any(|x| x.starts_with('d')));
        assert_eq!(grams("Aa"), grams("aA"));
        assert_eq!(grams("哈哈哈哈").len(), 3, "哈, 哈哈, 哈哈哈: each once");
        // The fast keys are the keys of the names, whatever the text.
        for text in [
            "今天 so happy",
            "  I'm NOT   happy!! 😭😭 [哭]  ",
            "İSTANBUL ǅ ﬁ don't",
            " ",
            "a",
            "不开心。。。",
            "有点期待 但更多是害怕",
            "tired but so happy, but",
            "butter 可是",
            "哈哈哈哈哈哈哈哈 haha haha haha",
            "a robbery, not stolen",
        ] {
            let named: Vec<u64> = named_grams(text).iter().map(|g| g.0).collect();
            let mut fast = grams(text);
            fast.sort_unstable();
            // Sorted, they are the same set, each key once.
            assert_eq!(fast, named, "{text:?}");
        }
    }
}
