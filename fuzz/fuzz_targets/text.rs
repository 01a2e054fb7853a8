//! Fuzz target `text`: see moodtune_tests::fuzzing::text.
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: moodtune_tests::fuzzing::text::init(),
    |data: &[u8]| moodtune_tests::fuzzing::text::run(data)
);
