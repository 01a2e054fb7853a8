//! Index snapshots: a built [`GraphIndex`] written to a file, so a restart does not rebuild it.
//!
//! Why: at a million tracks a build takes about a minute of CPU. A process that restarts (a
//! deploy, a crash, a second bot of a fleet on the same catalog) would serve from the exact scan,
//! at ~10 ms per query, for that minute. With a snapshot of the same vectors it serves from the
//! graph at once.
//!
//! A snapshot is trusted only when everything checks: the magic and format version, a CRC-32 of
//! the whole file, the build parameters, the structure (every link points at a node), and the
//! vectors themselves, compared one by one with the vectors the catalog holds now. Anything else
//! is an error that says what did not match, and the caller rebuilds. Files are replaced
//! atomically (written beside, then renamed), so several processes may share one path.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::emotion::DIM;
use crate::index::graph::{GraphIndex, GraphParams, GraphParts};
use crate::index::persist::Persist;
pub use crate::index::persist::SnapshotError;

const MAGIC: &[u8; 8] = b"MTGRAPH\0";
/// 2: the caller's slot of each node follows the vectors (nodes are renumbered for the memory).
const FORMAT: u32 = 2;

impl Persist for GraphIndex {
    fn save_snapshot(&self, catalog_version: i64, path: &Path) -> Result<(), SnapshotError> {
        save(self, catalog_version, path)
    }
}

/// A writer that keeps the CRC-32 of what passed through it.
struct Crc<W> {
    inner: W,
    hasher: crc32fast::Hasher,
}

impl<W: Write> Write for Crc<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<R: Read> Read for Crc<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

fn put_u32s<W: Write>(w: &mut W, values: impl Iterator<Item = u32>) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(64 * 1024);
    for v in values {
        buf.extend_from_slice(&v.to_le_bytes());
        if buf.len() >= 64 * 1024 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}

/// Reads `count` little-endian u32 words, refusing counts larger than the bytes left (a damaged
/// length field must not allocate gigabytes).
fn get_u32s<R: Read>(r: &mut R, count: usize, left: &mut u64) -> Result<Vec<u32>, String> {
    let bytes = (count as u64)
        .checked_mul(4)
        .filter(|b| *b <= *left)
        .ok_or_else(|| format!("declares {count} words, more than the file holds"))?;
    *left -= bytes;
    let mut out = Vec::with_capacity(count);
    let mut buf = vec![0u8; 64 * 1024];
    let mut remaining = count;
    while remaining > 0 {
        let take = remaining.min(buf.len() / 4);
        r.read_exact(&mut buf[..take * 4])
            .map_err(|e| format!("truncated ({e})"))?;
        out.extend(
            buf[..take * 4]
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        remaining -= take;
    }
    Ok(out)
}

fn get_u64<R: Read>(r: &mut R, left: &mut u64) -> Result<u64, String> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)
        .map_err(|e| format!("truncated header ({e})"))?;
    *left = left.saturating_sub(8);
    Ok(u64::from_le_bytes(b))
}

/// Writes `index` to `path` atomically: a temporary file beside it, then a rename, so a reader
/// (this process after a restart, or another process) never sees half a snapshot.
pub fn save(index: &GraphIndex, catalog_version: i64, path: &Path) -> Result<(), SnapshotError> {
    let io = |source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    remove_abandoned(path);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = Crc {
            inner: BufWriter::new(file),
            hasher: crc32fast::Hasher::new(),
        };
        let p = index.parts();
        w.write_all(MAGIC)?;
        let header: [u64; 10] = [
            FORMAT as u64,
            catalog_version as u64,
            p.vectors.len() as u64,
            p.params.m as u64,
            p.params.ef_construction as u64,
            p.params.seed,
            p.entry as u64,
            p.top as u64,
            p.upper.len() as u64,
            p.m0 as u64,
        ];
        for h in header {
            w.write_all(&h.to_le_bytes())?;
        }
        put_u32s(&mut w, p.vectors.iter().flatten().map(|f| f.to_bits()))?;
        if p.slots.is_empty() {
            put_u32s(&mut w, 0..p.vectors.len() as u32)?;
        } else {
            put_u32s(&mut w, p.slots.iter().copied())?;
        }
        w.write_all(p.levels)?;
        put_u32s(&mut w, p.upper_at.iter().copied())?;
        put_u32s(&mut w, p.layer0.iter().copied())?;
        put_u32s(&mut w, p.upper.iter().copied())?;
        let crc = w.hasher.clone().finalize();
        let mut inner = w.inner;
        inner.write_all(&crc.to_le_bytes())?;
        let file = inner.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// Removes temporary files of saves that never finished (a process stopped while writing):
/// `PATH.tmpPID` files older than ten minutes.
fn remove_abandoned(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.tmp", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(600));
        if old && e.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Loads the snapshot at `path` if it is intact and holds exactly `vectors` built with `params`'
/// build parameters (`ef_search` is taken from `params`, being a search-time choice). Returns the
/// index and the catalog version it was written for.
pub fn load(
    path: &Path,
    vectors: &[[f32; DIM]],
    params: GraphParams,
) -> Result<(GraphIndex, i64), SnapshotError> {
    let io = |source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(SnapshotError::Missing(path.to_path_buf()))
        }
        Err(e) => return Err(io(e)),
    };
    let size = file.metadata().map_err(io)?.len();
    let corrupt = |why: String| SnapshotError::Corrupt {
        path: path.to_path_buf(),
        why,
    };
    let stale = |why: String| SnapshotError::Stale {
        path: path.to_path_buf(),
        why,
    };
    if size < (8 + 80 + 4) as u64 {
        return Err(corrupt(format!("only {size} bytes")));
    }
    // Everything but the trailing CRC goes through the hasher.
    let mut left = size - 4;
    let mut r = Crc {
        inner: BufReader::with_capacity(256 * 1024, file),
        hasher: crc32fast::Hasher::new(),
    };
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)
        .map_err(|e| corrupt(e.to_string()))?;
    left -= 8;
    if &magic != MAGIC {
        return Err(corrupt("not a moodtune index snapshot".into()));
    }
    let mut h = [0u64; 10];
    for x in h.iter_mut() {
        *x = get_u64(&mut r, &mut left).map_err(corrupt)?;
    }
    let [format, version, n, m, ef_construction, seed, entry, top, upper_len, m0] = h;
    if format != FORMAT as u64 {
        return Err(corrupt(format!(
            "format {format}, this build reads {FORMAT}"
        )));
    }
    // Cheap checks first: a different catalog is told apart before the big arrays are read.
    if n != vectors.len() as u64 {
        return Err(stale(format!(
            "{n} vectors, the catalog has {}",
            vectors.len()
        )));
    }
    if m != params.m.max(2) as u64 || ef_construction != params.ef_construction as u64 {
        return Err(stale(format!(
            "built with m {m}, ef_construction {ef_construction}; configured m {}, ef_construction {}",
            params.m, params.ef_construction
        )));
    }
    let n = n as usize;
    if m0 != 2 * m {
        return Err(corrupt(format!("layer-0 width {m0} for m {m}")));
    }
    let words = get_u32s(&mut r, n * DIM, &mut left).map_err(corrupt)?;
    let stored: Vec<[f32; DIM]> = words
        .chunks_exact(DIM)
        .map(|c| std::array::from_fn(|i| f32::from_bits(c[i])))
        .collect();
    drop(words);
    let slots = get_u32s(&mut r, n, &mut left).map_err(corrupt)?;
    if n as u64 > left {
        return Err(corrupt("truncated levels".into()));
    }
    let mut levels = vec![0u8; n];
    r.read_exact(&mut levels)
        .map_err(|e| corrupt(format!("truncated levels ({e})")))?;
    left -= n as u64;
    let upper_at = get_u32s(&mut r, n, &mut left).map_err(corrupt)?;
    let layer0 = get_u32s(&mut r, n * m0 as usize, &mut left).map_err(corrupt)?;
    let upper = get_u32s(&mut r, upper_len as usize, &mut left).map_err(corrupt)?;
    if left != 0 {
        return Err(corrupt(format!("{left} bytes more than declared")));
    }
    let computed = r.hasher.clone().finalize();
    let mut crc = [0u8; 4];
    r.inner
        .read_exact(&mut crc)
        .map_err(|e| corrupt(format!("truncated checksum ({e})")))?;
    if u32::from_le_bytes(crc) != computed {
        return Err(corrupt(format!(
            "checksum {:08x}, contents give {computed:08x}",
            u32::from_le_bytes(crc)
        )));
    }
    // Intact: now each node's vector must be the catalog's at the node's slot, bit for bit.
    if let Some(k) = (0..n).find(|&k| {
        slots[k] as usize >= n
            || stored[k]
                .iter()
                .zip(&vectors[slots[k] as usize])
                .any(|(a, b)| a.to_bits() != b.to_bits())
    }) {
        return Err(stale(format!(
            "vector {} differs from the catalog's",
            slots[k]
        )));
    }
    let parts = GraphParts {
        vectors: stored,
        slots,
        params: GraphParams {
            m: m as usize,
            ef_construction: ef_construction as usize,
            ef_search: params.ef_search,
            seed,
            ..params
        },
        m0: m0 as usize,
        layer0,
        levels,
        upper_at,
        upper,
        entry: entry as u32,
        top: top as usize,
    };
    let index = GraphIndex::from_parts(parts).map_err(corrupt)?;
    Ok((index, version as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emotion::Emotion;
    use crate::index::tests::random_vectors;
    use crate::index::VectorIndex;

    fn built() -> (Vec<[f32; DIM]>, GraphIndex) {
        let vs = random_vectors(3_000, 11);
        let g = GraphIndex::build(vs.clone(), GraphParams::default());
        (vs, g)
    }

    #[test]
    fn a_saved_graph_loads_and_answers_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("index.graph");
        let (vs, g) = built();
        save(&g, 42, &path).unwrap();
        let (back, version) = load(&path, &vs, GraphParams::default()).unwrap();
        assert_eq!(version, 42);
        for q in random_vectors(50, 12) {
            let q = Emotion(q);
            assert_eq!(g.search(&q, 10), back.search(&q, 10));
        }
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("index.graph")]);
    }

    #[test]
    fn damage_anywhere_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.graph");
        let (vs, g) = built();
        save(&g, 1, &path).unwrap();
        let good = std::fs::read(&path).unwrap();
        let len = good.len();
        // A flipped bit in the magic, the header, the vectors, the links and the checksum.
        for at in [3, 20, 100, len / 2, len - 1000, len - 2] {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            std::fs::write(&path, &bad).unwrap();
            let err = load(&path, &vs, GraphParams::default())
                .map(|_| ())
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    SnapshotError::Corrupt { .. } | SnapshotError::Stale { .. }
                ),
                "byte {at}: {err}"
            );
        }
        // Truncated, extended, empty, not a snapshot at all.
        for bad in [
            good[..len - 7].to_vec(),
            [good.clone(), vec![0; 16]].concat(),
            Vec::new(),
            b"PK\x03\x04 some zip file, not a snapshot at all, padded to be long enough for a header....".to_vec(),
        ] {
            std::fs::write(&path, &bad).unwrap();
            let err = load(&path, &vs, GraphParams::default()).map(|_| ()).unwrap_err();
            assert!(matches!(err, SnapshotError::Corrupt { .. }), "{err}");
            assert!(err.is_damage());
        }
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(
            load(&path, &vs, GraphParams::default()),
            Err(SnapshotError::Missing(_))
        ));
    }

    #[test]
    fn another_catalog_or_configuration_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.graph");
        let (vs, g) = built();
        save(&g, 1, &path).unwrap();
        let mut other = vs.clone();
        other[1234][0] += 1e-6;
        let table: [(&[[f32; DIM]], GraphParams); 3] = [
            (&vs[..2_999], GraphParams::default()),
            (&other, GraphParams::default()),
            (
                &vs,
                GraphParams {
                    ef_construction: 50,
                    ..GraphParams::default()
                },
            ),
        ];
        for (vectors, params) in table {
            let err = load(&path, vectors, params).map(|_| ()).unwrap_err();
            assert!(matches!(err, SnapshotError::Stale { .. }), "{err}");
            assert!(!err.is_damage());
        }
        // ef_search is a search-time choice: a snapshot serves any.
        let (back, _) = load(
            &path,
            &vs,
            GraphParams {
                ef_search: 128,
                ..GraphParams::default()
            },
        )
        .unwrap();
        assert_eq!(back.len(), vs.len());
    }
}
