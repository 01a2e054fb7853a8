//! Fuzz target `crawl_answer`: see moodtune_tests::fuzzing::crawl.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    moodtune_tests::fuzzing::crawl::run(data);
});
