//! The canonical form of an indexed vector, and the collapse of vectors no index can tell apart.

use crate::emotion::DIM;

/// Below this a mood coordinate is indistinguishable from zero, so [`dedup`] flushes it.
///
/// Why: moods are softmax outputs, and a clear score lead drives the other categories to 1e-20 ..
/// 1e-38. Squared f32 distances between such vectors underflow to exactly 0, so tens of thousands
/// of *distinct* vectors sat at distance 0 from one another (a quarter of a million-track catalog
/// had such twins, 40,000 at a time): a graph cannot order them, links them by node id, and a
/// search that enters the blob fills its beam with equal distances and stalls (recall@10 0.964
/// at 1M). Flushing moves any distance by at most `sqrt(21) * 1e-7 = 4.6e-7`, under the 1e-6 that
/// [`recall_at_k`](crate::index::recall_at_k) treats as a tie, so an exact scan over the flushed vectors still has recall 1.0
/// against one over the raw vectors; and a mood's "1e-20 of anger" carries no meaning anyway.
pub const RESOLUTION: f32 = 1e-7;

/// A vector as the index keeps it: coordinates below [`RESOLUTION`] (and negative zero) become 0.
pub fn canonical(v: &[f32; DIM]) -> [f32; DIM] {
    v.map(|x| if x.abs() < RESOLUTION { 0.0 } else { x })
}

/// Collapses vectors the index cannot tell apart: catalogs label many tracks alike (26,932 demo
/// tracks have only 2,666 distinct vectors), and HNSW graphs build slowly and search badly over
/// duplicates. Vectors are compared in their [`canonical`] form, which is also what is returned:
/// the distinct canonical vectors and, for each, the positions of the input vectors that map to
/// it, in input order.
pub fn dedup(vectors: &[[f32; DIM]]) -> (Vec<[f32; DIM]>, Vec<Vec<u32>>) {
    let mut by_bits: std::collections::HashMap<[u32; DIM], usize> =
        std::collections::HashMap::new();
    let mut unique = Vec::new();
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for (i, v) in vectors.iter().enumerate() {
        let v = canonical(v);
        let key = v.map(f32::to_bits);
        let g = *by_bits.entry(key).or_insert_with(|| {
            unique.push(v);
            groups.push(Vec::new());
            unique.len() - 1
        });
        groups[g].push(i as u32);
    }
    (unique, groups)
}

/// The distinct vectors bit for bit, before any flush, in first-seen order: the moods a catalog
/// really holds, from which the benches draw their queries (drawing from [`dedup`]'s output
/// would weigh the near-identical clusters it merges less than the catalog does).
pub fn bitwise_distinct(vectors: &[[f32; DIM]]) -> Vec<[f32; DIM]> {
    let mut seen = std::collections::HashSet::new();
    vectors
        .iter()
        .filter(|v| seen.insert(v.map(f32::to_bits)))
        .copied()
        .collect()
}
