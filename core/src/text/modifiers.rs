//! The words that change the words after them: negators (不, 没, not) and degree adverbs (非常,
//! 有点, very), with the weights the tuned analyser gives them. A table, so that adding a word is
//! one line and the analyser's code stays about reading.

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
    "can't",
    "cannot",
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
