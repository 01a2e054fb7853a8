//! Index snapshot files: a damaged snapshot must be refused, never trusted. An input is one mode
//! byte, then a whole file; when the mode byte is odd, the harness rewrites the file's trailing
//! CRC-32 to match its damaged contents, as a deliberate forger would, so that the structural
//! checks behind the checksum are fuzzed too. Whatever loads must answer searches with slots it
//! holds.

use std::sync::OnceLock;

use moodtune_core::emotion::DIM;
use moodtune_core::index::graph::{GraphIndex, GraphParams};
use moodtune_core::index::snapshot;
use moodtune_core::index::VectorIndex;
use moodtune_core::Emotion;

/// Vectors of the catalog the snapshots are checked against (small: loads stay fast).
pub const VECTORS: usize = 64;

/// The catalog the fuzzed snapshots claim to be of: fixed pseudo-random moods.
pub fn vectors() -> &'static Vec<[f32; DIM]> {
    static V: OnceLock<Vec<[f32; DIM]>> = OnceLock::new();
    V.get_or_init(|| moods(VECTORS, 0x5eed))
}

/// `n` pseudo-random, skewed moods from `seed` (the same every run): a catalog for index tests.
pub fn moods(n: usize, seed: u64) -> Vec<[f32; DIM]> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            let raw: [f32; DIM] = std::array::from_fn(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 40) as f32 / (1u64 << 24) as f32).powi(4)
            });
            let sum: f32 = raw.iter().sum();
            raw.map(|x| x / sum)
        })
        .collect()
}

/// Build parameters of the fuzzed snapshots (one thread: builds are reproducible anyway).
pub fn params() -> GraphParams {
    GraphParams {
        build_threads: 1,
        ..GraphParams::default()
    }
}

/// A valid snapshot of [`vectors`], as bytes (the seed of the corpus, after a mode byte).
pub fn valid_snapshot() -> Vec<u8> {
    let index = GraphIndex::build(vectors().clone(), params());
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("seed.snapshot");
    snapshot::save(&index, 7, &path).expect("snapshot saved");
    std::fs::read(&path).expect("snapshot read")
}

/// Builds the catalog's vectors before the first input (see [`super::text::init`]).
pub fn init() {
    let _ = vectors();
}

/// The target: see the module documentation.
pub fn run(data: &[u8]) {
    thread_local! {
        static DIR: tempfile::TempDir = tempfile::tempdir().expect("temp dir");
    }
    let Some((mode, file)) = data.split_first() else {
        return;
    };
    let mut file = file.to_vec();
    if mode & 1 == 1 && file.len() > 4 {
        let body = file.len() - 4;
        let crc = crc32(&file[..body]);
        file[body..].copy_from_slice(&crc.to_le_bytes());
    }
    let path = DIR.with(|d| d.path().join("fuzzed.snapshot"));
    std::fs::write(&path, &file).expect("temp file written");
    let Ok((index, _version)) = snapshot::load(&path, vectors(), params()) else {
        return;
    };
    assert_eq!(index.len(), VECTORS);
    for q in vectors().iter().take(8) {
        let found = index.search(&Emotion(*q), 10);
        assert!(found.len() <= 10);
        assert!(found
            .iter()
            .all(|n| (n.slot as usize) < VECTORS && n.distance.is_finite()));
    }
}

/// CRC-32 (IEEE), as the snapshot writes it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= *b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
