//! Fuzz target `dump`: see moodtune_tests::fuzzing::dump.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    moodtune_tests::fuzzing::dump::run(data);
});
