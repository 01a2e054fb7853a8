//! Fuzz target `image`: see moodtune_tests::fuzzing::photo.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    moodtune_tests::fuzzing::photo::decode_only(data);
});
