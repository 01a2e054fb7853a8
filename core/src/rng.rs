//! splitmix64, the one small deterministic generator of the crate: graph level draws, the
//! engine's tie order and the bench's synthetic catalogs all need reproducible, well-spread
//! numbers without a dependency, and they need the same ones on every machine.

/// splitmix64's state: each call advances it and returns a well-mixed 64-bit number.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting at `seed` (equal seeds give equal sequences).
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// A float in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A fixed bit mixer of one value (the first output of a generator seeded with it): a stable,
/// well-spread order for ties.
pub fn mix(x: u64) -> u64 {
    SplitMix64::new(x).next_u64()
}
