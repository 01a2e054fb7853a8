//! Fuzz target `config`: see moodtune_tests::fuzzing::config.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    moodtune_tests::fuzzing::config::run(data);
});
