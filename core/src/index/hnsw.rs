//! instant-distance's HNSW behind [`VectorIndex`], kept as the anchor the own graph is measured
//! against (and as an operator's choice: `MOODTUNE_INDEX=instant-distance`).

use instant_distance::{Builder, HnswMap, Search};

use crate::emotion::{Emotion, DIM};
use crate::index::{squared, Neighbour, VectorIndex};

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
