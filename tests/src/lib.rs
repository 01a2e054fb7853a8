//! Shared harness of the end-to-end tests: databases to run against, fakes of the platforms, and
//! the bodies of the fuzz targets ([`fuzzing`]).
//!
//! Every storage test runs on SQLite (a fresh file) and on PostgreSQL (a fresh database on the
//! server at `MOODTUNE_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`, dropped
//! afterwards). PostgreSQL is required: a run without it fails loudly rather than passing on SQLite
//! alone, unless `MOODTUNE_TEST_SKIP_PG=1` says so explicitly.

use sea_orm::{ConnectionTrait, Database};

pub mod fake_discord;
pub mod fake_netease;
pub mod fake_telegram;
pub mod fuzzing;

/// Default PostgreSQL admin URL (trust auth on the CI machine).
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database for one test; dropping it removes the SQLite file or the PostgreSQL database.
pub struct TestDb {
    /// URL to hand to the engine.
    pub url: String,
    /// Which backend, for assertion messages.
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    /// A fresh SQLite file.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("moodtune.db").display()
        );
        TestDb {
            url,
            backend: "sqlite",
            _dir: Some(dir),
            pg_drop: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` when explicitly skipped.
    pub async fn postgres(name: &str) -> Option<TestDb> {
        if std::env::var("MOODTUNE_TEST_SKIP_PG").as_deref() == Ok("1") {
            eprintln!("MOODTUNE_TEST_SKIP_PG=1: skipping the PostgreSQL run of {name}");
            return None;
        }
        let admin =
            std::env::var("MOODTUNE_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_string());
        let db_name = format!(
            "moodtune_{}_{}_{}",
            name,
            std::process::id(),
            rand::random::<u32>()
        );
        let conn = Database::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is required for storage tests ({e}); set MOODTUNE_TEST_SKIP_PG=1 to skip"));
        conn.execute_unprepared(&format!("CREATE DATABASE \"{db_name}\""))
            .await
            .expect("create database");
        conn.close().await.ok();
        let (base, _) = admin.rsplit_once('/').expect("URL with a database name");
        Some(TestDb {
            url: format!("{base}/{db_name}"),
            backend: "postgres",
            _dir: None,
            pg_drop: Some((admin, db_name)),
        })
    }

    /// The database alone, as the CLI's store commands and other processes open it.
    pub async fn store(&self) -> moodtune_core::store::Catalog {
        open_store(&self.url).await
    }

    /// The engine on this database with the default configuration (demo catalog, embedded
    /// lexicon), ready to share between an adapter and a test.
    pub async fn engine(&self) -> std::sync::Arc<moodtune_core::Engine> {
        let config = moodtune_core::EngineConfig {
            database_url: self.url.clone(),
            ..Default::default()
        };
        std::sync::Arc::new(
            moodtune_core::Engine::open(config)
                .await
                .expect("engine opens on a fresh database"),
        )
    }

    /// Both backends (PostgreSQL unless skipped).
    pub async fn both(name: &str) -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite()];
        v.extend(TestDb::postgres(name).await);
        v
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_drop.take() {
            // Drop on a separate runtime: Drop may run inside or outside one.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let conn = Database::connect(&admin).await.ok()?;
                    conn.execute_unprepared(&format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    ))
                    .await
                    .ok()
                })
            })
            .join();
        }
    }
}

/// Opens the store at `url` beside whatever else uses it (an engine, another process).
pub async fn open_store(url: &str) -> moodtune_core::store::Catalog {
    moodtune_core::store::Catalog::open(url, 2, std::time::Duration::from_secs(10))
        .await
        .expect("the store opens")
}

/// A truncated greyscale PNG that declares `width` x `height` pixels: a few KB on disk, gigabytes
/// if a decoder believed it (a decompression bomb, as an attacker would send it).
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut enc = Vec::new();
    {
        let mut w = png::Encoder::new(&mut enc, width, height);
        w.set_color(png::ColorType::Grayscale);
        let mut writer = w.write_header().expect("png header");
        let mut stream = writer.stream_writer().expect("png stream");
        let row = vec![0u8; width as usize + 1];
        for _ in 0..50 {
            std::io::Write::write_all(&mut stream, &row).expect("png rows");
        }
        // Dropping the stream unfinished leaves the image truncated, as an attacker's would be.
        let _ = stream.finish();
    }
    enc
}

/// This process's peak resident memory in MB (VmHWM), for the bench binaries; NaN off Linux.
pub use moodtune_core::engine::peak_rss_mb;

/// Imports `playlists` into the engine's catalog, labels them and has the engine follow the new
/// catalog version, waiting for the index: what a crawl or `moodtune import` does, in one call.
pub async fn import_and_follow(
    engine: &moodtune_core::Engine,
    playlists: &[moodtune_core::ingest::dump::DumpPlaylist],
) {
    let store = open_store(&engine.config().database_url).await;
    store.import_playlists(playlists).await.unwrap();
    moodtune_core::ingest::label_tracks(&store, engine.analyzer(), false)
        .await
        .unwrap();
    assert!(
        engine.reload_if_changed().await.unwrap(),
        "the catalog version moved"
    );
    engine.wait_for_index().await;
}

/// A TCP forwarder on 127.0.0.1 that can be shut and reopened: a database that is down at
/// start-up, comes up, goes away while serving and comes back, as seen by the process under test
/// (which connects to the gate's port instead of the database's).
pub struct TcpGate {
    port: u16,
    target: std::net::SocketAddr,
    accept: Option<tokio::task::JoinHandle<()>>,
    conns: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl TcpGate {
    /// A shut gate in front of `target`, on a free port.
    pub fn shut(target: std::net::SocketAddr) -> TcpGate {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        TcpGate {
            port,
            target,
            accept: None,
            conns: Default::default(),
        }
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts forwarding (call inside a tokio runtime).
    pub async fn open(&mut self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("the gate's port is free again");
        let (target, conns) = (self.target, std::sync::Arc::clone(&self.conns));
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                conns.lock().expect("gate lock").push(task);
            }
        }));
    }

    /// Stops listening and cuts every forwarded connection.
    pub fn shut_now(&mut self) {
        if let Some(a) = self.accept.take() {
            a.abort();
        }
        for c in self.conns.lock().expect("gate lock").drain(..) {
            c.abort();
        }
    }
}

impl Drop for TcpGate {
    fn drop(&mut self) {
        self.shut_now();
    }
}

/// `host:port` of a database URL (`scheme://user@host:port/db`), resolved; port 5432 if absent.
pub fn url_host_port(url: &str) -> std::net::SocketAddr {
    use std::net::ToSocketAddrs;
    let after = url.split_once("://").map(|x| x.1).unwrap_or(url);
    let after = after.rsplit_once('@').map(|x| x.1).unwrap_or(after);
    let host = after.split('/').next().unwrap_or(after);
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    };
    host.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| panic!("cannot resolve {host}"))
}

/// The same URL with its `host:port` replaced.
pub fn url_with_host_port(url: &str, host_port: &str) -> String {
    let (scheme, after) = url.split_once("://").expect("a URL");
    let (user, after) = match after.rsplit_once('@') {
        Some((u, a)) => (format!("{u}@"), a),
        None => (String::new(), after),
    };
    let rest = after.find('/').map(|i| &after[i..]).unwrap_or("");
    format!("{scheme}://{user}{host_port}{rest}")
}
