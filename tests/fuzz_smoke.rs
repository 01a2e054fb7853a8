//! The fuzz targets on stable, in every test run: each target's seeds (`fuzz/seeds/<target>/`, the
//! photo fixtures for the photo pipeline),
//! every input a fuzzer ever crashed on (`fuzz/regressions/<target>/`), and a few hundred
//! deterministic mutations of the seeds. The long runs are cargo-fuzz's (RELIABILITY.md); this
//! keeps the targets building and passing, and a fixed crash from coming back.

use std::path::Path;

use moodtune_tests::fuzzing::TARGETS;
use rand::{Rng, SeedableRng};

/// Mutations per target (the photo pipeline takes ~0.2 s an input, so it gets fewer).
fn mutations(target: &str) -> usize {
    match target {
        "photo" => 12,
        "snapshot" => 300,
        _ => 600,
    }
}

fn files(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.map(|e| e.expect("entry").path()).collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("readable input"))
        .collect()
}

/// A libFuzzer-like mutation: flips, inserts, deletes, splices and interesting bytes.
fn mutate(rng: &mut rand::rngs::StdRng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..rng.gen_range(1..=8) {
        let at = if out.is_empty() {
            0
        } else {
            rng.gen_range(0..out.len())
        };
        match rng.gen_range(0..6) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.gen_range(0..8),
            1 => out.insert(
                at,
                *[0u8, 1, 0xff, b'<', b'&', b'\n', b':', 0x1b]
                    .get(rng.gen_range(0..8))
                    .unwrap(),
            ),
            2 if !out.is_empty() => {
                let end = (at + rng.gen_range(1..=16)).min(out.len());
                out.drain(at..end);
            }
            3 if !other.is_empty() => {
                let from = rng.gen_range(0..other.len());
                let end = (from + rng.gen_range(1..=32)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            4 if !out.is_empty() => out[at] = rng.gen(),
            _ => out.truncate(at),
        }
    }
    out
}

/// Where a target's seeds are: the photo fixtures for the whole photo pipeline, else
/// `fuzz/seeds/`.
fn seed_dir(root: &Path, target: &str) -> std::path::PathBuf {
    match target {
        "photo" => Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/images"),
        _ => root.join("seeds").join(target),
    }
}

#[test]
fn every_fuzz_target_passes_its_seeds_regressions_and_mutations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    for target in TARGETS {
        let (name, run) = (target.name, target.run);
        let seeds = files(&seed_dir(&root, name));
        assert!(!seeds.is_empty(), "fuzz/seeds/{name} has no seeds");
        let regressions = files(&root.join("regressions").join(name));
        for input in seeds.iter().chain(&regressions) {
            run(input);
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x6675_7a7a);
        for _ in 0..mutations(name) {
            let seed = &seeds[rng.gen_range(0..seeds.len())];
            let other = &seeds[rng.gen_range(0..seeds.len())];
            run(&mutate(&mut rng, seed, other));
        }
        eprintln!(
            "{name}: {} seeds, {} regressions, {} mutations",
            seeds.len(),
            regressions.len(),
            mutations(name)
        );
    }
}

/// Every target has its cargo-fuzz binary, which hands the input to that very body (the fuzz
/// crate builds only on nightly, so this is how a stable run notices it drifting).
#[test]
fn every_fuzz_target_has_its_cargo_fuzz_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let declared = manifest.matches("[[bin]]").count();
    assert_eq!(
        declared,
        TARGETS.len(),
        "fuzz/Cargo.toml declares {declared} binaries"
    );
    for target in TARGETS {
        let name = target.name;
        assert!(
            manifest.contains(&format!(
                "name = \"{name}\"\npath = \"fuzz_targets/{name}.rs\""
            )),
            "fuzz/Cargo.toml lacks the binary {name}"
        );
        let body = std::fs::read_to_string(root.join(format!("fuzz_targets/{name}.rs")))
            .unwrap_or_else(|_| panic!("fuzz/fuzz_targets/{name}.rs is missing"));
        let call = format!(
            "moodtune_tests::fuzzing::{}(data)",
            target.body.replace(' ', "")
        );
        assert!(
            body.contains("fuzz_target!") && body.contains(&call),
            "fuzz_targets/{name}.rs does not call {call}"
        );
    }
}
