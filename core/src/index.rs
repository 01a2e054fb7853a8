//! Nearest-neighbour search over track emotion vectors.
//!
//! Everything sits behind [`VectorIndex`] so that implementations can be measured side by side:
//! [`ExactIndex`] scans every vector (the oracle for recall, and good enough for small catalogs),
//! [`HnswIndex`] is instant-distance's HNSW. Both return slots (positions in the vector list the
//! index was built from); the caller maps slots to track ids.

use instant_distance::{Builder, HnswMap, Search};

use crate::emotion::{Emotion, DIM};

/// One neighbour: its slot in the build list and its Euclidean distance to the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Position in the list of vectors the index was built from.
    pub slot: u32,
    /// Euclidean distance to the query.
    pub distance: f32,
}

/// A k-NN index over 21-dim emotion vectors.
pub trait VectorIndex: Send + Sync {
    /// The `k` nearest neighbours of `query`, closest first (fewer if the index is smaller).
    fn search(&self, query: &Emotion, k: usize) -> Vec<Neighbour>;
    /// Number of vectors indexed.
    fn len(&self) -> usize;
    /// Whether the index is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Short name for logs and benchmarks.
    fn name(&self) -> &'static str;
    /// This index as moodtune's own graph, the one kind that can be snapshotted.
    fn as_graph(&self) -> Option<&crate::graph::GraphIndex> {
        None
    }
}

/// A brute-force scan: exact, `O(n)` per query (about 1 ms per 40,000 vectors here).
#[derive(Debug, Clone, Default)]
pub struct ExactIndex {
    vectors: Vec<[f32; DIM]>,
}

impl ExactIndex {
    /// Builds the scan over `vectors` (slot i = `vectors[i]`).
    pub fn new(vectors: Vec<[f32; DIM]>) -> ExactIndex {
        ExactIndex { vectors }
    }
}

/// Euclidean distance, as [`Neighbour::distance`] reports it (for re-measuring found neighbours).
pub fn distance(a: &[f32; DIM], b: &[f32; DIM]) -> f32 {
    squared(a, b).sqrt()
}

/// Squared Euclidean distance: the one distance every index here compares by.
///
/// Summed in four lanes (coordinates i, i+4, i+8, ...) and then across them, so that the
/// compiler keeps the lanes in one SIMD register instead of adding 21 terms one after another;
/// distances are most of what a search or a build does.
#[inline]
pub(crate) fn squared(a: &[f32; DIM], b: &[f32; DIM]) -> f32 {
    const LANES: usize = 4;
    let mut acc = [0.0f32; LANES];
    for c in 0..DIM / LANES {
        for l in 0..LANES {
            let d = a[c * LANES + l] - b[c * LANES + l];
            acc[l] += d * d;
        }
    }
    let mut rest = 0.0;
    for i in DIM / LANES * LANES..DIM {
        let d = a[i] - b[i];
        rest += d * d;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + rest
}

/// Offers `(distance, id)` to `best`, the `k` smallest seen so far in order (ties by id): a
/// small sorted buffer, cheaper than sorting every distance when `k` is small.
#[inline]
pub(crate) fn keep_best(best: &mut Vec<(f32, u32)>, k: usize, d: f32, id: u32) {
    if best.len() == k && d >= best[k - 1].0 {
        return;
    }
    let pos = best.partition_point(|(bd, bi)| (*bd, *bi) <= (d, id));
    best.insert(pos, (d, id));
    best.truncate(k);
}

impl VectorIndex for ExactIndex {
    fn search(&self, query: &Emotion, k: usize) -> Vec<Neighbour> {
        if k == 0 || self.vectors.is_empty() {
            return Vec::new();
        }
        let mut best: Vec<(f32, u32)> = Vec::with_capacity(k + 1);
        for (i, v) in self.vectors.iter().enumerate() {
            keep_best(&mut best, k, squared(&query.0, v), i as u32);
        }
        best.into_iter()
            .map(|(d, slot)| Neighbour {
                slot,
                distance: d.sqrt(),
            })
            .collect()
    }

    fn len(&self) -> usize {
        self.vectors.len()
    }

    fn name(&self) -> &'static str {
        "exact"
    }
}

/// A 21-dim point for instant-distance.
#[derive(Debug, Clone, Copy)]
struct Point([f32; DIM]);

impl instant_distance::Point for Point {
    fn distance(&self, other: &Self) -> f32 {
        squared(&self.0, &other.0).sqrt()
    }
}

/// HNSW parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HnswParams {
    /// Candidate list size while building; higher is slower to build, better recall.
    pub ef_construction: usize,
    /// Candidate list size while searching; also the most results one search can return.
    pub ef_search: usize,
    /// RNG seed, so builds are reproducible.
    pub seed: u64,
}

impl Default for HnswParams {
    fn default() -> Self {
        HnswParams {
            ef_construction: 200,
            ef_search: 100,
            seed: 0x6d6f_6f64,
        }
    }
}

/// instant-distance's HNSW graph (approximate; measured against [`ExactIndex`] in tests).
pub struct HnswIndex {
    map: HnswMap<Point, u32>,
    len: usize,
    ef_search: usize,
}

impl HnswIndex {
    /// Builds the graph; this takes seconds for tens of thousands of vectors, so callers run it
    /// off the request path.
    pub fn build(vectors: &[[f32; DIM]], params: HnswParams) -> HnswIndex {
        let points: Vec<Point> = vectors.iter().map(|v| Point(*v)).collect();
        let slots: Vec<u32> = (0..vectors.len() as u32).collect();
        let map = Builder::default()
            .ef_construction(params.ef_construction)
            .ef_search(params.ef_search)
            .seed(params.seed)
            .build(points, slots);
        HnswIndex {
            map,
            len: vectors.len(),
            ef_search: params.ef_search,
        }
    }

    /// The largest `k` one search can answer.
    pub fn max_k(&self) -> usize {
        self.ef_search
    }
}

impl VectorIndex for HnswIndex {
    fn search(&self, query: &Emotion, k: usize) -> Vec<Neighbour> {
        // One search state per thread: a fresh `Search` allocates and zeroes one visited byte per
        // indexed point on every query (1 MB at a million points, more than the search itself).
        thread_local! {
            static SEARCH: std::cell::RefCell<Search> = std::cell::RefCell::new(Search::default());
        }
        SEARCH.with(|search| {
            self.map
                .search(&Point(query.0), &mut search.borrow_mut())
                .take(k)
                .map(|item| Neighbour {
                    slot: *item.value,
                    distance: item.distance,
                })
                .collect()
        })
    }

    fn len(&self) -> usize {
        self.len
    }

    fn name(&self) -> &'static str {
        "hnsw"
    }
}

/// Below this a mood coordinate is indistinguishable from zero, so [`dedup`] flushes it.
///
/// Why: moods are softmax outputs, and a clear score lead drives the other categories to 1e-20 ..
/// 1e-38. Squared f32 distances between such vectors underflow to exactly 0, so tens of thousands
/// of *distinct* vectors sat at distance 0 from one another (a quarter of a million-track catalog
/// had such twins, 40,000 at a time): a graph cannot order them, links them by node id, and a
/// search that enters the blob fills its beam with equal distances and stalls (recall@10 0.964
/// at 1M). Flushing moves any distance by at most `sqrt(21) * 1e-7 = 4.6e-7`, under the 1e-6 that
/// [`recall_at_k`] treats as a tie, so an exact scan over the flushed vectors still has recall 1.0
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

/// This process's peak resident memory in MB (the kernel's VmHWM), for `moodtune bench` and the
/// bench binaries that report an index's memory; NaN off Linux.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Recall@k of `found` against the exact answer, counting ties: a found neighbour is correct when
/// its distance is no larger than the exact k-th distance (catalogs hold many identical vectors, so
/// comparing slot sets alone would punish a correct answer that picked a different twin).
pub fn recall_at_k(found: &[Neighbour], exact: &[Neighbour]) -> f32 {
    if exact.is_empty() {
        return 1.0;
    }
    let kth = exact.last().map(|n| n.distance).unwrap_or(0.0) + 1e-6;
    let good = found
        .iter()
        .take(exact.len())
        .filter(|n| n.distance <= kth)
        .count();
    good as f32 / exact.len() as f32
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Random sparse-ish moods (`U^4`, normalised), shared by the index tests.
    pub(crate) fn random_vectors(n: usize, seed: u64) -> Vec<[f32; DIM]> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let mut v = [0.0f32; DIM];
                let mut sum = 0.0;
                for x in v.iter_mut() {
                    *x = rng.gen::<f32>().powi(4);
                    sum += *x;
                }
                v.iter_mut().for_each(|x| *x /= sum);
                v
            })
            .collect()
    }

    #[test]
    fn exact_scan_orders_by_distance() {
        let vs = vec![[0.0; DIM], [1.0; DIM], [0.5; DIM]];
        let idx = ExactIndex::new(vs);
        let got = idx.search(&Emotion([0.9; DIM]), 2);
        assert_eq!(got.iter().map(|n| n.slot).collect::<Vec<_>>(), vec![1, 2]);
        assert!(got[0].distance < got[1].distance);
        assert!(idx.search(&Emotion([0.0; DIM]), 0).is_empty());
        assert!(ExactIndex::default()
            .search(&Emotion([0.0; DIM]), 3)
            .is_empty());
    }

    #[test]
    fn hnsw_recall_against_exact_on_random_vectors() {
        let vs = random_vectors(5_000, 7);
        let exact = ExactIndex::new(vs.clone());
        let hnsw = HnswIndex::build(&vs, HnswParams::default());
        let queries = random_vectors(200, 8);
        let mut total = 0.0;
        for q in &queries {
            let q = Emotion(*q);
            total += recall_at_k(&hnsw.search(&q, 10), &exact.search(&q, 10));
        }
        let recall = total / queries.len() as f32;
        assert!(recall >= 0.95, "recall@10 = {recall}");
    }

    #[test]
    fn dedup_groups_identical_vectors_in_order() {
        let a = [0.5; DIM];
        let b = [0.25; DIM];
        let (unique, groups) = dedup(&[a, b, a, a]);
        assert_eq!(unique, vec![a, b]);
        assert_eq!(groups, vec![vec![0, 2, 3], vec![1]]);
    }

    #[test]
    fn dedup_merges_vectors_that_differ_below_the_resolution() {
        // A saturated softmax: the same corner, tails at scales f32 distances cannot resolve.
        let mut a = [0.0; DIM];
        a[3] = 1.0;
        let (mut b, mut c, mut d) = (a, a, a);
        b[7] = 3e-21;
        c[7] = 5e-38;
        c[0] = -0.0;
        d[7] = 2e-6; // above the resolution: a vector of its own
        let (unique, groups) = dedup(&[a, b, c, d]);
        assert_eq!(unique, vec![a, d]);
        assert_eq!(groups, vec![vec![0, 1, 2], vec![3]]);
        assert!(unique[0].iter().all(|x| x.to_bits() != (-0.0f32).to_bits()));
        // Distinct canonical vectors are never at f32 distance 0 from one another.
        assert!(squared(&unique[0], &unique[1]) > 0.0);
        // The flush moves a distance by less than the tie tolerance of recall_at_k.
        let q = [0.05; DIM];
        assert!((squared(&q, &b).sqrt() - squared(&q, &canonical(&b)).sqrt()).abs() < 1e-6);
    }

    #[test]
    fn recall_counts_ties_as_correct() {
        let exact = [
            Neighbour {
                slot: 1,
                distance: 0.5,
            },
            Neighbour {
                slot: 2,
                distance: 0.5,
            },
        ];
        let twin = [
            Neighbour {
                slot: 3,
                distance: 0.5,
            },
            Neighbour {
                slot: 1,
                distance: 0.5,
            },
        ];
        assert_eq!(recall_at_k(&twin, &exact), 1.0);
        let worse = [
            Neighbour {
                slot: 3,
                distance: 0.9,
            },
            Neighbour {
                slot: 1,
                distance: 0.5,
            },
        ];
        assert_eq!(recall_at_k(&worse, &exact), 0.5);
    }
}
