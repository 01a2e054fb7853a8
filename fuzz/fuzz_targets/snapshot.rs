//! Fuzz target `snapshot`: see moodtune_tests::fuzzing::snapshot.
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: moodtune_tests::fuzzing::snapshot::init(),
    |data: &[u8]| moodtune_tests::fuzzing::snapshot::run(data)
);
