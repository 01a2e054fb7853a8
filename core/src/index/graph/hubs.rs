//! Hubs: one node per occupied cell of a coarse grid, extra starting points for layer 0.

use crate::emotion::DIM;
use crate::index::graph::NONE;
use crate::index::{keep_best, squared};

/// Entry points spread over every occupied region of the mood space, so that a search reaches
/// all the clusters near its query and not only the one the greedy descent fell into.
///
/// Why: labels of real text form tight clusters near the category corners and along a few
/// edges, with empty space between them; a chat message's mood often lies in that space ("happy
/// but a little sad"), and its ten nearest tracks sit in two or three clusters. The descent
/// through the upper layers ends in one of them, and the beam fills with that cluster's members
/// before it finds the others (recall@10 0.978 for real post moods at a million real-like
/// tracks). Hubs are one node per occupied cell of a coarse grid (the member nearest the cell's
/// mean), so a small isolated cluster has a hub just as a giant one has; a query measures its
/// distance to every hub (a few microseconds: the coordinates are stored dimension by dimension,
/// which vectorises) and the nearest few join the beam. They are a function of the vectors alone,
/// so a snapshot need not store them.
#[derive(Debug, Clone, Default)]
pub(super) struct Hubs {
    pub(super) nodes: Vec<u32>,
    /// `coords[d * nodes.len() + h]`: coordinate `d` of hub `h`.
    pub(super) coords: Vec<f32>,
}

impl Hubs {
    /// The hubs of `vectors`: the finest grid (cells of 1/8, 1/4, 1/2 or 1 per coordinate) whose
    /// occupied cells number at most `max`, one hub per cell, in order of first appearance.
    /// Linear in the vectors (a hash per vector and grid), so it runs at every load.
    pub(super) fn choose(vectors: &[[f32; DIM]], max: usize) -> Hubs {
        if max == 0 || vectors.is_empty() {
            return Hubs::default();
        }
        let cell_of = |v: &[f32; DIM], scale: f32| v.map(|x| (x * scale).round() as u8);
        // The finest grid within the cap; when even the coarsest has more cells, its first
        // `max` cells (the vectors of the others simply have no hub of their own).
        let grid = |scale: f32| {
            let mut cells: std::collections::HashMap<[u8; DIM], usize> =
                std::collections::HashMap::new();
            let cell_ids: Vec<usize> = vectors
                .iter()
                .map(|v| {
                    let next = cells.len();
                    *cells.entry(cell_of(v, scale)).or_insert(if next < max {
                        next
                    } else {
                        usize::MAX
                    })
                })
                .collect();
            (cells.len(), cell_ids)
        };
        let (mut occupied, mut cell_ids) = grid(8.0);
        for scale in [4.0f32, 2.0, 1.0] {
            if occupied <= max {
                break;
            }
            (occupied, cell_ids) = grid(scale);
        }
        let count = occupied.min(max);
        let mut sums = vec![[0.0f64; DIM]; count];
        let mut sizes = vec![0usize; count];
        for (v, &c) in vectors
            .iter()
            .zip(&cell_ids)
            .filter(|(_, &c)| c != usize::MAX)
        {
            sizes[c] += 1;
            for d in 0..DIM {
                sums[c][d] += v[d] as f64;
            }
        }
        let means: Vec<[f32; DIM]> = sums
            .iter()
            .zip(&sizes)
            .map(|(s, &n)| s.map(|x| (x / n as f64) as f32))
            .collect();
        let mut best = vec![(f32::MAX, NONE); count];
        for (i, (v, &c)) in vectors.iter().zip(&cell_ids).enumerate() {
            if c == usize::MAX {
                continue;
            }
            let d = squared(v, &means[c]);
            if d < best[c].0 {
                best[c] = (d, i as u32);
            }
        }
        let nodes: Vec<u32> = best.iter().map(|b| b.1).collect();
        let mut coords = vec![0.0f32; DIM * count];
        for (h, &node) in nodes.iter().enumerate() {
            for d in 0..DIM {
                coords[d * count + h] = vectors[node as usize][d];
            }
        }
        Hubs { nodes, coords }
    }

    /// The `seeds` hubs nearest `q` (unordered) whose squared distance is at most `within`,
    /// using `scratch` for the distances.
    pub(super) fn nearest(
        &self,
        q: &[f32; DIM],
        seeds: usize,
        within: f32,
        scratch: &mut Vec<f32>,
    ) -> Vec<u32> {
        let h = self.nodes.len();
        if h == 0 || seeds == 0 {
            return Vec::new();
        }
        scratch.clear();
        scratch.resize(h, 0.0);
        for (col, &qd) in self.coords.chunks_exact(h).zip(q) {
            for (acc, x) in scratch.iter_mut().zip(col) {
                let t = x - qd;
                *acc += t * t;
            }
        }
        let mut best: Vec<(f32, u32)> = Vec::with_capacity(seeds + 1);
        for (i, &dist) in scratch.iter().enumerate() {
            keep_best(&mut best, seeds, dist, i as u32);
        }
        best.into_iter()
            .filter(|b| b.0 <= within)
            .map(|b| self.nodes[b.1 as usize])
            .collect()
    }
}
