//! The administration endpoints of the denial matrix (`denials.rs`):
//! every one is refused to whoever is not an agency operator.

use reqwest::Method;
use serde_json::{json, Value};

use dsg_testkit::World;

/// Every administration endpoint with a body that would pass, on company
/// A's and contract B's objects; `missing` names nothing.
pub(crate) fn admin_endpoints(
    w: &World,
    b_participant_id: &str,
    missing: &str,
) -> Vec<(Method, String, Value)> {
    vec![
        (Method::GET, "/api/v1/admin/overview".into(), Value::Null),
        (
            Method::POST,
            "/api/v1/admin/companies".into(),
            json!({ "name": "偽装会社" }),
        ),
        (
            Method::POST,
            "/api/v1/admin/users".into(),
            json!({ "company_id": w.company_a, "username": "intruder", "display_name": "x", "role": "operator", "password": "long-enough-password" }),
        ),
        (
            Method::POST,
            "/api/v1/admin/contracts".into(),
            json!({ "company_id": w.company_a, "number": "X-1", "title": "x", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "special_clause": true }),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/contracts/{}/compartment", w.contract_b),
            Value::Null,
        ),
        (
            Method::GET,
            format!("/api/v1/admin/contracts/{}/handlers", w.contract_a),
            Value::Null,
        ),
        (
            Method::PUT,
            format!(
                "/api/v1/admin/contracts/{}/handlers/{}",
                w.contract_a,
                w.user_id("a.member")
            ),
            Value::Null,
        ),
        (
            Method::DELETE,
            format!(
                "/api/v1/admin/contracts/{}/handlers/{}",
                w.contract_a,
                w.user_id("a.handler")
            ),
            Value::Null,
        ),
        (
            Method::GET,
            format!("/api/v1/admin/contracts/{}/participants", w.contract_a),
            Value::Null,
        ),
        (
            Method::PUT,
            format!(
                "/api/v1/admin/contracts/{}/participants/{}",
                w.contract_a, b_participant_id
            ),
            Value::Null,
        ),
        (
            Method::DELETE,
            format!(
                "/api/v1/admin/contracts/{}/participants/{}",
                w.contract_b, b_participant_id
            ),
            Value::Null,
        ),
        (Method::GET, "/api/v1/admin/policies".into(), Value::Null),
        (Method::GET, "/api/v1/admin/policies/1".into(), Value::Null),
        (
            Method::POST,
            "/api/v1/admin/policies".into(),
            json!({ "summary": "open everything", "policies": "@id(\"all\") permit (principal, action, resource);" }),
        ),
        (
            Method::POST,
            "/api/v1/admin/policies/1/what-if".into(),
            Value::Null,
        ),
        (
            Method::POST,
            "/api/v1/admin/policies/1/approve".into(),
            Value::Null,
        ),
        (
            Method::POST,
            "/api/v1/admin/policies/1/reject".into(),
            Value::Null,
        ),
        (
            Method::POST,
            "/api/v1/admin/policies/1/rollback".into(),
            Value::Null,
        ),
        (
            Method::GET,
            format!("/api/v1/admin/decisions/{}", w.compartment_a),
            Value::Null,
        ),
        (Method::GET, "/api/v1/audit/entries".into(), Value::Null),
        (Method::GET, "/api/v1/audit/export".into(), Value::Null),
        (
            Method::GET,
            "/api/v1/audit/entries/0/proof".into(),
            Value::Null,
        ),
        // Alerts: the agency's (an id that exists or not is never reached).
        (Method::GET, "/api/v1/alerts".into(), Value::Null),
        // The agency's compliance table: nobody here reads any company.
        (Method::GET, "/api/v1/compliance".into(), Value::Null),
        (
            Method::GET,
            "/api/v1/alerts?status=open".into(),
            Value::Null,
        ),
        (
            Method::GET,
            format!("/api/v1/alerts/{missing}"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/alerts/{missing}/acknowledge"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/alerts/{missing}/close"),
            json!({ "note": "closed by an outsider" }),
        ),
    ]
}
