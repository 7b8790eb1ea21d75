//! The API document describes the router: it is generated from the same
//! `OpenApiRouter` the gateway serves (`http::api_routes`), no `/api/`
//! route is added past it, and every operation declares its path
//! parameters, answers errors in the one error shape (`ErrorBody`) and
//! declares its success answer with a schema.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly on purpose"
)]

use std::collections::BTreeMap;

use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

fn document() -> Value {
    serde_json::to_value(dsg_web::http::openapi::document()).unwrap()
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

/// The schema `#/components/schemas/…` a reference names, or the schema
/// itself.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .expect("a local schema reference");
            let found = &doc["components"]["schemas"][name];
            assert!(found.is_object(), "dangling reference {reference}");
            found
        }
        None => schema,
    }
}

/// Every `(path, …)` argument of a routing call in `source` whose path is
/// a literal under `/api/`: such a route would be served but not in the
/// document, which only `routes!` feeds.
fn api_routes_outside_the_document(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for call in [".route(", ".route_service(", ".nest(", ".nest_service("] {
        for (at, _) in source.match_indices(call) {
            let rest = source[at + call.len()..].trim_start();
            if rest.starts_with("\"/api") {
                found.push(rest.lines().next().unwrap_or_default().to_owned());
            }
        }
    }
    found
}

#[test]
fn no_api_route_bypasses_the_document() {
    let sources = [
        include_str!("../src/http/mod.rs"),
        include_str!("../src/ui/mod.rs"),
    ];
    for source in sources {
        let bypassing = api_routes_outside_the_document(source);
        assert!(
            bypassing.is_empty(),
            "routed but not documented: {bypassing:?}"
        );
    }
    let ops = operations(&document());
    assert!(ops.len() > 60, "only {} operations", ops.len());
    assert!(ops.contains_key(&("/api/v1/openapi.json".to_owned(), "get".to_owned())));
}

#[test]
fn the_bypass_check_finds_a_plain_route() {
    let source = r#".route("/login", get(x))
        .route(
            "/api/v1/hidden", get(y))
        .nest_service("/api/v2", s)"#;
    assert_eq!(api_routes_outside_the_document(source).len(), 2);
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
fn every_operation_answers_success_with_a_schema_and_errors_in_the_error_shape() {
    let doc = document();
    let error = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(error["required"], serde_json::json!(["error"]));
    for ((path, method), op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        let mut successes = 0;
        for (status, response) in responses {
            let content = response["content"].as_object();
            if status.starts_with('2') || status.starts_with('3') {
                successes += 1;
                if status == "204" {
                    assert!(content.is_none(), "{method} {path} 204 has a body");
                    continue;
                }
                let content =
                    content.unwrap_or_else(|| panic!("{method} {path} {status} has no content"));
                for (media, body) in content {
                    assert!(
                        body["schema"].is_object(),
                        "{method} {path} {status} {media} has no schema"
                    );
                }
            } else {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
        }
        assert!(successes > 0, "{method} {path} has no success answer");
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
    let body = &doc["paths"]["/api/v1/admin/users"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    let schema = resolve(&doc, body);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!required.contains(&"password"), "{required:?}");
    assert!(schema["properties"]["password"].is_null());
    assert!(schema["properties"]["valid_until"].is_object());
    let user = &doc["components"]["schemas"]["User"];
    assert!(user["properties"]["valid_until"].is_object());
}

#[test]
fn the_document_is_openapi_3_1_with_both_security_schemes() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["csrf"]["in"], "header");
}

#[test]
fn every_schema_reference_resolves() {
    let doc = document();
    let text = doc.to_string();
    for (at, _) in text.match_indices("\"#/components/schemas/") {
        let rest = &text[at + "\"#/components/schemas/".len()..];
        let name = &rest[..rest.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "unresolvable reference to {name}"
        );
    }
}
