//! The words that change the words after them: negators (不, 没, not) and degree adverbs (非常,
//! 有点, very), with the weights the tuned analyser gives them. A table, so that adding a word is
//! one line and the analyser's code stays about reading.

use std::borrow::Cow;

use crate::text::script::is_letter;

/// A negated emotion word keeps this share of its weight ("不开心" is not joy, but not its
/// opposite either: flipping polarity measured worse than damping).
pub(crate) const NEGATION_DAMP: f32 = 0.2;
/// A negated word of joy or fondness (不开心, not happy) adds this share of its weight to
/// disappointment (失望), and a negated word of a negative class (不难过) this share to ease (安心):
/// in everyday messages a negated feeling means its opposite, mildly.
pub(crate) const NEGATION_FLIP: f32 = 0.5;
/// How many tokens before an emotion word a negator or degree adverb may stand.
pub(crate) const MODIFIER_WINDOW: usize = 3;

pub(crate) const NEGATORS: &[&str] = &[
    "不",
    "没",
    "没有",
    "别",
    "未",
    "无",
    "非",
    "不是",
    "不太",
    "不会",
    "不要",
    "不用",
    "从不",
    "并不",
    "毫不",
    "绝不",
    "从没",
    "不怎么",
    "一点也不",
    "一点都不",
    "not",
    "no",
    "never",
    "don't",
    "dont",
    "didn't",
    "doesn't",
    "isn't",
    "wasn't",
    "aren't",
    "weren't",
    "can't",
    "cannot",
    "couldn't",
    "won't",
    "wouldn't",
    "shouldn't",
    "haven't",
    "hasn't",
    "hadn't",
    "ain't",
    "nothing",
    "hardly",
    "barely",
];

pub(crate) const DEGREES: &[(&str, f32)] = &[
    ("极", 2.0),
    ("极其", 2.0),
    ("极度", 2.0),
    ("非常", 2.0),
    ("十分", 2.0),
    ("特别", 2.0),
    ("超", 2.0),
    ("超级", 2.0),
    ("太", 2.0),
    ("最", 2.0),
    ("万分", 2.0),
    ("格外", 1.8),
    ("真", 1.5),
    ("真的", 1.5),
    ("好", 1.5),
    ("很", 1.5),
    ("挺", 1.3),
    ("蛮", 1.3),
    ("比较", 1.2),
    ("有点", 0.6),
    ("有点儿", 0.6),
    ("有些", 0.6),
    ("稍微", 0.5),
    ("稍", 0.5),
    ("略", 0.5),
    ("略微", 0.5),
    ("一点", 0.6),
    ("些许", 0.5),
    ("very", 1.5),
    ("so", 1.5),
    ("really", 1.5),
    ("extremely", 2.0),
    ("too", 1.5),
    ("bit", 0.6),
    ("slightly", 0.5),
];

/// Whether a token is punctuation or a symbol: a clause boundary no modifier reaches across.
pub(crate) fn is_boundary(token: &str) -> bool {
    token.chars().all(|c| !(is_letter(c) || c.is_numeric()))
}

/// The words of a segmented text as the lexicon reads them: white space after an English word
/// dropped (it must not use up a negator's window: "don't really like"), and English contractions, which jieba cuts at the
/// apostrophe, put back together. A negative one is one word ("haven't", read as a negator, not as
/// NRC's "haven"); of the others ("I'm", "neighbor's") the stem stays and the ending goes.
pub(crate) fn lexicon_words<'a>(tokens: &[&'a str]) -> Vec<Cow<'a, str>> {
    let latin = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphabetic());
    let mut out: Vec<Cow<'a, str>> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let tok = tokens[i].trim();
        i += 1;
        if tok.is_empty() {
            // Between Chinese words a space still takes a place (it often parts two clauses).
            if !out.last().is_some_and(|w| w.is_ascii() && !is_boundary(w)) {
                out.push(Cow::Borrowed(""));
            }
            continue;
        }
        if latin(tok)
            && matches!(tokens.get(i), Some(&"'") | Some(&"\u{2019}"))
            && tokens.get(i + 1).is_some_and(|w| latin(w))
        {
            let ending = tokens[i + 1];
            i += 2;
            if ending.eq_ignore_ascii_case("t") {
                out.push(Cow::Owned(format!("{tok}'t")));
                continue;
            }
        }
        out.push(Cow::Borrowed(tok));
    }
    out
}
