//! Fuzz target `faces`: see moodtune_tests::fuzzing::photo::after_networks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    moodtune_tests::fuzzing::photo::after_networks(data);
});
