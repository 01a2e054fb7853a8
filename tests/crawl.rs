//! The NetEase crawler end to end against a fake NeteaseCloudMusicApi server on 127.0.0.1: the
//! library on SQLite and PostgreSQL (paging, faults, resuming, labelling), and the `moodtune crawl`
//! binary killed halfway and started again. (Declared in bot/Cargo.toml for the binary's path.)

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moodtune_core::ingest::crawl::{crawl, CrawlConfig, CrawlSummary};
use moodtune_core::store::{Catalog, CatalogStats};
use moodtune_core::text::lexicon::Lexicon;
use moodtune_core::text::{Method, TextAnalyzer};
use moodtune_models::{lyric, track_emotion};
use moodtune_tests::fake_netease::{CatalogShape, FakeNetease, Fault, MAX_TRACK_PAGE};
use moodtune_tests::TestDb;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn config(fake: &FakeNetease) -> CrawlConfig {
    CrawlConfig {
        api: fake.url.clone(),
        categories: vec!["伤感".into(), "快乐".into()],
        playlists_per_category: 3,
        comments: 3,
        concurrency: 4,
        rate_per_sec: 0.0,
        retries: 3,
        backoff: Duration::from_millis(5),
        ..CrawlConfig::default()
    }
}

async fn run(catalog: &Catalog, cfg: &CrawlConfig) -> CrawlSummary {
    crawl(
        catalog,
        cfg,
        Arc::new(AtomicBool::new(false)),
        Arc::new(|_| {}),
    )
    .await
    .expect("crawl")
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::new(Lexicon::embedded().0, Method::default())
}

/// Distinct tracks of the listed categories, as the fake serves them.
fn expected_tracks(fake: &FakeNetease, categories: &[&str]) -> HashSet<i64> {
    categories
        .iter()
        .flat_map(|c| fake.playlist_ids(c))
        .flat_map(|p| fake.playlist_tracks(p))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_pages_stores_everything_once_and_labels() {
    for db in TestDb::both("crawl").await {
        let fake = FakeNetease::start(CatalogShape::default()).await;
        let catalog = Catalog::open(&db.url, 4, Duration::from_secs(5))
            .await
            .unwrap();
        let cfg = config(&fake);
        let s = run(&catalog, &cfg).await;
        let tracks = expected_tracks(&fake, &["伤感", "快乐"]);
        assert_eq!(s.playlists_listed, 6, "{}", db.backend);
        assert_eq!(s.playlists_stored, 6);
        assert_eq!(s.failures, 0, "{s:?}");
        assert_eq!(s.tracks, tracks.len());
        assert_eq!(s.lyrics + s.no_lyrics, tracks.len());
        let instrumental = tracks
            .iter()
            .filter(|t| FakeNetease::is_instrumental(**t) || FakeNetease::is_uncollected(**t))
            .count();
        assert_eq!(s.no_lyrics, instrumental);
        assert_eq!(s.comments, tracks.len() * 3);
        // 150 tracks per playlist, pages capped at 100 by the server: two pages each.
        let pages = CatalogShape::default()
            .tracks_per_playlist
            .div_ceil(MAX_TRACK_PAGE) as u64;
        assert_eq!(fake.requests_to("/playlist/track/all"), 6 * pages);
        assert_eq!(fake.requests_to("/lyric"), tracks.len() as u64);

        let stats = catalog.stats().await.unwrap();
        assert_eq!(stats.playlists, 6);
        assert_eq!(stats.tracks, tracks.len() as u64);
        assert_eq!(stats.lyrics, tracks.len() as u64);
        assert_eq!(stats.comments, tracks.len() as u64 * 3);
        assert_eq!(stats.artists, 97.min(tracks.len()) as u64);

        // Lyrics are plain text: no time tags, no credit lines; instrumentals are flagged.
        let lyrics = lyric::Entity::find()
            .all(&sea_orm::Database::connect(&db.url).await.unwrap())
            .await
            .unwrap();
        for l in &lyrics {
            assert!(
                !l.content.contains("[00:") && !l.content.contains("作词"),
                "{l:?}"
            );
            assert_eq!(l.instrumental, FakeNetease::is_instrumental(l.track_id));
            let expect_text = !FakeNetease::is_instrumental(l.track_id)
                && !FakeNetease::is_uncollected(l.track_id);
            assert_eq!(!l.content.is_empty(), expect_text, "{l:?}");
        }

        // Labelling afterwards: every track gets a vector; sad playlists' tracks read sad.
        let label = moodtune_core::ingest::label_tracks(&catalog, &analyzer(), false)
            .await
            .unwrap();
        assert_eq!(label.tracks, tracks.len());
        assert!(label.labelled >= tracks.len() * 9 / 10, "{label:?}");
        let sad: HashSet<i64> = fake
            .playlist_ids("伤感")
            .into_iter()
            .flat_map(|p| fake.playlist_tracks(p))
            .collect();
        let rows = track_emotion::Entity::find()
            .filter(track_emotion::Column::TrackId.is_in(sad.iter().copied()))
            .all(&sea_orm::Database::connect(&db.url).await.unwrap())
            .await
            .unwrap();
        let negative = rows.iter().filter(|r| r.dominant.starts_with('N')).count();
        assert!(
            negative * 10 >= rows.len() * 8,
            "{negative} of {} sad tracks read negative",
            rows.len()
        );

        // A second crawl finds everything stored: it lists, and fetches nothing else.
        let before = fake.requests();
        let again = run(&catalog, &cfg).await;
        assert_eq!(again.playlists_stored, 0);
        assert_eq!(again.playlists_skipped, 6);
        assert_eq!(
            fake.requests() - before,
            2,
            "only the two listings: {again:?}"
        );
        assert_eq!(
            catalog.stats().await.unwrap(),
            stats_with_labels(stats, &catalog).await
        );
        // Nothing changed, so nothing needs relabelling.
        let relabel = moodtune_core::ingest::label_tracks(&catalog, &analyzer(), false)
            .await
            .unwrap();
        assert_eq!(relabel.tracks, 0);
    }
}

async fn stats_with_labels(mut s: CatalogStats, catalog: &Catalog) -> CatalogStats {
    s.labelled = catalog.stats().await.unwrap().labelled;
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_retried_or_reported_and_resumed() {
    let db = TestDb::sqlite();
    let fake = FakeNetease::start(CatalogShape::default()).await;
    let catalog = Catalog::open(&db.url, 4, Duration::from_secs(5))
        .await
        .unwrap();
    let cfg = CrawlConfig {
        timeout: Duration::from_millis(500),
        ..config(&fake)
    };
    let pid = fake.playlist_ids("伤感")[1];
    let tracks = fake.playlist_tracks(pid);
    let (t1, t2, t3) = (tracks[3], tracks[4], tracks[5]);
    // A 502 (twice) then success, NetEase's "too frequent" then success: retried, not failures.
    fake.fail_next(
        &format!("/playlist/track/all?id={pid}&offset=100"),
        Fault::Status(502),
    );
    fake.fail_next(
        &format!("/playlist/track/all?id={pid}&offset=100"),
        Fault::Status(502),
    );
    fake.fail_next(&format!("/comment/hot?id={t1}"), Fault::ApiCode(405));
    // A request that hangs past the client's timeout is retried.
    let t4 = tracks[6];
    fake.fail_next(
        &format!("/lyric?id={t4}"),
        Fault::Stall(Duration::from_secs(3)),
    );
    // A body that is not JSON: a clear failure for that lyric only, fetched again by the next run.
    fake.fail_next(&format!("/lyric?id={t2}"), Fault::NotJson);
    // A 404 is not retried.
    fake.fail_next(&format!("/comment/hot?id={t3}"), Fault::Status(404));

    let s = run(&catalog, &cfg).await;
    assert_eq!(s.playlists_stored, 6, "{s:?}");
    assert_eq!(s.retries, 4, "{s:?}");
    assert_eq!(s.failures, 2, "{s:?}");
    let all = expected_tracks(&fake, &["伤感", "快乐"]);
    assert_eq!(s.tracks, all.len());
    assert_eq!(s.lyrics + s.no_lyrics, all.len() - 1);
    let stats = catalog.stats().await.unwrap();
    assert_eq!(stats.lyrics, all.len() as u64 - 1);
    assert_eq!(stats.comments, (all.len() as u64 - 1) * 3);

    // Resuming fetches exactly the two missing things.
    let before = (fake.requests_to("/lyric"), fake.requests_to("/comment/hot"));
    let again = run(&catalog, &cfg).await;
    assert_eq!(again.failures, 0, "{again:?}");
    assert_eq!(fake.requests_to("/lyric") - before.0, 1);
    assert_eq!(fake.requests_to("/comment/hot") - before.1, 1);
    let stats = catalog.stats().await.unwrap();
    assert_eq!(stats.lyrics, all.len() as u64);
    assert_eq!(stats.comments, all.len() as u64 * 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_that_is_not_there_is_a_clear_failure() {
    let db = TestDb::sqlite();
    let catalog = Catalog::open(&db.url, 4, Duration::from_secs(5))
        .await
        .unwrap();
    let fake = FakeNetease::start(CatalogShape::default()).await;
    for matching in ["/top/playlist?cat=伤感", "/top/playlist?cat=快乐"] {
        fake.fail_next(matching, Fault::NotJson);
    }
    let s = run(&catalog, &config(&fake)).await;
    assert_eq!(s.failures, 2);
    assert_eq!(s.playlists_stored, 0);
    let stats = catalog.stats().await.unwrap();
    assert_eq!(stats.tracks, 0);
    // A base that is not a URL is refused up front.
    let bad = CrawlConfig {
        api: "localhost:3000".into(),
        ..config(&fake)
    };
    let err = crawl(
        &catalog,
        &bad,
        Arc::new(AtomicBool::new(false)),
        Arc::new(|_| {}),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("not an http(s) URL"), "{err}");
}

fn binary(db: &std::path::Path, fake: &FakeNetease) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_moodtune"));
    c.env_remove("RUST_LOG")
        .env_remove("TELOXIDE_TOKEN")
        .env_remove("DISCORD_TOKEN")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", db.display()),
        )
        .env("MOODTUNE_NO_DEMO", "1")
        .args([
            "crawl",
            "netease",
            "--api",
            &fake.url,
            "--category",
            "伤感",
            "--category",
            "快乐",
            "--playlists",
            "3",
            "--comments",
            "3",
            "--concurrency",
            "4",
            "--rate",
            "0",
            "--backoff-ms",
            "5",
        ])
        .stdin(Stdio::null());
    c
}

fn stats_json(db: &std::path::Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_moodtune"))
        .env_remove("RUST_LOG")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", db.display()),
        )
        .env("MOODTUNE_NO_DEMO", "1")
        .args(["catalog", "stats", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_killed_halfway_resumes_to_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let shape = CatalogShape {
        delay: Duration::from_millis(3),
        ..CatalogShape::default()
    };

    // A clean crawl for reference.
    let clean_db = dir.path().join("clean.db");
    let fake = FakeNetease::start(shape.clone()).await;
    let out = tokio::task::spawn_blocking({
        let mut c = binary(&clean_db, &fake);
        move || c.output().unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("crawled playlists=6"), "{text}");
    assert!(text.contains("failures=0"), "{text}");
    let clean = stats_json(&clean_db);
    assert_eq!(clean["playlists"], 6);
    assert!(clean["labelled"].as_u64().unwrap() > 0);
    let clean_requests = fake.requests();

    // The same crawl killed (SIGKILL: no chance to clean up) in the middle of the track phase.
    let killed_db = dir.path().join("killed.db");
    let fake = FakeNetease::start(shape).await;
    let mut child = binary(&killed_db, &fake)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.requests_to("/comment/hot") < 300 {
        assert!(Instant::now() < deadline, "the crawl did not get going");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = stats_json(&killed_db);
    let stored = partial["comments"].as_u64().unwrap();
    assert!(
        stored > 0 && stored < clean["comments"].as_u64().unwrap(),
        "killed too early or too late to test anything: {partial}"
    );
    let killed_requests = fake.requests();

    // Started again, it finishes the job: the same rows as the clean crawl.
    let out = tokio::task::spawn_blocking({
        let mut c = binary(&killed_db, &fake);
        move || c.output().unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stats_json(&killed_db), clean);
    // And it did not start over: what was stored before the kill was not asked for again.
    let resumed = fake.requests() - killed_requests;
    assert!(
        resumed + stored / 3 <= clean_requests,
        "resumed crawl repeated work: {resumed} requests vs {clean_requests} for a clean crawl"
    );
}

/// A running engine picks up what a crawl (here through another catalog handle, as another
/// process would) stored and labelled, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_engine_follows_the_crawl() {
    let db = TestDb::sqlite();
    let engine = db.engine().await;
    let before = engine.index_info().tracks;
    assert!(
        !engine.reload_if_changed().await.unwrap(),
        "nothing changed yet"
    );
    let fake = FakeNetease::start(CatalogShape::default()).await;
    let other = Catalog::open(&db.url, 2, Duration::from_secs(5))
        .await
        .unwrap();
    run(&other, &config(&fake)).await;
    moodtune_core::ingest::label_tracks(&other, &analyzer(), false)
        .await
        .unwrap();
    assert!(engine.reload_if_changed().await.unwrap());
    let after = engine.index_info().tracks;
    let crawled = expected_tracks(&fake, &["伤感", "快乐"]).len();
    assert!(after >= before + crawled * 9 / 10, "{before} -> {after}");
    assert!(
        !engine.reload_if_changed().await.unwrap(),
        "reloaded once per change"
    );
}
