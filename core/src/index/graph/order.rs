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
        let m0 = self.m0;
        let m = self.params.m;
        let mut vectors = Vec::with_capacity(n);
        let mut levels = Vec::with_capacity(n);
        let mut layer0 = Vec::with_capacity(n * m0);
        let mut upper_at = Vec::with_capacity(n);
        let mut upper = Vec::with_capacity(self.upper.len());
        for &old in &order {
            let old = old as usize;
            vectors.push(self.vectors[old]);
            let level = self.levels[old];
            levels.push(level);
            layer0.extend(
                self.layer0[old * m0..(old + 1) * m0]
                    .iter()
                    .map(|l| map(*l)),
            );
            if level == 0 {
                upper_at.push(NONE);
            } else {
                upper_at.push(upper.len() as u32);
                let at = self.upper_at[old] as usize;
                upper.extend(
                    self.upper[at..at + level as usize * m]
                        .iter()
                        .map(|l| map(*l)),
                );
            }
        }
        let slots = if self.slots.is_empty() {
            order
        } else {
            order.iter().map(|o| self.slots[*o as usize]).collect()
        };
        self.entry = map(self.entry);
        self.vectors = vectors;
        self.levels = levels;
        self.layer0 = layer0;
        self.upper_at = upper_at;
        self.upper = upper;
        self.slots = slots;
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

#[cfg(test)]
mod tests {
    use crate::emotion::Emotion;
    use crate::index::graph::{GraphIndex, GraphParams};
    use crate::index::tests::random_vectors;
    use crate::index::VectorIndex;

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
