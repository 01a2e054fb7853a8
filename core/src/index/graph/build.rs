//! Building the graph: the first nodes one by one, then parallel batches whose result does not
//! depend on the thread count.

use crate::emotion::DIM;
use crate::index::graph::hubs::Hubs;
use crate::index::graph::{GraphIndex, GraphParams, Near, Visited, NONE};
use crate::index::squared;
use crate::rng::SplitMix64;

/// Nodes inserted one at a time before batches start: the first links decide the graph's
/// shape, and catalogs this small build in well under a second anyway.
pub(super) const SERIAL_PREFIX: usize = 10_000;

/// Nodes per parallel batch: large enough to keep both cores busy between synchronisations,
/// small next to the graph so that a batch's nodes, which see one another only as candidates,
/// link as they would one by one.
pub(super) const BATCH: usize = 512;

/// Build threads at most (the machine's cores otherwise).
const MAX_BUILD_THREADS: usize = 8;

/// What inserting one node changes: its chosen neighbours per layer, layer 0 first.
struct Plan {
    node: u32,
    layers: Vec<Vec<u32>>,
}

/// `f` over `items` on up to `scratch.len()` threads (one `Visited` each), results in order.
fn par_map<T: Sync, R: Send>(
    items: &[T],
    scratch: &mut [Visited],
    f: impl Fn(&T, &mut Visited) -> R + Sync,
) -> Vec<R> {
    let threads = scratch.len().min(items.len() / 16).max(1);
    if threads == 1 {
        let v = &mut scratch[0];
        return items.iter().map(|item| f(item, v)).collect();
    }
    let per = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let mut chunks = items.chunks(per).zip(scratch.iter_mut());
        let (first, first_v) = chunks.next().expect("at least one chunk");
        let handles: Vec<_> = chunks
            .map(|(chunk, v)| {
                scope.spawn(move || chunk.iter().map(|i| f(i, v)).collect::<Vec<R>>())
            })
            .collect();
        let mut out: Vec<R> = first.iter().map(|i| f(i, first_v)).collect();
        for h in handles {
            out.extend(h.join().expect("a build thread panicked"));
        }
        out
    })
}

impl GraphIndex {
    /// Builds the graph over `vectors` (slot i = `vectors[i]`), inserting them in order, in
    /// parallel batches once the graph has [`SERIAL_PREFIX`] nodes.
    pub fn build(vectors: Vec<[f32; DIM]>, params: GraphParams) -> GraphIndex {
        let n = vectors.len();
        let m = params.m.max(2);
        let m0 = 2 * m;
        let ml = 1.0 / (m as f64).ln();
        let mut rng = SplitMix64::new(params.seed);
        let levels: Vec<u8> = (0..n)
            // Half a step above 0, so the logarithm stays finite.
            .map(|_| ((-(rng.unit() + 0.5 / (1u64 << 53) as f64).ln() * ml) as usize).min(16) as u8)
            .collect();
        let mut upper_at = vec![NONE; n];
        let mut upper_len = 0usize;
        for (i, l) in levels.iter().enumerate() {
            if *l > 0 {
                upper_at[i] = upper_len as u32;
                upper_len += *l as usize * m;
            }
        }
        let mut g = GraphIndex {
            vectors,
            params: GraphParams { m, ..params },
            m0,
            layer0: vec![NONE; n * m0],
            levels,
            upper_at,
            upper: vec![NONE; upper_len],
            entry: NONE,
            top: 0,
            hubs: Hubs::default(),
            slots: Vec::new(),
        };
        let threads = match params.build_threads {
            0 => std::thread::available_parallelism()
                .map(|t| t.get())
                .unwrap_or(1)
                .clamp(1, MAX_BUILD_THREADS),
            t => t,
        };
        let mut visited: Vec<Visited> = (0..threads).map(|_| Visited::new()).collect();
        let mut next = 0usize;
        while next < n {
            // One node at a time while the graph is small, and for a node that will sit above
            // the current top (it becomes the entry point, as in the paper); batches otherwise.
            let end = if next < SERIAL_PREFIX || g.levels[next] as usize > g.top {
                next + 1
            } else {
                let limit = (next + BATCH).min(n);
                (next + 1..limit)
                    .find(|&i| g.levels[i] as usize > g.top)
                    .unwrap_or(limit)
            };
            let batch: Vec<u32> = (next as u32..end as u32).collect();
            g.insert_batch(&batch, &mut visited);
            next = end;
        }
        if g.params.renumber {
            // Chooses the hubs of the renumbered nodes too.
            g.renumber();
        } else {
            g.hubs = Hubs::choose(&g.vectors, g.params.hubs);
        }
        g
    }

    /// Inserts `batch` (consecutive nodes): each node's neighbours are searched for in
    /// parallel against the graph as it stood before the batch, with its batch mates added as
    /// candidates; then the links are written, the back links re-chosen per target node (in
    /// parallel, each target by one thread) and written. The result does not depend on the
    /// number of threads, so a build is reproducible; a batch of one is the paper's insertion.
    fn insert_batch(&mut self, batch: &[u32], visited: &mut [Visited]) {
        let plans = par_map(batch, visited, |node, v| self.plan(*node, batch, v));
        for p in &plans {
            for (layer, chosen) in p.layers.iter().enumerate() {
                for (slot, n) in self.links_mut(p.node, layer).iter_mut().zip(chosen) {
                    *slot = *n;
                }
            }
        }
        // Back links, grouped by (layer, target) in batch order.
        let mut requests: Vec<(usize, u32, u32)> = plans
            .iter()
            .flat_map(|p| {
                p.layers
                    .iter()
                    .enumerate()
                    .flat_map(move |(layer, chosen)| {
                        chosen.iter().map(move |&target| (layer, target, p.node))
                    })
            })
            .collect();
        requests.sort_by_key(|r| (r.0, r.1));
        let groups: Vec<&[(usize, u32, u32)]> =
            requests.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1).collect();
        let lists = par_map(&groups, visited, |group, _| self.relinked(group));
        for (group, list) in groups.iter().zip(lists) {
            let (layer, target, _) = group[0];
            self.links_mut(target, layer).copy_from_slice(&list);
        }
        for p in &plans {
            let level = self.levels[p.node as usize] as usize;
            if self.entry == NONE || level > self.top {
                self.entry = p.node;
                self.top = level;
            }
        }
    }

    /// The neighbours `node` will link to on each of its layers (layer 0 first), found against
    /// the graph as it stands plus `mates` (its batch, not yet in the graph).
    fn plan(&self, node: u32, mates: &[u32], visited: &mut Visited) -> Plan {
        if self.entry == NONE {
            return Plan {
                node,
                layers: Vec::new(),
            };
        }
        let level = self.levels[node as usize] as usize;
        let q = self.vectors[node as usize];
        let mut at = self.entry;
        for layer in (level + 1..=self.top).rev() {
            at = self.greedy(&q, at, layer);
        }
        let top = level.min(self.top);
        let mut layers = vec![Vec::new(); top + 1];
        for layer in (0..=top).rev() {
            let mut found = self.beam(&q, &[at], self.params.ef_construction, layer, visited);
            at = found[0].1;
            let searched = found.len();
            // Mates only where they would make the beam's cut (most are far away).
            let worst = if searched >= self.params.ef_construction {
                found[searched - 1].distance()
            } else {
                f32::MAX
            };
            found.extend(
                mates
                    .iter()
                    .filter(|&&o| o != node && self.levels[o as usize] as usize >= layer)
                    .map(|&o| Near::new(squared(&q, &self.vectors[o as usize]), o))
                    .filter(|near| near.distance() < worst),
            );
            if found.len() > searched {
                found.sort_unstable();
            }
            layers[layer] = self.select(&found, self.params.m);
        }
        Plan { node, layers }
    }

    /// A target's links on one layer after adding the new nodes of `group` (all for the same
    /// layer and target) in order; a full list is re-chosen by the heuristic.
    fn relinked(&self, group: &[(usize, u32, u32)]) -> Vec<u32> {
        let (layer, target, _) = group[0];
        let cap = if layer == 0 { self.m0 } else { self.params.m };
        let mut list = self.links(target, layer).to_vec();
        let v = self.vectors[target as usize];
        for &(_, _, new) in group {
            if list.contains(&new) {
                continue;
            }
            if let Some(free) = list.iter().position(|l| *l == NONE) {
                list[free] = new;
                continue;
            }
            let mut candidates: Vec<Near> = list
                .iter()
                .chain(std::iter::once(&new))
                .map(|&o| Near::new(squared(&v, &self.vectors[o as usize]), o))
                .collect();
            candidates.sort_unstable();
            let kept = self.select(&candidates, cap);
            for (i, slot) in list.iter_mut().enumerate() {
                *slot = kept.get(i).copied().unwrap_or(NONE);
            }
        }
        list
    }
}
