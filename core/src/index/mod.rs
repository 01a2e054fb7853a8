//! Nearest-neighbour search over track emotion vectors.
//!
//! Everything sits behind [`VectorIndex`] (this file) so that implementations can be measured
//! side by side, each in its own file: [`ExactIndex`] scans every vector (the oracle for recall,
//! and good enough for small catalogs), [`HnswIndex`] is instant-distance's HNSW, [`GraphIndex`]
//! is moodtune's own flat-array HNSW (the default). All return slots (positions in the vector list
//! the index was built from); the caller maps slots to track ids. An index that can be kept on
//! disk offers [`Persist`]; `snapshot` is the file format.
//!
//! Invariant: indexes hold [`dedup`]'s output only — vectors in canonical form and each one once.
//! This room knows vectors and slots, never tracks, the database or text.

pub mod dedup;
pub mod exact;
pub mod graph;
pub mod hnsw;
pub mod persist;
pub mod snapshot;

pub use dedup::{bitwise_distinct, canonical, dedup, RESOLUTION};
pub use exact::ExactIndex;
pub use graph::{GraphIndex, GraphParams};
pub use hnsw::{HnswIndex, HnswParams};
pub use persist::{Persist, SnapshotError};

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
    /// This index's snapshot support, for the kinds that can be kept on disk between runs.
    fn persist(&self) -> Option<&dyn Persist> {
        None
    }
}

/// Euclidean distance, as [`Neighbour::distance`] reports it (for re-measuring found neighbours).
pub fn distance(a: &[f32; DIM], b: &[f32; DIM]) -> f32 {
    squared(a, b).sqrt()
}

/// Squared Euclidean distance: the one distance every index here compares by.
///
/// Summed in four lanes (coordinates i, i+4, i+8, ...) and then across them as
/// `(l0 + l1) + (l2 + l3) + last`: on x86-64 with SSE2 (part of the architecture, so no runtime
/// check), elsewhere in portable code that sums in the same order, so both give the same bits.
/// Distances are most of what a search or a build does; the compiler left the portable loop
/// scalar (21 `mulss` per distance in a profile of the graph's search).
#[inline]
pub(crate) fn squared(a: &[f32; DIM], b: &[f32; DIM]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        squared_sse2(a, b)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        squared_portable(a, b)
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn squared_sse2(a: &[f32; DIM], b: &[f32; DIM]) -> f32 {
    use std::arch::x86_64::*;
    const CHUNKS: usize = DIM / 4;
    // SAFETY: SSE2 is part of x86-64; each unaligned load reads floats 4c..4c+4 with
    // c < DIM / 4, inside both 21-float arrays.
    unsafe {
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut acc = _mm_setzero_ps();
        for c in 0..CHUNKS {
            let d = _mm_sub_ps(_mm_loadu_ps(pa.add(4 * c)), _mm_loadu_ps(pb.add(4 * c)));
            acc = _mm_add_ps(acc, _mm_mul_ps(d, d));
        }
        // [l0 + l1, _, l2 + l3, _], then (l0 + l1) + (l2 + l3).
        let pairs = _mm_add_ps(acc, _mm_shuffle_ps(acc, acc, 0b10_11_00_01));
        let total = _mm_add_ss(pairs, _mm_movehl_ps(pairs, pairs));
        let mut rest = 0.0;
        for i in CHUNKS * 4..DIM {
            let d = a[i] - b[i];
            rest += d * d;
        }
        _mm_cvtss_f32(total) + rest
    }
}

#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline]
fn squared_portable(a: &[f32; DIM], b: &[f32; DIM]) -> f32 {
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
    fn the_simd_distance_is_the_portable_one_bit_for_bit() {
        let vs = random_vectors(500, 21);
        for w in vs.windows(2) {
            assert_eq!(
                squared(&w[0], &w[1]).to_bits(),
                squared_portable(&w[0], &w[1]).to_bits()
            );
        }
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
