//! The bodies of the fuzz targets: one function per input a stranger controls, each asserting
//! what must hold for every input — no panic, bounded work, and the input's own invariant (markup
//! valid for its platform, button data that round-trips, damaged files refused).
//!
//! Why here and not in `fuzz/`: the cargo-fuzz crate (`fuzz/`, nightly, outside the workspace)
//! calls these under libFuzzer, and the `fuzz_smoke` test replays the committed seeds and every
//! crash ever found (`fuzz/regressions/`) through the very same functions on stable, so a target
//! cannot rot and a fixed crash cannot come back without a red test.

pub mod buttons;
pub mod config;
pub mod crawl;
pub mod dump;
pub mod photo;
pub mod snapshot;
pub mod text;

/// One fuzz target.
pub struct Target {
    /// Its name: its binary in `fuzz/` and its folder under `fuzz/seeds/` and `fuzz/corpus/`.
    pub name: &'static str,
    /// The path of its body below this module, as its binary calls it (`crawl::run`).
    pub body: &'static str,
    /// The body.
    pub run: fn(&[u8]),
}

macro_rules! target {
    ($name:literal, $($body:ident)::+) => {
        Target {
            name: $name,
            body: stringify!($($body)::+),
            run: $($body)::+,
        }
    };
}

/// Every target, in the order RELIABILITY.md lists them.
pub const TARGETS: &[Target] = &[
    target!("text", text::run),
    target!("buttons", buttons::run),
    target!("image", photo::decode_only),
    target!("photo", photo::run),
    target!("faces", photo::after_networks),
    target!("dump", dump::run),
    target!("crawl_answer", crawl::run),
    target!("config", config::run),
    target!("snapshot", snapshot::run),
];

/// Splits fuzz bytes into `n` strings at `\u{1}` bytes (lossy UTF-8), so one input can stand for
/// several catalog strings (a title, its artists, a playlist name).
pub fn pieces(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .split(|b| *b == 1)
        .take(n)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}
