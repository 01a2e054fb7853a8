//! The house rules of ARCHITECTURE.md, checked on the source itself so that they cannot rot:
//! adapters reach core only through its facade, core knows no chat platform, the rooms of core
//! and the files of each room import one another without cycles, and files stay readable.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace root (this crate lives in `tests/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Every `.rs` file under `dir`, recursively, in a stable order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable source dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without its unit tests (by convention the `#[cfg(test)]` module closes a
/// file) and without comment lines, so that docs may name any room.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("readable source file");
    let body = text.split("#[cfg(test)]").next().unwrap_or("");
    body.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path `prefix::a::b...` named in `code`, with grouped imports (`prefix::a::{b, c}`)
/// expanded one level: `[a, b]`, `[a, c]`.
fn paths(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let ident_end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let path: Vec<String> = rest[..ident_end]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if rest[ident_end..].starts_with('{') {
            let group = &rest[ident_end + 1
                ..rest[ident_end..]
                    .find('}')
                    .map_or(rest.len(), |e| ident_end + e)];
            for item in group.split(',') {
                let first = item.trim().split("::").next().unwrap_or("").trim();
                if !first.is_empty() {
                    let mut p = path.clone();
                    p.push(first.to_string());
                    out.push(p);
                }
            }
        } else {
            out.push(path);
        }
    }
    out
}

/// A file's module path inside core (`vision/pipeline.rs` -> `[vision, pipeline]`).
fn module_of(core_src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(core_src).expect("file under core/src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The first cycle of a directed graph, if any (depth-first search).
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == m).unwrap_or(0);
                    let mut c = stack[from..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(m, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, edges, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn adapters_reach_core_only_through_its_facade() {
    // The rooms an adapter may name: the engine (the facade) and the emotion types it speaks.
    let allowed = ["engine", "emotion"];
    let mut bad = Vec::new();
    for file in rust_files(&root().join("adapters/src")) {
        for p in paths(&code(&file), "moodtune_core::") {
            let room = p.first().map(String::as_str).unwrap_or("");
            let is_room = room.chars().next().is_some_and(|c| c.is_ascii_lowercase());
            if is_room && !allowed.contains(&room) {
                bad.push(format!(
                    "{}: moodtune_core::{}",
                    file.display(),
                    p.join("::")
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "adapters must not reach into core's rooms:\n{}",
        bad.join("\n")
    );
}

#[test]
fn core_knows_no_chat_platform() {
    for file in rust_files(&root().join("core/src")) {
        let code = code(&file);
        for platform in ["teloxide", "serenity", "axum"] {
            assert!(
                !code.contains(platform),
                "{} uses {platform}",
                file.display()
            );
        }
    }
}

#[test]
fn core_rooms_and_their_files_import_without_cycles() {
    let core_src = root().join("core/src");
    let files = rust_files(&core_src);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&core_src, f)).collect();
    let mut rooms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut siblings: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let me = module_of(&core_src, file);
        let Some(room) = me.first() else { continue };
        rooms.entry(room.clone()).or_default();
        for p in paths(&code(file), "crate::") {
            if let Some(other) = p
                .first()
                .filter(|o| *o != room && modules.contains(&vec![(*o).clone()]))
            {
                rooms.entry(room.clone()).or_default().insert(other.clone());
            }
            // A sibling file of the same folder: `crate::<parent>::<sibling>...`.
            let parent = &me[..me.len() - 1];
            if p.len() > parent.len() && p[..parent.len()] == *parent {
                let mut sibling = parent.to_vec();
                sibling.push(p[parent.len()].clone());
                if sibling != me && modules.contains(&sibling) {
                    siblings
                        .entry(me.join("::"))
                        .or_default()
                        .insert(sibling.join("::"));
                }
            }
        }
    }
    assert!(
        rooms.contains_key("store") && rooms.contains_key("engine"),
        "{rooms:?}"
    );
    if let Some(c) = cycle(&rooms) {
        panic!("core's rooms import in a cycle: {}", c.join(" -> "));
    }
    if let Some(c) = cycle(&siblings) {
        panic!("files of one folder import in a cycle: {}", c.join(" -> "));
    }
    // The store runs no analysis and serves no request.
    let store = &rooms["store"];
    for forbidden in ["text", "vision", "index", "ingest", "engine"] {
        assert!(
            !store.contains(forbidden),
            "store imports {forbidden}: {store:?}"
        );
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert_eq!(cycle(&g), None);
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(cycle(&g).map(|c| c.len()), Some(4));
    let grouped = paths(
        "use crate::vision::{area, decode::decode, Face};",
        "crate::",
    );
    assert_eq!(
        grouped,
        [["vision", "area"], ["vision", "decode"], ["vision", "Face"]]
            .map(|p| p.map(String::from).to_vec())
    );
}

#[test]
fn source_files_stay_readable_in_one_sitting() {
    let mut long = Vec::new();
    for dir in [
        "core/src",
        "adapters/src",
        "bot/src",
        "models/src",
        "migrations/src",
    ] {
        for file in rust_files(&root().join(dir)) {
            let text = std::fs::read_to_string(&file).expect("readable");
            let lines = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or("")
                .lines()
                .count();
            if lines > 600 {
                long.push(format!(
                    "{}: {lines} lines before its tests",
                    file.display()
                ));
            }
        }
    }
    assert!(long.is_empty(), "split these files:\n{}", long.join("\n"));
}
