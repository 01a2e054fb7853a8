//! The exact scan: every vector measured, the oracle every other index is checked against.

use crate::emotion::{Emotion, DIM};
use crate::index::{keep_best, squared, Neighbour, VectorIndex};

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
