//! Faults of the machine under the process, each with the promise it checks. (The others live
//! beside what they break: the database going away in cli.rs, the Bot API in telegram.rs, the
//! gateway in discord.rs, a killed crawl in crawl.rs.)

use moodtune_core::index::graph::GraphIndex;
use moodtune_core::index::snapshot;
use moodtune_tests::fuzzing::snapshot::{moods, params as snapshot_params};

/// The disk fills up while a new snapshot is written: the write fails with an error, and the
/// snapshot already on disk stays intact and loads (a small tmpfs plays the full disk).
#[test]
fn a_full_disk_leaves_the_old_snapshot_valid() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&mnt)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !mounted {
        assert_eq!(
            std::env::var("MOODTUNE_TEST_SKIP_MOUNT").as_deref(),
            Ok("1"),
            "mounting a small tmpfs needs root; set MOODTUNE_TEST_SKIP_MOUNT=1 to skip this test"
        );
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mnt.clone());

    let params = snapshot_params();
    let path = mnt.join("index.graph");
    let small = moods(500, 1);
    snapshot::save(&GraphIndex::build(small.clone(), params), 1, &path).expect("fits");
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 128 * 1024, "the old snapshot takes {size} bytes");
    // A catalog three times larger: its snapshot cannot fit in what is left.
    let large = moods(1500, 2);
    let err = snapshot::save(&GraphIndex::build(large.clone(), params), 2, &path)
        .expect_err("the disk is full");
    eprintln!("writing on a full disk: {err}");
    let (index, version) = snapshot::load(&path, &small, params).expect("the old snapshot loads");
    assert_eq!(version, 1);
    assert_eq!(moodtune_core::index::VectorIndex::len(&index), 500);
    // Nothing half-written is left beside it.
    let names: Vec<String> = std::fs::read_dir(&mnt)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["index.graph"], "left behind: {names:?}");
}
