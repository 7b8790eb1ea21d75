//! What any caller can send: text cut at a byte index inside a character
//! must not panic, and every such request is answered and recorded.

use reqwest::StatusCode;

use crate::harness::{percent, world, Db, Gateway};

/// 63 ASCII bytes and a two-byte character: a cut at byte 64 falls inside it.
fn id_with_split_character() -> String {
    format!("{}é", "a".repeat(63))
}

#[tokio::test]
async fn multibyte_ids_at_the_cut_are_answered_and_recorded() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let odd = percent(&id_with_split_character());
    let handler = gw.login("a.handler", w.password("a.handler")).await;
    let paths = [
        format!("/api/v1/compartments/{odd}/files"),
        format!(
            "/api/v1/compartments/{}/files/{odd}/versions",
            w.compartment_a
        ),
        format!(
            "/api/v1/compartments/{}/files/{odd}/content",
            w.compartment_a
        ),
        format!("/api/v1/compartments/{odd}/files/{odd}/content"),
    ];
    for path in &paths {
        for mut client in [gw.client(), handler.clone()] {
            let (status, body) = client.get(path).await;
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::UNAUTHORIZED,
                "{path}: {status} {body}"
            );
            assert!(body["error"]["code"].is_string(), "{path}: {body}");
        }
    }
    let clipped = "a".repeat(63);
    let entries = gw.audit();
    let recorded = entries
        .iter()
        .filter(|e| e["object_id"].as_str() == Some(clipped.as_str()))
        .count();
    // Every signed-in request names the clipped id (compartment or file).
    assert!(recorded >= paths.len(), "{recorded} entries: {entries:?}");
    assert!(
        !entries.iter().any(|e| e["action"] == "request.fault"),
        "no request faulted"
    );
    gw.stop().await;
}
