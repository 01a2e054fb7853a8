//! The arrays of a graph, apart and back together, for the snapshot file format.

use crate::emotion::DIM;
use crate::index::graph::hubs::Hubs;
use crate::index::graph::{GraphIndex, GraphParams, NONE};

/// The arrays of a graph, borrowed for writing a snapshot ([`crate::index::snapshot`]).
pub(crate) struct GraphPartsRef<'a> {
    pub vectors: &'a [[f32; DIM]],
    pub params: GraphParams,
    pub m0: usize,
    pub layer0: &'a [u32],
    pub levels: &'a [u8],
    pub upper_at: &'a [u32],
    pub upper: &'a [u32],
    pub entry: u32,
    pub top: usize,
    /// The caller's slot of each node (empty: node = slot).
    pub slots: &'a [u32],
}

/// The arrays of a graph, owned, as read back from a snapshot.
pub(crate) struct GraphParts {
    pub vectors: Vec<[f32; DIM]>,
    pub params: GraphParams,
    pub m0: usize,
    pub layer0: Vec<u32>,
    pub levels: Vec<u8>,
    pub upper_at: Vec<u32>,
    pub upper: Vec<u32>,
    pub entry: u32,
    pub top: usize,
    /// The caller's slot of each node, a permutation (checked by the reader of the file).
    pub slots: Vec<u32>,
}

impl GraphIndex {
    pub(crate) fn parts(&self) -> GraphPartsRef<'_> {
        GraphPartsRef {
            vectors: &self.vectors,
            params: self.params,
            m0: self.m0,
            layer0: &self.layer0,
            levels: &self.levels,
            upper_at: &self.upper_at,
            upper: &self.upper,
            entry: self.entry,
            top: self.top,
            slots: &self.slots,
        }
    }

    /// Reassembles a graph, checking that it is one: every array of the right length, every link
    /// a node or `NONE`, every node's upper links inside `upper`, the entry point on the top
    /// level. A search over arrays that pass cannot index out of bounds or loop on a missing node.
    pub(crate) fn from_parts(p: GraphParts) -> Result<GraphIndex, String> {
        let n = p.vectors.len();
        let m = p.params.m;
        if m < 2 || p.m0 != 2 * m {
            return Err(format!("bad link widths m {m}, m0 {}", p.m0));
        }
        if p.levels.len() != n || p.upper_at.len() != n || p.layer0.len() != n * p.m0 {
            return Err("array lengths do not match the node count".into());
        }
        if !p.slots.is_empty() {
            if p.slots.len() != n {
                return Err("slot list does not match the node count".into());
            }
            let mut seen = vec![false; n];
            for &slot in &p.slots {
                match seen.get_mut(slot as usize) {
                    Some(s) if !*s => *s = true,
                    _ => return Err(format!("slot {slot} is out of range or repeated")),
                }
            }
        }
        let link_ok = |l: &u32| *l == NONE || (*l as usize) < n;
        if !p.layer0.iter().all(link_ok) || !p.upper.iter().all(link_ok) {
            return Err("a link points past the last node".into());
        }
        let mut expected = 0usize;
        for (i, (&level, &at)) in p.levels.iter().zip(&p.upper_at).enumerate() {
            if level as usize > p.top {
                return Err(format!("node {i} is above the top level"));
            }
            if level == 0 {
                if at != NONE {
                    return Err(format!("level-0 node {i} owns upper links"));
                }
            } else {
                if at as usize != expected {
                    return Err(format!("node {i}'s upper links are misplaced"));
                }
                expected += level as usize * m;
            }
        }
        if expected != p.upper.len() {
            return Err("upper-layer links do not add up".into());
        }
        // A link on layer l must lead to a node that has layer l (a search follows its links there).
        for (i, (&level, &at)) in p.levels.iter().zip(&p.upper_at).enumerate() {
            for layer in 1..=level as usize {
                let from = at as usize + (layer - 1) * m;
                if let Some(bad) = p.upper[from..from + m]
                    .iter()
                    .find(|&&l| l != NONE && (p.levels[l as usize] as usize) < layer)
                {
                    return Err(format!(
                        "node {i} links to {bad} on layer {layer}, which it lacks"
                    ));
                }
            }
        }
        if n == 0 {
            if p.entry != NONE {
                return Err("an empty graph with an entry point".into());
            }
        } else if p.entry as usize >= n || p.levels[p.entry as usize] as usize != p.top {
            return Err("the entry point is not a top-level node".into());
        }
        let hubs = Hubs::choose(&p.vectors, p.params.hubs);
        Ok(GraphIndex {
            hubs,
            vectors: p.vectors,
            params: p.params,
            m0: p.m0,
            layer0: p.layer0,
            levels: p.levels,
            upper_at: p.upper_at,
            upper: p.upper,
            entry: p.entry,
            top: p.top,
            slots: p.slots,
        })
    }
}
