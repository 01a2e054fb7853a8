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
/// distance to every hub (about a microsecond: the coordinates are stored in blocks of
/// [`LANES`] hubs, dimension by dimension, so the distances of a block are computed side by side
/// in registers) and the nearest few join the beam. They are a function of the vectors alone,
/// so a snapshot need not store them.
#[derive(Debug, Clone, Default)]
pub(super) struct Hubs {
    pub(super) nodes: Vec<u32>,
    /// `coords[(b * DIM + d) * LANES + l]`: coordinate `d` of hub `b * LANES + l`; the last block
    /// is padded with hubs too far away to ever be chosen.
    pub(super) coords: Vec<f32>,
}

/// Hubs per block of `Hubs::coords`: two SSE registers, or one AVX register, of distances.
const LANES: usize = 8;

/// Dimensions summed between checks of whether a block can still hold a hub within reach.
const PART: usize = 7;

/// Coordinate of the padding hubs, far from every mood (and skipped by index anyway).
const FAR: f32 = 1e6;

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
        let mut coords = vec![FAR; count.div_ceil(LANES) * DIM * LANES];
        for (h, &node) in nodes.iter().enumerate() {
            let (b, l) = (h / LANES, h % LANES);
            for d in 0..DIM {
                coords[(b * DIM + d) * LANES + l] = vectors[node as usize][d];
            }
        }
        Hubs { nodes, coords }
    }

    /// The `seeds` hubs nearest `q` (unordered) whose squared distance is at most `within`.
    pub(super) fn nearest(&self, q: &[f32; DIM], seeds: usize, within: f32) -> Vec<u32> {
        if self.nodes.is_empty() || seeds == 0 {
            return Vec::new();
        }
        let mut best: Vec<(f32, u32)> = Vec::with_capacity(seeds + 1);
        for (b, block) in self.coords.chunks_exact(DIM * LANES).enumerate() {
            let mut acc = [0.0f32; LANES];
            // A third of the dimensions at a time; a block whose partial distances are all
            // beyond `within` already is left (on moods without clusters, nearly every block).
            for (cols, qs) in block.chunks(PART * LANES).zip(q.chunks(PART)) {
                for (col, &qd) in cols.chunks_exact(LANES).zip(qs) {
                    for (a, &x) in acc.iter_mut().zip(col) {
                        let t = x - qd;
                        *a += t * t;
                    }
                }
                if acc.iter().all(|a| *a > within) {
                    break;
                }
            }
            for (l, &dist) in acc.iter().enumerate() {
                let h = b * LANES + l;
                if dist <= within && h < self.nodes.len() {
                    keep_best(&mut best, seeds, dist, h as u32);
                }
            }
        }
        best.into_iter().map(|b| self.nodes[b.1 as usize]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocked scan finds what a plain scan over the hubs finds: the nearest `seeds` within
    /// reach, whatever the hub count modulo the block size (padding never answers).
    #[test]
    fn blocked_scan_matches_a_plain_scan() {
        let vs = crate::index::tests::random_vectors(3_000, 11);
        let queries = crate::index::tests::random_vectors(50, 12);
        for max in [1, 7, 8, 9, 61, 300] {
            let hubs = Hubs::choose(&vs, max);
            for q in &queries {
                let mut all: Vec<(f32, u32)> = hubs
                    .nodes
                    .iter()
                    .map(|&n| (squared(q, &vs[n as usize]), n))
                    .collect();
                all.sort_by(|a, b| a.0.total_cmp(&b.0));
                // Reaches between two hubs' distances (the sums may round apart at a hub's own).
                let mid = all.len() / 2;
                let between = match all.get(mid + 1) {
                    Some(next) => (all[mid].0 + next.0) / 2.0,
                    None => all[mid].0 * 1.01,
                };
                for within in [f32::MAX, between, all[0].0 * 0.5] {
                    let mut want: Vec<u32> = all
                        .iter()
                        .filter(|a| a.0 <= within)
                        .take(5)
                        .map(|a| a.1)
                        .collect();
                    let mut got = hubs.nearest(q, 5, within);
                    got.sort_unstable();
                    want.sort_unstable();
                    assert_eq!(got, want, "{} hubs, within {within}", hubs.nodes.len());
                }
            }
        }
    }
}
