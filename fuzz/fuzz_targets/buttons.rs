//! Fuzz target `buttons`: see moodtune_tests::fuzzing::buttons.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    moodtune_tests::fuzzing::buttons::run(data);
});
