//! The training form's checklist of the seven topics (第7-1) against the
//! real binary: the company's administrator ticks the topics a session
//! covered, the record keeps them (and the page lists them); a refused form
//! comes back with the same boxes ticked; a training recorded without the
//! checklist shows its topics as unknown. On SQLite.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{world, Client, Db, Gateway};

async fn post(client: &mut Client, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let req = client.request(Method::POST, path).form(form);
    let response = client.0.send(req).await.unwrap();
    (response.status(), response.text().await.unwrap())
}

fn trainings_of<'a>(records: &'a Value, user: &str) -> Vec<&'a Value> {
    records["trainings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["user_id"] == user)
        .collect()
}

#[tokio::test]
async fn the_form_records_the_topics_ticked() {
    let Some(gw) = Gateway::start(Db::Sqlite).await else {
        return;
    };
    let w = world(&gw).await;
    let company = w.company_a.clone();
    let handler = w.user_id("a.handler").to_owned();
    let mut op = gw.operator().await;
    let (s, b) = op
        .json(
            Method::POST,
            &format!("/api/v1/admin/users/{}/duties", w.user_id("a.member")),
            json!({ "duty": "security-admin" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let mut admin = gw.login("a.member", w.password("a.member")).await;
    let page = format!("/records/{company}");
    let form = format!("/records/{company}/training");

    // The form offers the seven topics, none ticked beforehand.
    let (s, html) = admin.send(admin.request(Method::GET, &page)).await;
    assert_eq!(s, StatusCode::OK);
    let html = String::from_utf8(html).unwrap();
    assert_eq!(html.matches("name=\"topic-").count(), 7, "{html}");
    assert!(!html.contains("id=\"training-topic-importance\" checked"));

    // Refused (an instructor of spaces): the ticked boxes come back ticked.
    let mut fields = vec![
        ("user", handler.as_str()),
        ("course", "annual"),
        ("completed_on", "2026-04-15"),
        ("instructor", "   "),
        ("topics", "年次教育"),
        ("topic-importance", "on"),
        ("topic-policies", "on"),
    ];
    let (s, html) = post(&mut admin, &form, &fields).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{html}");
    assert!(
        html.contains(
            "name=\"topic-importance\" value=\"on\" id=\"training-topic-importance\" checked"
        ),
        "{html}"
    );
    assert!(
        html.contains("name=\"topic-conduct\" value=\"on\" id=\"training-topic-conduct\">"),
        "{html}"
    );

    // Accepted: the record keeps the two topics, in the standard's order.
    if let Some(f) = fields.iter_mut().find(|(k, _)| *k == "instructor") {
        f.1 = "保護システム管理者";
    }
    let (s, html) = post(&mut admin, &form, &fields).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    let api = format!("/api/v1/records/companies/{company}");
    let (s, records) = admin.get(&api).await;
    assert_eq!(s, StatusCode::OK, "{records}");
    let recorded = trainings_of(&records, &handler);
    assert_eq!(recorded.len(), 1, "{records}");
    assert_eq!(
        recorded[0]["covered_topics"],
        json!(["importance", "policies"])
    );

    // Recorded without the checklist (as before it): topics unknown.
    let (s, b) = admin
        .json(
            Method::POST,
            &format!("/api/v1/records/training/{handler}"),
            json!({ "course": "role", "completed_on": "2026-04-16", "topics": "役割別教育",
                    "instructor": "総括者" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, records) = admin.get(&api).await;
    let unknown = trainings_of(&records, &handler)
        .into_iter()
        .find(|t| t["course"] == "role")
        .cloned()
        .unwrap();
    assert_eq!(unknown["covered_topics"], Value::Null, "{unknown}");
    let (_, html) = admin.send(admin.request(Method::GET, &page)).await;
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("data-topic=\"importance\""), "{html}");
    assert!(html.contains("class=\"topics-unknown\""), "{html}");
    gw.stop().await;
}
