//! English words grouped by meaning (`core/data/word-clusters-en.tsv`, made by
//! `tools/word_clusters.py` from a sentence encoder's view of each word alone).
//!
//! Why: a class model fitted on 40k Reddit comments has met "stolen" beside anger but never
//! "robbery"; both are in one cluster, and the cluster is a feature of its own, so what the
//! model learnt of one word reaches the words it never saw in training. Two levels: a fine cluster
//! (about 26 words) and the coarse one it belongs to (about 140).

use std::collections::HashMap;
use std::sync::LazyLock;

/// The embedded table: `word<TAB>fine<TAB>coarse`, `#` lines are comments.
const EMBEDDED: &str = include_str!("../../data/word-clusters-en.tsv");

/// Word -> (fine, coarse); the words are borrowed from the embedded table.
static TABLE: LazyLock<HashMap<&'static str, (u16, u16)>> = LazyLock::new(|| {
    let mut t = HashMap::with_capacity(30_000);
    for line in EMBEDDED.lines().filter(|l| !l.starts_with('#')) {
        let mut parts = line.split('\t');
        let (Some(w), Some(f), Some(c)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if let (Ok(f), Ok(c)) = (f.parse(), c.parse()) {
            t.insert(w, (f, c));
        }
    }
    t
});

/// The clusters of a lower-case English word (apostrophes already dropped), if the table has it.
pub fn of(word: &str) -> Option<(u16, u16)> {
    TABLE.get(word).copied()
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_of_one_meaning_share_a_cluster() {
        let (robbery, _) = super::of("robbery").expect("robbery is in the table");
        assert_eq!(super::of("stolen").map(|c| c.0), Some(robbery));
        assert_ne!(super::of("happy").map(|c| c.0), Some(robbery));
        assert_eq!(super::of("zzqxv"), None);
    }
}
