//! The API document describes the router: every `/api/` route and method
//! of `src/http/mod.rs` is in `assets/openapi.json` and nothing else is;
//! every operation declares its path parameters, answers errors in the one
//! error shape and has a success answer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly on purpose"
)]

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

fn document() -> Value {
    let text = include_str!("../assets/openapi.json");
    serde_json::from_str(text).unwrap()
}

/// The text from `open` (just after an opening parenthesis) to its
/// matching closing one.
fn balanced(text: &str) -> &str {
    let mut depth = 1usize;
    for (at, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..at];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced route call");
}

/// `(path, method)` of every `.route("…", get(…).post(…))` in `source`.
fn routes_in(source: &str) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (at, _) in source.match_indices(".route(") {
        let call = balanced(&source[at + ".route(".len()..]);
        let path = call.split('"').nth(1).expect("route path literal");
        let handlers = &call[call.find(',').expect("route handlers")..];
        let mut found = false;
        for method in METHODS {
            for (i, _) in handlers.match_indices(&format!("{method}(")) {
                let before = handlers[..i].chars().last().unwrap_or(' ');
                if !(before.is_alphanumeric() || before == '_') {
                    routes.insert((path.to_owned(), method.to_owned()));
                    found = true;
                }
            }
        }
        assert!(found, "no method found for {path}");
    }
    routes
}

fn operations(doc: &Value) -> BTreeMap<(String, String), Value> {
    let mut ops = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                ops.insert((path.clone(), method.clone()), op.clone());
            }
        }
    }
    ops
}

#[test]
fn every_api_route_is_documented_and_every_operation_is_routed() {
    let source = include_str!("../src/http/mod.rs");
    let routed: BTreeSet<_> = routes_in(source)
        .into_iter()
        .filter(|(path, _)| path.starts_with("/api/"))
        .collect();
    assert!(routed.len() > 60, "the route parser found only {routed:?}");
    let documented: BTreeSet<_> = operations(&document()).into_keys().collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "not in openapi.json: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
}

#[test]
fn every_operation_declares_its_path_parameters() {
    for ((path, method), op) in operations(&document()) {
        let wanted: Vec<&str> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let declared: Vec<&str> = op["parameters"]
            .as_array()
            .map(|params| {
                params
                    .iter()
                    .filter(|p| p["in"] == "path" && p["required"] == true)
                    .filter_map(|p| p["name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(declared, wanted, "{method} {path}");
    }
}

#[test]
fn every_operation_answers_success_and_errors_in_the_error_shape() {
    let doc = document();
    let error = &doc["components"]["schemas"]["Error"];
    assert_eq!(error["required"], serde_json::json!(["error"]));
    for ((path, method), op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses
                .keys()
                .any(|s| s.starts_with('2') || s.starts_with('3')),
            "{method} {path} has no success answer"
        );
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{method} {path} {status}"
                );
            }
        }
        let json_body = op["requestBody"]["content"]["application/json"].is_object();
        for status in ["400", "413", "415", "422"] {
            assert!(
                !json_body || responses.contains_key(status),
                "{method} {path} takes JSON but does not declare {status}"
            );
        }
    }
}

#[test]
fn creating_a_user_takes_no_password_and_may_take_an_end_date() {
    let doc = document();
    let schema = &doc["paths"]["/api/v1/admin/users"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!required.contains(&"password"), "{required:?}");
    assert!(schema["properties"]["password"].is_null());
    assert!(schema["properties"]["valid_until"].is_object());
    assert!(doc["components"]["schemas"]["User"]["properties"]["valid_until"].is_object());
}

#[test]
fn the_route_parser_finds_chained_methods() {
    let source = r#".route("/a/{id}", get(x::show).post(x::change))
        .route(
            "/b",
            axum::routing::delete(y::remove),
        )"#;
    let found: Vec<_> = routes_in(source).into_iter().collect();
    let expected = [("/a/{id}", "get"), ("/a/{id}", "post"), ("/b", "delete")]
        .map(|(p, m)| (p.to_owned(), m.to_owned()));
    assert_eq!(found, expected);
}
