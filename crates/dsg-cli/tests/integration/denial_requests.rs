//! The denial matrix's applications that take their own callers: help-desk
//! tickets and change requests (kept apart from `denials.rs` for its size).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use dsg_testkit::World;

use crate::denials::each_refused;
use crate::harness::{Client, Gateway};

/// The callers an application's endpoint refuses, the other company's
/// handler expecting `other`.
pub(crate) type Callers<'a> = &'a dyn Fn(StatusCode) -> Vec<(&'static str, Client, StatusCode)>;

/// Help-desk tickets: visible only to their company and the desk. Returns
/// the number of refused requests.
pub(crate) async fn tickets(gw: &Gateway, w: &World, op: &mut Client) -> usize {
    let mut made = 0;
    let (s, ticket) = op
        .json(
            Method::POST,
            "/api/v1/tickets",
            json!({ "company_id": w.company_a, "category": "terminal", "priority": "normal",
                    "subject": "起動しない", "body": "電話で受付" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{ticket}");
    let ticket = ticket["id"].as_str().unwrap().to_owned();
    let ticket_endpoints: Vec<(Method, String, Value)> = vec![
        (
            Method::GET,
            format!("/api/v1/tickets/{ticket}"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{ticket}/reply"),
            json!({ "message": "x" }),
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{ticket}/answer"),
            json!({ "message": "x" }),
        ),
    ];
    let ticket_provider = crate::memberships::provider_staff(gw, op, "p.tickets").await;
    let ticket_stranger = gw.login("b.handler", w.password("b.handler")).await;
    made += each_refused(
        &ticket_endpoints,
        vec![
            ("another company", ticket_stranger, StatusCode::NOT_FOUND),
            (
                "provider, not assigned",
                ticket_provider,
                StatusCode::NOT_FOUND,
            ),
        ],
    )
    .await;
    let (_, still) = op.get(&format!("/api/v1/tickets/{ticket}")).await;
    assert_eq!(still["state"], "open", "{still}");
    assert_eq!(still["steps"].as_array().unwrap().len(), 1, "{still}");
    made
}

/// Change requests: the same path and refusals as the other kinds; no
/// provider is ever assigned to one. Returns the number of refused requests.
pub(crate) async fn change_requests(
    gw: &Gateway,
    w: &World,
    op: &mut Client,
    callers: Callers<'_>,
) -> usize {
    let mut made = 0;
    let (s, change) = op
        .json(
            Method::POST,
            "/api/v1/applications/change",
            json!({ "company_id": w.company_a, "change": "closure", "site": "本社",
                    "details": "閉鎖" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{change}");
    let change = change["id"].as_str().unwrap().to_owned();
    made += each_refused(
        &[
            (
                Method::POST,
                "/api/v1/applications/change".into(),
                json!({ "change": "contacts", "details": "x" }),
            ),
            (
                Method::GET,
                "/api/v1/applications/change".into(),
                Value::Null,
            ),
        ],
        callers(StatusCode::FORBIDDEN),
    )
    .await;
    let change_endpoints: Vec<(Method, String, Value)> = ["", "/withdraw", "/complete"]
        .iter()
        .map(|tail| {
            let method = if tail.is_empty() {
                Method::GET
            } else {
                Method::POST
            };
            (
                method,
                format!("/api/v1/applications/change/{change}{tail}"),
                Value::Null,
            )
        })
        .collect();
    made += each_refused(&change_endpoints, callers(StatusCode::NOT_FOUND)).await;
    let change_provider = crate::memberships::provider_staff(gw, op, "p.changes").await;
    made += each_refused(
        &change_endpoints,
        vec![(
            "provider, not assigned",
            change_provider,
            StatusCode::NOT_FOUND,
        )],
    )
    .await;
    let (_, still) = op
        .get(&format!("/api/v1/applications/change/{change}"))
        .await;
    assert_eq!(still["state"], "submitted", "{still}");
    assert_eq!(still["steps"].as_array().unwrap().len(), 1, "{still}");

    made
}
