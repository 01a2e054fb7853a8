//! Fuzz target `photo`: see moodtune_tests::fuzzing::photo.
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: moodtune_tests::fuzzing::photo::init(),
    |data: &[u8]| moodtune_tests::fuzzing::photo::run(data)
);
