//! moodtune's own HNSW graph over 21-dim emotion vectors, behind [`VectorIndex`] beside
//! instant-distance's, so the two can be measured side by side against the exact scan.
//!
//! Why a second implementation: instant-distance keeps each point and its neighbour lists as
//! separate heap objects, builds with a lock per node and per layer, and cannot be told how many
//! neighbours to keep; at a million points that cost minutes and gigabytes (DESIGN.md). This one
//! keeps everything in flat arrays — the vectors in one `Vec<[f32; 21]>`, layer-0 links in one
//! `Vec<u32>` of `n * M0` slots, upper layers (a few percent of the nodes) in another — so memory is
//! what the data needs (~220 MB at 1M: 84 MB of vectors, 128 MB of links) and a search touches
//! contiguous memory. The algorithm is the paper's (Malkov & Yashunin 2018): greedy descent
//! through the upper layers, a beam search of width `ef` at layer 0, neighbours chosen by the
//! diversity heuristic, levels drawn with `mL = 1 / ln M`. Two additions of moodtune's own: the
//! layer-0 beam also starts from the hubs nearest the query (`Hubs`: moods of real text form
//! clusters, and a message's mood often lies between them), and the build runs on every core in
//! batches whose result does not depend on the thread count ([`GraphIndex::build`]).

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::emotion::{Emotion, DIM};
use crate::index::{squared, Neighbour, Persist, VectorIndex};

mod build;
mod hubs;
mod order;
mod parts;

pub(crate) use parts::GraphParts;

use hubs::Hubs;

/// Parameters of the graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GraphParams {
    /// Links per node on the upper layers (layer 0 keeps twice as many).
    pub m: usize,
    /// Beam width while building.
    pub ef_construction: usize,
    /// Beam width while searching (at least `k`).
    pub ef_search: usize,
    /// Seed of the level draws, so builds are reproducible.
    pub seed: u64,
    /// At most this many hubs: one node per occupied cell of a coarse grid over the mood space
    /// (see `Hubs`); 0 turns them off.
    pub hubs: usize,
    /// How many of the hubs nearest the query join the layer-0 beam as extra starting points.
    pub hub_seeds: usize,
    /// Threads building the graph (0: one per core, at most 8); the graph does not depend on it.
    pub build_threads: usize,
    /// Renumber the nodes breadth-first once built (`order.rs`): the same graph, with the
    /// neighbours a search measures together stored together: p50 11% lower at 219,038 and at
    /// 1,000,000 random moods, and on the real-like catalog (BENCHMARKS.md, issue 19).
    pub renumber: bool,
}

impl Default for GraphParams {
    fn default() -> Self {
        GraphParams {
            m: 16,
            ef_construction: 100,
            // Moods of real text cluster tightly with lonely moods between the clusters: on the
            // real-like catalog (222,691 distinct moods of 1M tracks, real post moods as queries)
            // recall@10 is 0.9988 at 48, 0.9991 at 100 (19.8 us a query); random moods need only
            // 48 for 0.9999 (BENCHMARKS.md, issue 19). A reply costs ~500 us: the engine reads
            // at 100.
            ef_search: 100,
            seed: 0x6d6f_6f64,
            // The real-like catalog's 216,614 distinct moods occupy 2,511 cells of the 1/8 grid;
            // with a cap of 2,048 they fell back to the 1/4 grid (973 hubs) and recall@10 at ef 48
            // was 0.9968 instead of 0.9977. Random moods get 1,578 hubs either way.
            hubs: 4096,
            hub_seeds: 8,
            build_threads: 0,
            renumber: true,
        }
    }
}

const NONE: u32 = u32::MAX;

/// Slack of the diversity heuristic (squared): a candidate is dropped only when a kept
/// neighbour is clearly closer to it than the new node is (DiskANN's alpha, here 1.2). With 1.0,
/// a member of a tight cluster (thousands of real moods within 1e-4 of a category corner) drops
/// a link out of the cluster whenever a kept cluster mate is a hair nearer to it, a coin flip:
/// clusters became islands (recall@10 0.80 on the demo catalog). Measured on the real-like catalog
/// (1M tracks, real post moods, ef 48) and issue 19's random moods (219,038, ef 48), without
/// filling free slots: alpha 1.0 recall 0.9946 / 1.0000, build 4.0 / 6.1 s; 1.2: 0.9970 / 0.9999,
/// 6.3 / 8.5 s; 1.5: 0.9957 / 0.9998, 6.7 / 9.1 s (BENCHMARKS.md).
const ALPHA2: f32 = 1.44;

/// How much farther than the descent's node (squared: 3x the distance) a hub may lie and still
/// join the beam. Where the moods form clusters and the query lies between them, the clusters
/// of its answers lie at comparable distances and their hubs pass; on moods without clusters
/// (DESIGN.md's random moods) the descent ends near the query, no hub is that near, and the
/// search costs what a plain HNSW search does.
const HUB_REACH2: f32 = 9.0;

/// The graph. Slots are positions in the vector list it was built from.
pub struct GraphIndex {
    vectors: Vec<[f32; DIM]>,
    params: GraphParams,
    m0: usize,
    /// `n * m0` links of layer 0; unused slots hold `NONE`.
    layer0: Vec<u32>,
    /// Level of each node.
    levels: Vec<u8>,
    /// Offset of a node's upper-layer links in `upper` (`NONE` for level-0 nodes); a node of
    /// level `l` owns `l * m` slots there, layer 1 first.
    upper_at: Vec<u32>,
    upper: Vec<u32>,
    entry: u32,
    top: usize,
    /// Extra entry points spread over the occupied regions (derived from the vectors).
    hubs: Hubs,
    /// The caller's slot of each node once the nodes are renumbered for the memory
    /// (`order.rs`); empty while node = slot.
    slots: Vec<u32>,
}

impl std::fmt::Debug for GraphIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphIndex")
            .field("len", &self.vectors.len())
            .field("params", &self.params)
            .field("top", &self.top)
            .finish()
    }
}

/// A (distance, node) pair ordered by distance: distances are squared, so never negative, and
/// the bits of a non-negative float order like the float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Near(u32, u32);

impl Near {
    fn new(d: f32, node: u32) -> Near {
        Near(d.to_bits(), node)
    }
    fn distance(self) -> f32 {
        f32::from_bits(self.0)
    }
}

/// Nodes seen by one search, without clearing between searches (a stamp per search).
///
/// One byte per node, so that at a million nodes the marks (1 MB) stay in a core's L2 cache,
/// where four bytes each did not; they are cleared once every 255 searches.
struct Visited {
    marks: Vec<u8>,
    stamp: u8,
}

impl Visited {
    fn new() -> Visited {
        Visited {
            marks: Vec::new(),
            stamp: 0,
        }
    }

    fn reset(&mut self, n: usize) {
        if self.marks.len() < n {
            self.marks.resize(n, 0);
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.stamp = 1;
        }
    }

    /// Marks a node; whether it was new.
    #[inline]
    fn insert(&mut self, node: u32) -> bool {
        let m = &mut self.marks[node as usize];
        if *m == self.stamp {
            false
        } else {
            *m = self.stamp;
            true
        }
    }
}

thread_local! {
    static VISITED: RefCell<Visited> = RefCell::new(Visited::new());
}

/// Hints the CPU to load the `bytes` bytes at `p` into cache (a no-op off x86-64): every
/// 64-byte cache line they touch. A vector (84 bytes) touches two or three lines, depending on
/// where it starts; a link list (128) two or three.
#[inline(always)]
fn prefetch<T>(p: *const T, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it never faults, whatever the address.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let first = p as usize & !63;
        let last = (p as usize + bytes - 1) & !63;
        let mut line = first;
        while line <= last {
            _mm_prefetch(line as *const i8, _MM_HINT_T0);
            line += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, bytes);
}

impl GraphIndex {
    /// Links of `node` on `layer` (unused slots hold `NONE`).
    #[inline]
    fn links(&self, node: u32, layer: usize) -> &[u32] {
        if layer == 0 {
            let at = node as usize * self.m0;
            &self.layer0[at..at + self.m0]
        } else {
            let m = self.params.m;
            let at = self.upper_at[node as usize] as usize + (layer - 1) * m;
            &self.upper[at..at + m]
        }
    }

    fn links_mut(&mut self, node: u32, layer: usize) -> &mut [u32] {
        if layer == 0 {
            let at = node as usize * self.m0;
            &mut self.layer0[at..at + self.m0]
        } else {
            let m = self.params.m;
            let at = self.upper_at[node as usize] as usize + (layer - 1) * m;
            &mut self.upper[at..at + m]
        }
    }

    /// Asks for the vectors of `links` (up to the first `NONE`) before any is measured: at a
    /// million nodes each is a cache miss, and this overlaps them instead of waiting for one at
    /// a time.
    #[inline]
    fn prefetch_vectors(&self, links: &[u32]) {
        for &next in links.iter().take_while(|l| **l != NONE) {
            prefetch(
                &self.vectors[next as usize],
                std::mem::size_of::<[f32; DIM]>(),
            );
        }
    }

    #[inline]
    fn distance(&self, q: &[f32; DIM], node: u32) -> f32 {
        squared(q, &self.vectors[node as usize])
    }

    /// Greedy walk on one layer: the closest node reachable by always moving closer.
    fn greedy(&self, q: &[f32; DIM], mut at: u32, layer: usize) -> u32 {
        let mut best = self.distance(q, at);
        loop {
            let mut moved = false;
            // As in the beam: every neighbour's vector on its way before the first is measured.
            self.prefetch_vectors(self.links(at, layer));
            for &next in self.links(at, layer) {
                if next == NONE {
                    break;
                }
                let d = self.distance(q, next);
                if d < best {
                    best = d;
                    at = next;
                    moved = true;
                }
            }
            if !moved {
                return at;
            }
        }
    }

    /// Beam search of width `ef` on one layer from `start`; the closest found, nearest first.
    fn beam(
        &self,
        q: &[f32; DIM],
        starts: &[u32],
        ef: usize,
        layer: usize,
        visited: &mut Visited,
    ) -> Vec<Near> {
        visited.reset(self.vectors.len());
        let mut candidates = BinaryHeap::with_capacity(ef * 2);
        let mut found = BinaryHeap::with_capacity(ef + 1);
        for &start in starts {
            if !visited.insert(start) {
                continue;
            }
            let near = Near::new(self.distance(q, start), start);
            candidates.push(Reverse(near));
            found.push(near);
            if found.len() > ef {
                found.pop();
            }
        }
        while let Some(Reverse(c)) = candidates.pop() {
            let worst = found.peek().map(|w| w.distance()).unwrap_or(f32::MAX);
            if c.distance() > worst && found.len() >= ef {
                break;
            }
            // The likely next candidate's links, fetched while this one's neighbours are
            // measured (at a million nodes a link list is a cache miss: a quarter of the search
            // time waited on it before this).
            if let Some(Reverse(after)) = candidates.peek() {
                let next_links = self.links(after.1, layer);
                prefetch(next_links.as_ptr(), std::mem::size_of_val(next_links));
            }
            let links = self.links(c.1, layer);
            // Ask for the neighbours' vectors before measuring any of them: at a million nodes
            // each is a cache miss, and this overlaps them instead of waiting for one at a time.
            self.prefetch_vectors(links);
            for &next in links {
                if next == NONE {
                    break;
                }
                if !visited.insert(next) {
                    continue;
                }
                let d = self.distance(q, next);
                let worst = found.peek().map(|w| w.distance()).unwrap_or(f32::MAX);
                if found.len() < ef || d < worst {
                    let near = Near::new(d, next);
                    // Most candidates are expanded later: their links start on their way now.
                    let its_links = self.links(next, layer);
                    prefetch(its_links.as_ptr(), std::mem::size_of_val(its_links));
                    candidates.push(Reverse(near));
                    found.push(near);
                    if found.len() > ef {
                        found.pop();
                    }
                }
            }
        }
        found.into_sorted_vec()
    }

    /// The diversity heuristic: keep a candidate only when it is closer to the new node than to
    /// every neighbour already kept (so links spread in all directions instead of clustering).
    /// Free slots stay free, as in hnswlib: filling them with the closest of the dropped (this
    /// graph did so until issue 19) cost a third of the build time, since every back link then
    /// met a full list and re-ran the heuristic, and made every search measure 32 neighbours per
    /// node; it bought 0.0002 of recall on the real-like catalog and none on random moods.
    fn select(&self, candidates: &[Near], m: usize) -> Vec<u32> {
        let mut kept: Vec<u32> = Vec::with_capacity(m);
        for c in candidates {
            if kept.len() == m {
                break;
            }
            let v = &self.vectors[c.1 as usize];
            if kept
                .iter()
                .all(|k| ALPHA2 * squared(v, &self.vectors[*k as usize]) > c.distance())
            {
                kept.push(c.1);
            }
        }
        kept
    }

    /// Changes the search width (a search-time choice: the graph stays as built), so a bench can
    /// measure several widths on one build.
    pub fn set_ef_search(&mut self, ef: usize) {
        self.params.ef_search = ef;
    }

    /// How many hubs the graph chose (see `Hubs`), for benchmarks and logs.
    pub fn hub_count(&self) -> usize {
        self.hubs.nodes.len()
    }

    /// Bytes held by the graph (vectors and links).
    pub fn heap_bytes(&self) -> usize {
        self.vectors.len() * std::mem::size_of::<[f32; DIM]>()
            + (self.layer0.len() + self.upper.len() + self.upper_at.len()) * 4
            + self.levels.len()
            + self.hubs.nodes.len() * 4
            + self.hubs.coords.len() * 4
            + self.slots.len() * 4
    }
}

impl VectorIndex for GraphIndex {
    fn search(&self, query: &Emotion, k: usize) -> Vec<Neighbour> {
        if k == 0 || self.entry == NONE {
            return Vec::new();
        }
        let q = &query.0;
        let mut at = self.entry;
        for layer in (1..=self.top).rev() {
            at = self.greedy(q, at, layer);
        }
        let ef = self.params.ef_search.max(k);
        // Only hubs about as near as the descent's node: a far hub's region holds none of the
        // answers, and the beam would spend its first expansions walking back from it.
        let within = HUB_REACH2 * self.distance(q, at);
        let mut starts = self.hubs.nearest(q, self.params.hub_seeds, within);
        starts.push(at);
        let found = VISITED.with(|v| self.beam(q, &starts, ef, 0, &mut v.borrow_mut()));
        found
            .into_iter()
            .take(k)
            .map(|n| Neighbour {
                slot: self.slot_of(n.1),
                distance: n.distance().sqrt(),
            })
            .collect()
    }

    fn len(&self) -> usize {
        self.vectors.len()
    }

    fn name(&self) -> &'static str {
        "graph"
    }

    fn persist(&self) -> Option<&dyn Persist> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::build::{BATCH, SERIAL_PREFIX};
    use super::*;
    use crate::index::tests::random_vectors;
    use crate::index::{recall_at_k, ExactIndex};

    #[test]
    fn recall_against_exact_on_random_vectors() {
        let vs = random_vectors(20_000, 7);
        let exact = ExactIndex::new(vs.clone());
        let graph = GraphIndex::build(vs, GraphParams::default());
        let queries = random_vectors(300, 8);
        let mut total = 0.0;
        for q in &queries {
            let q = Emotion(*q);
            let got = graph.search(&q, 10);
            assert!(got.windows(2).all(|w| w[0].distance <= w[1].distance));
            total += recall_at_k(&got, &exact.search(&q, 10));
        }
        let recall = total / queries.len() as f32;
        assert!(recall >= 0.98, "recall@10 = {recall}");
    }

    /// A few lexicon hits (1-3 categories, intensities 1-9), each scaled by `weight`.
    fn hits(rng: &mut rand::rngs::StdRng, weight: f32) -> [f32; DIM] {
        use rand::Rng;
        let mut scores = [0.0f32; DIM];
        for _ in 0..rng.gen_range(1..=3) {
            scores[rng.gen_range(0..DIM)] += rng.gen_range(1.0f32..9.0) * weight;
        }
        scores
    }

    /// Moods shaped like real labels: each track sits in two of a few dozen mood playlists and
    /// their names count by how often the playlists were saved (log weights up to ~14), plus a
    /// title that may carry a word of its own. The softmax saturates: tight clusters, some of
    /// thousands of distinct vectors, at the corners and along a few edges, empty space between.
    fn catalog_moods(n: usize, seed: u64) -> Vec<[f32; DIM]> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let playlists: Vec<[f32; DIM]> = (0..30).map(|_| hits(&mut rng, 1.0)).collect();
        (0..n)
            .map(|_| {
                let mut scores = if rng.gen_bool(0.5) {
                    let weight = rng.gen_range(0.2f32..2.0);
                    hits(&mut rng, weight)
                } else {
                    [0.0; DIM]
                };
                for _ in 0..2 {
                    let p = &playlists[rng.gen_range(0..playlists.len())];
                    let saves = rng.gen_range(2.0f32..14.0);
                    for d in 0..DIM {
                        scores[d] += p[d] * saves;
                    }
                }
                crate::emotion::EmotionScores(scores)
                    .finish()
                    .expect("a hit")
                    .0
            })
            .collect()
    }

    #[test]
    fn hubs_find_neighbours_in_several_clusters() {
        // A catalog of saturated labels, queried by the softer moods of short messages, which
        // lie between the clusters: their neighbours sit in several of them.
        let catalog = crate::index::dedup(&catalog_moods(60_000, 11)).0;
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(12);
        let queries: Vec<[f32; DIM]> = (0..400)
            .map(|_| {
                let scores = hits(&mut rng, 0.5);
                crate::emotion::EmotionScores(scores)
                    .finish()
                    .expect("a hit")
                    .0
            })
            .collect();
        let exact = ExactIndex::new(catalog.clone());
        let graph = GraphIndex::build(catalog, GraphParams::default());
        assert!(graph.hub_count() > 21, "{} hubs", graph.hub_count());
        let recall = |g: &GraphIndex| {
            let total: f32 = queries
                .iter()
                .map(|q| {
                    let q = Emotion(*q);
                    recall_at_k(&g.search(&q, 10), &exact.search(&q, 10))
                })
                .sum();
            total / queries.len() as f32
        };
        let with_hubs = recall(&graph);
        let mut without = graph;
        without.params.hub_seeds = 0;
        let without_hubs = recall(&without);
        // Measured: 0.9993 with hubs, 0.9687 without (the descent's cluster alone).
        assert!(
            with_hubs >= 0.99,
            "recall@10 with hubs {with_hubs}, without {without_hubs}"
        );
    }

    #[test]
    fn every_occupied_region_gets_a_hub_within_the_cap() {
        let corner = |c: usize, tail: f32| {
            let mut v = [0.0f32; DIM];
            v[c] = 1.0 - tail;
            v[(c + 1) % DIM] = tail;
            v
        };
        // A giant cluster at one corner and three tracks at another: both regions get a hub,
        // and each hub is a member of its region.
        let mut vs: Vec<[f32; DIM]> = (0..1_000).map(|i| corner(0, i as f32 * 1e-5)).collect();
        vs.extend((0..3).map(|i| corner(5, i as f32 * 1e-3)));
        let hubs = Hubs::choose(&vs, 64);
        assert_eq!(hubs.nodes.len(), 2);
        assert!(hubs.nodes[0] < 1_000 && hubs.nodes[1] >= 1_000);
        // The nearest hub to a mood at the small cluster is the small cluster's.
        assert_eq!(
            hubs.nearest(&corner(5, 0.01), 1, f32::MAX),
            vec![hubs.nodes[1]]
        );
        assert_eq!(hubs.nearest(&corner(5, 0.01), 5, f32::MAX).len(), 2);
        // Hubs beyond the reach a search allows stay out.
        let near_small = squared(&corner(5, 0.01), &vs[hubs.nodes[1] as usize]);
        assert_eq!(
            hubs.nearest(&corner(5, 0.01), 5, near_small),
            vec![hubs.nodes[1]]
        );
        assert!(hubs
            .nearest(&corner(5, 0.01), 5, near_small / 2.0)
            .is_empty());
        // The cap holds by coarsening the grid; 0 turns hubs off; nothing in, nothing out.
        let spread = crate::index::tests::random_vectors(5_000, 3);
        for max in [1, 4, 50, 2_048] {
            let n = Hubs::choose(&spread, max).nodes.len();
            assert!((1..=max).contains(&n), "{n} hubs for a cap of {max}");
        }
        assert!(Hubs::choose(&spread, 0).nodes.is_empty());
        assert!(Hubs::choose(&[], 10).nodes.is_empty());
    }

    #[test]
    fn a_build_does_not_depend_on_its_thread_count() {
        // Past the serial prefix, so most nodes go in parallel batches.
        let vs = random_vectors(SERIAL_PREFIX + 3 * BATCH + 17, 5);
        let build = |threads| {
            GraphIndex::build(
                vs.clone(),
                GraphParams {
                    build_threads: threads,
                    ..GraphParams::default()
                },
            )
        };
        let (one, three) = (build(1), build(3));
        assert!(one.layer0 == three.layer0 && one.upper == three.upper);
        assert_eq!((one.entry, one.top), (three.entry, three.top));
        // Every node is linked: nobody's list on layer 0 is empty.
        assert!(one.layer0.chunks(one.m0).all(|l| l[0] != NONE));
    }

    #[test]
    fn tiny_and_empty_graphs_answer() {
        let empty = GraphIndex::build(Vec::new(), GraphParams::default());
        assert!(empty.search(&Emotion([0.1; DIM]), 5).is_empty());
        let one = GraphIndex::build(vec![[0.5; DIM]], GraphParams::default());
        let got = one.search(&Emotion([0.5; DIM]), 5);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].slot, 0);
        // Exact duplicates (the engine collapses them first, but a graph must not choke on them).
        let twins = GraphIndex::build(vec![[0.25; DIM]; 50], GraphParams::default());
        let got = twins.search(&Emotion([0.25; DIM]), 10);
        assert_eq!(got.len(), 10);
        assert!(got.iter().all(|n| n.distance == 0.0));
    }
}
