//! The layers are crates, and no crate depends on one above it: read from
//! `cargo metadata`, so a new dependency that breaks the direction fails
//! here (cargo-deny's bans keep the web stack, SQL and the HTTP client in
//! their crates; this keeps our own crates in order). The use cases and the
//! domain also never open sockets (`tokio::net`), which no feature flag can
//! forbid in a workspace, so their sources are searched.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly on purpose"
)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Each crate's layer: a crate may depend only on crates of lower layers
/// (adapters may also use each other).
fn layer(name: &str) -> Option<u8> {
    Some(match name {
        "dsg-core" | "dsg-proto" => 0,
        "dsg-crypto" | "dsg-store" | "dsg-blob" | "dsg-pki" | "dsg-audit" | "dsg-identity"
        | "dsg-policy" => 1,
        "dsg-app" => 2,
        "dsg-workers" => 3,
        // The API from inside (routes) and from outside (the typed client).
        "dsg-web" | "dsg-client" => 4,
        "dsg-cli" | "dsg-bench" => 5,
        // Test infrastructure that drives the binary (a dev-dependency only).
        "dsg-testkit" => 5,
        "dsg-test-authenticator" => 1,
        _ => return None,
    })
}

fn metadata() -> Value {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn no_crate_depends_on_a_layer_above_it() {
    let meta = metadata();
    let mut checked = 0;
    for package in meta["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        let Some(own) = layer(name) else {
            panic!("{name} has no layer: add it to layer() and to ARCHITECTURE.md");
        };
        for dep in package["dependencies"].as_array().unwrap() {
            // Dev-dependencies may reach up (tests start the whole gateway).
            if dep["kind"].as_str() == Some("dev") {
                continue;
            }
            let dep_name = dep["name"].as_str().unwrap();
            if let Some(theirs) = layer(dep_name) {
                assert!(
                    theirs < own || (theirs == 1 && own == 1),
                    "{name} (layer {own}) depends on {dep_name} (layer {theirs})"
                );
                checked += 1;
            }
        }
        if name == "dsg-core" {
            let foreign: Vec<&str> = package["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].as_str() != Some("dev"))
                .map(|d| d["name"].as_str().unwrap())
                .filter(|d| {
                    ["tokio", "axum", "sqlx", "reqwest", "hyper", "object_store"].contains(d)
                })
                .collect();
            assert!(foreign.is_empty(), "dsg-core does IO through {foreign:?}");
        }
    }
    assert!(checked > 20, "only {checked} edges seen");
}

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
}

#[test]
fn the_use_cases_and_the_domain_open_no_sockets_and_speak_no_http() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for name in ["dsg-core", "dsg-app"] {
        let mut files = Vec::new();
        sources(&crates.join(name).join("src"), &mut files);
        assert!(!files.is_empty());
        for (path, text) in files {
            for banned in ["tokio::net", "axum::", "sqlx::", "reqwest::", "hyper::"] {
                assert!(!text.contains(banned), "{path} uses {banned}");
            }
        }
    }
}

#[test]
fn the_use_cases_reach_the_store_only_through_its_ports() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dsg-app/src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(!files.is_empty());
    for (path, text) in files {
        // The concrete store is wired in by the composition root
        // (`Ports::of` in dsg-workers); a use case names only a port.
        let named = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| word == "Store");
        assert!(!named, "{path} names the whole store (`Store`)");
    }
}

#[test]
fn the_tasks_reach_the_store_only_through_its_ports() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dsg-workers/src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 5, "{files:?}");
    for (path, text) in files {
        // The composition root opens the store, wires it into the ports
        // of the use cases and the tasks, and closes it; nothing else in
        // the crate names it.
        if path.ends_with("gateway.rs") {
            continue;
        }
        // Code, not comments; `Store(…)` is an error variant's name.
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let named = code.match_indices("Store").any(|(at, _)| {
            let before = code[..at].chars().next_back();
            let after = code[at + "Store".len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !word(before) && !word(after) && after != Some('(')
        });
        assert!(!named, "{path} names the whole store (`Store`)");
    }
}

/// Every crate's `src/` (and the integration tests): (crate, path, text).
fn all_sources() -> Vec<(String, std::path::PathBuf, String)> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        for sub in ["src", "tests", "benches"] {
            let root = dir.join(sub);
            if !root.is_dir() {
                continue;
            }
            let mut files = Vec::new();
            sources(&root, &mut files);
            for (path, text) in files {
                out.push((name.clone(), std::path::PathBuf::from(path), text));
            }
        }
    }
    out
}

#[test]
fn no_source_file_is_over_800_lines() {
    let sources = all_sources();
    assert!(sources.len() > 100, "only {} files", sources.len());
    let long: Vec<String> = sources
        .iter()
        .filter(|(_, _, text)| text.lines().count() > 800)
        .map(|(_, path, text)| format!("{} ({} lines)", path.display(), text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split into modules: {long:?}");
}

/// The module path of a file under `src/` (`http/mod.rs` → `["http"]`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let mut parts: Vec<String> = file
        .strip_prefix(src)
        .unwrap()
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The modules of `modules` a file of module `own` names through a
/// `crate::…` or `super::…` path, outside its tests.
fn named_modules(own: &[String], text: &str, modules: &[Vec<String>]) -> Vec<Vec<String>> {
    let code = text.split("#[cfg(test)]").next().unwrap();
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    for start in ["crate::", "super::"] {
        for (at, _) in code.match_indices(start) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: Vec<&str> = code[at..]
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap()
                .split("::")
                .filter(|p| !p.is_empty())
                .collect();
            let (mut target, rest): (Vec<String>, &[&str]) = if path[0] == "crate" {
                (Vec::new(), &path[1..])
            } else {
                let supers = path.iter().take_while(|p| **p == "super").count();
                let keep = own.len().saturating_sub(supers);
                (own[..keep].to_vec(), &path[supers..])
            };
            let mut best = None;
            for part in rest {
                target.push((*part).to_owned());
                if modules.contains(&target) {
                    best = Some(target.clone());
                } else {
                    break;
                }
            }
            if let Some(module) = best {
                if module != own {
                    found.push(module);
                }
            }
        }
    }
    found
}

#[test]
fn no_two_modules_import_each_other() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cycles = Vec::new();
    let mut edges_seen = 0;
    for entry in std::fs::read_dir(&crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        let mut files = Vec::new();
        sources(&src, &mut files);
        let modules: Vec<Vec<String>> = files
            .iter()
            .map(|(path, _)| module_of(&src, Path::new(path)))
            .collect();
        let mut edges = std::collections::BTreeSet::new();
        for ((_, text), own) in files.iter().zip(&modules) {
            for target in named_modules(own, text, &modules) {
                edges.insert((own.clone(), target));
            }
        }
        edges_seen += edges.len();
        for (a, b) in &edges {
            // A parent and its child module are one unit: the child uses
            // what the parent declares, the parent re-exports the child.
            let nested = a.starts_with(b) || b.starts_with(a);
            if a < b && !nested && edges.contains(&(b.clone(), a.clone())) {
                cycles.push(format!(
                    "{}: {} <-> {}",
                    src.display(),
                    a.join("::"),
                    b.join("::")
                ));
            }
        }
    }
    assert!(edges_seen > 100, "only {edges_seen} imports seen");
    assert!(
        cycles.is_empty(),
        "modules importing each other: {cycles:?}"
    );
}
