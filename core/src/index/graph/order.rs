//! Node numbering for the memory: after a build, nodes are renumbered in breadth-first order of
//! layer 0, so the neighbours a search measures next to one another mostly sit next to one
//! another in the vector and link arrays.
//!
//! Why: at a million nodes every neighbour's vector is a cache miss. Numbered in insertion
//! order, a node's sixteen-odd neighbours are scattered over 84 MB of vectors; numbered
//! breadth-first, the neighbours first reached from one node get consecutive numbers, so their
//! vectors share cache lines and pages and the hardware prefetcher streams them. The caller's
//! slots are kept in `GraphIndex::slots`, and searches answer with them.

use crate::index::graph::hubs::Hubs;
use crate::index::graph::{GraphIndex, NONE};

impl GraphIndex {
    /// Renumbers the nodes breadth-first over layer 0 from the entry point (nodes it cannot
    /// reach follow in their old order); the graph stays the same graph.
    pub(super) fn renumber(&mut self) {
        let n = self.vectors.len();
        if n == 0 || self.entry == NONE {
            return;
        }
        // order[new] = old; new_of[old] = new.
        let mut new_of = vec![NONE; n];
        let mut order: Vec<u32> = Vec::with_capacity(n);
        let visit = |node: u32, order: &mut Vec<u32>, new_of: &mut [u32]| {
            if new_of[node as usize] == NONE {
                new_of[node as usize] = order.len() as u32;
                order.push(node);
            }
        };
        let mut head = 0;
        for root in std::iter::once(self.entry).chain(0..n as u32) {
            visit(root, &mut order, &mut new_of);
            while head < order.len() {
                let node = order[head];
                head += 1;
                for &next in self.links(node, 0) {
                    if next == NONE {
                        break;
                    }
                    visit(next, &mut order, &mut new_of);
                }
            }
            if order.len() == n {
                break;
            }
        }
        let map = |l: u32| if l == NONE { NONE } else { new_of[l as usize] };
        // Upper layers (a few percent of the nodes) are written anew; the big arrays are moved
        // in place, one cycle of the permutation at a time, so a renumbering needs no second
        // copy of them (at a million nodes: 84 MB of vectors, 128 MB of layer-0 links).
        let m = self.params.m;
        let mut upper_at = Vec::with_capacity(n);
        let mut upper = Vec::with_capacity(self.upper.len());
        for &old in &order {
            let level = self.levels[old as usize] as usize;
            if level == 0 {
                upper_at.push(NONE);
            } else {
                upper_at.push(upper.len() as u32);
                let at = self.upper_at[old as usize] as usize;
                upper.extend(self.upper[at..at + level * m].iter().map(|l| map(*l)));
            }
        }
        self.upper_at = upper_at;
        self.upper = upper;
        for l in self.layer0.iter_mut() {
            *l = map(*l);
        }
        move_rows(&mut self.layer0, self.m0, &new_of);
        move_rows(&mut self.vectors, 1, &new_of);
        move_rows(&mut self.levels, 1, &new_of);
        self.entry = map(self.entry);
        self.slots = if self.slots.is_empty() {
            order
        } else {
            order.iter().map(|o| self.slots[*o as usize]).collect()
        };
        self.hubs = Hubs::choose(&self.vectors, self.params.hubs);
    }

    /// The caller's slot of `node`.
    #[inline]
    pub(super) fn slot_of(&self, node: u32) -> u32 {
        if self.slots.is_empty() {
            node
        } else {
            self.slots[node as usize]
        }
    }
}

/// Moves row `i` (of `width` items) of `data` to row `new_of[i]`, following each cycle of the
/// permutation with one row held aside.
fn move_rows<T: Copy>(data: &mut [T], width: usize, new_of: &[u32]) {
    let mut placed = vec![false; new_of.len()];
    let mut held: Vec<T> = Vec::with_capacity(width);
    for start in 0..new_of.len() {
        if placed[start] {
            continue;
        }
        held.clear();
        held.extend_from_slice(&data[start * width..(start + 1) * width]);
        let mut from = start;
        loop {
            let to = new_of[from] as usize;
            placed[from] = true;
            if to == start {
                data[to * width..(to + 1) * width].copy_from_slice(&held);
                break;
            }
            // Row `to` is displaced by `held`; it moves on next.
            for k in 0..width {
                std::mem::swap(&mut data[to * width + k], &mut held[k]);
            }
            from = to;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::emotion::Emotion;
    use crate::index::graph::{GraphIndex, GraphParams};
    use crate::index::tests::random_vectors;
    use crate::index::VectorIndex;

    #[test]
    fn rows_move_where_the_permutation_sends_them() {
        // Two cycles (0 -> 2 -> 3 -> 0, 1 <-> 4) and a fixed point (5), rows of two.
        let new_of = [2, 4, 3, 0, 1, 5];
        let mut data: Vec<u32> = (0..12).collect();
        super::move_rows(&mut data, 2, &new_of);
        assert_eq!(data, [6, 7, 8, 9, 0, 1, 4, 5, 2, 3, 10, 11]);
    }

    #[test]
    fn renumbered_graph_answers_the_same_slots() {
        let vs = random_vectors(12_000, 3);
        let plain = GraphIndex::build(vs.clone(), GraphParams::default());
        let mut renumbered = GraphIndex::build(vs, GraphParams::default());
        renumbered.renumber();
        assert!(!renumbered.slots.is_empty());
        // Breadth-first: the entry point is node 0, and its neighbours come right after it.
        assert_eq!(renumbered.entry, 0);
        let first: Vec<u32> = renumbered.links(0, 0).iter().take(3).copied().collect();
        assert_eq!(first, [1, 2, 3]);
        for q in random_vectors(200, 4) {
            let q = Emotion(q);
            assert_eq!(plain.search(&q, 10), renumbered.search(&q, 10));
        }
        // Twice is the same graph again, still answering with the caller's slots.
        renumbered.renumber();
        for q in random_vectors(50, 5) {
            let q = Emotion(q);
            assert_eq!(plain.search(&q, 10), renumbered.search(&q, 10));
        }
    }
}
