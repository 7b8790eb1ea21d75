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
