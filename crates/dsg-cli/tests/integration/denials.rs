//! The denial matrix: every endpoint × every kind of outsider. Nobody
//! reaches another company's or another contract's data, a denial looks
//! exactly like a missing object, and every denial is recorded.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::denial_admin::admin_endpoints;
use crate::harness::{data, files_under, world, Client, Db, Gateway};

/// The compartment endpoints, with `{c}` and `{f}` placeholders.
const COMPARTMENT_ENDPOINTS: [(&str, &str); 6] = [
    ("GET", "/api/v1/compartments/{c}/files"),
    ("POST", "/api/v1/compartments/{c}/files?name=x.txt"),
    ("GET", "/api/v1/compartments/{c}/files/{f}/versions"),
    ("POST", "/api/v1/compartments/{c}/files/{f}/versions"),
    ("GET", "/api/v1/compartments/{c}/files/{f}/content"),
    ("DELETE", "/api/v1/compartments/{c}/files/{f}"),
];

async fn hit(client: &mut Client, method: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client.request(method.clone(), path);
    if method == Method::POST {
        req = req.body(b"intruder data".to_vec());
    }
    client.send(req).await
}

/// Calls every endpoint as every caller, each expecting its status; returns
/// how many requests were made (each must be recorded as a denial).
pub(crate) async fn each_refused(
    endpoints: &[(Method, String, Value)],
    callers: Vec<(&str, Client, StatusCode)>,
) -> usize {
    let mut made = 0;
    for (who, mut client, expected) in callers {
        for (method, path, body) in endpoints {
            let (status, _) = if body.is_null() {
                client.call(method.clone(), path).await
            } else {
                client.json(method.clone(), path, body.clone()).await
            };
            made += 1;
            assert_eq!(status, expected, "{who}: {method} {path}");
        }
    }
    made
}

async fn denial_matrix(db: Db) {
    // Every actor of the matrix signs in from the one loopback address,
    // more than the default budget of a minute allows; the budget itself is
    // tested in `identity` (rate limit), not here.
    let Some(gw) = Gateway::start_with(db, &[("DSG_AUTH__LOGIN_ATTEMPTS_PER_MINUTE", "600")]).await
    else {
        return;
    };
    let w = world(&gw).await;
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let secret = data(300_000, 42);
    let (s, up) = handler
        .upload(&w.compartment_a, "secret.bin", secret.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let file_a = up["file"]["id"].as_str().unwrap().to_owned();
    let mut b_handler = gw.login("b.handler", w.password("b.handler")).await;
    // One session each for the rest: logins are rate limited per source.
    let member = gw.login("a.member", w.password("a.member")).await;
    let mut op = gw.operator().await;
    let (s, up) = b_handler
        .upload(&w.compartment_b, "b.bin", data(1000, 1))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let file_b = up["file"]["id"].as_str().unwrap().to_owned();
    // An agency participant of contract B, from a registered agency terminal.
    let agency = op.me().await.unwrap().user.company_id;
    let agency_pc = gw.register_terminal(&mut op, &agency, "AG-PC-09").await;
    let (b_participant_id, b_participant_password) =
        crate::exchange::agency_member(&gw, &mut op, &agency, "ag.b", &agency_pc).await;
    op.designate_participant(&w.contract_b, &b_participant_id)
        .await
        .unwrap();
    let b_participant = gw.login("ag.b", &b_participant_password).await;
    let blobs_before = files_under(&gw.data_dir().join("blobs")).len();
    let denied_before = gw
        .audit()
        .iter()
        .filter(|e| e["outcome"] == "denied")
        .count();

    let outsiders: Vec<(&str, Client)> = vec![
        ("anonymous", gw.client()),
        ("other company's handler", b_handler.clone()),
        ("same company, not a handler", member.clone()),
        (
            "removed handler",
            gw.login("a.removed", w.password("a.removed")).await,
        ),
        ("agency operator (wrong role)", op.clone()),
        (
            "agency participant of another contract",
            b_participant.clone(),
        ),
    ];
    let missing = uuid::Uuid::new_v4().to_string();
    let mut denied_requests = 0;
    for (who, mut client) in outsiders {
        for (method, template) in COMPARTMENT_ENDPOINTS {
            let path = template
                .replace("{c}", &w.compartment_a)
                .replace("{f}", &file_a);
            let (status, body) = hit(&mut client, method, &path).await;
            denied_requests += 1;
            if who == "anonymous" {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{who}: {method} {path}");
                continue;
            }
            assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {method} {path}");
            // Indistinguishable from a compartment that does not exist, or a malformed id.
            for other in [missing.as_str(), "not-a-uuid"] {
                let probe = template.replace("{c}", other).replace("{f}", &file_a);
                let (s2, body2) = hit(&mut client, method, &probe).await;
                denied_requests += 1;
                assert_eq!(
                    (s2, &body2),
                    (status, &body),
                    "{who}: {method} {probe} differs from a denial"
                );
            }
        }
        // A file id from the caller's own compartment does not open another one.
        if who == "other company's handler" {
            let path = format!(
                "/api/v1/compartments/{}/files/{file_b}/content",
                w.compartment_a
            );
            assert_eq!(
                hit(&mut client, "GET", &path).await.0,
                StatusCode::NOT_FOUND
            );
            denied_requests += 1;
        }
        // The UI pages answer the same way.
        if who != "anonymous" {
            for path in [
                format!("/compartments/{}", w.compartment_a),
                format!("/compartments/{}/files/{file_a}", w.compartment_a),
            ] {
                let (s, body) = hit(&mut client, "GET", &path).await;
                denied_requests += 1;
                assert_eq!(s, StatusCode::NOT_FOUND, "{who}: UI {path}");
                assert!(!String::from_utf8_lossy(&body).contains("secret.bin"));
            }
            let (s, list) = client.get("/api/v1/compartments").await;
            assert_eq!(s, StatusCode::OK);
            let visible: Vec<&Value> = list["compartments"].as_array().unwrap().iter().collect();
            assert!(
                visible
                    .iter()
                    .all(|c| c["compartment"]["id"] != w.compartment_a.as_str()),
                "{who} lists A"
            );
        }
    }

    // Disposal: the company's own managers only; everyone else learns
    // nothing (404), the agency's staff included.
    let disposal_endpoints: Vec<(Method, String, Value)> = vec![
        (
            Method::GET,
            format!("/api/v1/compartments/{}/disposals", w.compartment_a),
            Value::Null,
        ),
        (
            Method::POST,
            format!(
                "/api/v1/compartments/{}/files/{file_a}/disposal",
                w.compartment_a
            ),
            json!({ "method": "crypto_shred", "place": "x" }),
        ),
        (
            Method::POST,
            format!(
                "/api/v1/compartments/{}/disposals/{missing}/confirm",
                w.compartment_a
            ),
            Value::Null,
        ),
    ];
    let disposal_outsiders = vec![
        ("anonymous", gw.client(), StatusCode::UNAUTHORIZED),
        (
            "other company's handler",
            b_handler.clone(),
            StatusCode::NOT_FOUND,
        ),
        (
            "agency participant of another contract",
            b_participant.clone(),
            StatusCode::NOT_FOUND,
        ),
        ("agency operator", op.clone(), StatusCode::NOT_FOUND),
    ];
    denied_requests += each_refused(&disposal_endpoints, disposal_outsiders).await;

    // The inventory: the contract's people and the company's managers;
    // another company's handler and the agency participant of another
    // contract learn nothing (404), whatever the item.
    let item_a = handler.ledger(&w.compartment_a).await.unwrap().items[0]
        .id
        .clone();
    let item_path = |tail: &str| {
        format!(
            "/api/v1/compartments/{}/ledger/items/{item_a}/{tail}",
            w.compartment_a
        )
    };
    let ledger_endpoints: Vec<(Method, String, Value)> = vec![
        (
            Method::GET,
            format!("/api/v1/compartments/{}/ledger", w.compartment_a),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/compartments/{}/ledger/items", w.compartment_a),
            json!({ "kind": "paper", "title": "x", "opening": "receipt" }),
        ),
        (
            Method::POST,
            item_path("events"),
            json!({ "kind": "disposal" }),
        ),
        (
            Method::POST,
            item_path("permissions"),
            json!({ "act": "carry_out", "person": w.user_id("b.handler"),
                    "method": "hand_delivery", "recipient": "x", "container": "y" }),
        ),
        (Method::POST, item_path("check"), Value::Null),
    ];
    let ledger_outsiders = vec![
        ("anonymous", gw.client(), StatusCode::UNAUTHORIZED),
        (
            "other company's handler",
            b_handler.clone(),
            StatusCode::NOT_FOUND,
        ),
        (
            "agency participant of another contract",
            b_participant.clone(),
            StatusCode::NOT_FOUND,
        ),
    ];
    denied_requests += each_refused(&ledger_endpoints, ledger_outsiders).await;

    // The contract's end: outsiders (another company's handler, the agency
    // participant of another contract) learn nothing; the company's member
    // without a duty is refused what it may know of (its own contract) and
    // learns nothing of a request id.
    let end = |tail: &str| format!("/api/v1/compartments/{}/end{tail}", w.compartment_a);
    let some_request = uuid::Uuid::new_v4().to_string();
    let reason = json!({ "reason": "x", "until": "2099-01-01" });
    let decision = json!({ "approve": true, "reason": "x" });
    let end_on_compartment: Vec<(Method, String, Value)> = vec![
        (Method::GET, end(""), Value::Null),
        (Method::POST, end("/extensions"), reason.clone()),
        (Method::POST, end("/closing"), reason.clone()),
    ];
    let end_on_requests: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            end(&format!("/extensions/{some_request}/decision")),
            decision.clone(),
        ),
        (
            Method::POST,
            end(&format!("/closing/{some_request}/decision")),
            decision,
        ),
    ];
    let end_outsiders = || {
        vec![
            ("anonymous", gw.client(), StatusCode::UNAUTHORIZED),
            (
                "other company's handler",
                b_handler.clone(),
                StatusCode::NOT_FOUND,
            ),
            (
                "agency participant of another contract",
                b_participant.clone(),
                StatusCode::NOT_FOUND,
            ),
        ]
    };
    denied_requests += each_refused(&end_on_compartment, end_outsiders()).await;
    denied_requests += each_refused(&end_on_requests, end_outsiders()).await;
    denied_requests += each_refused(
        &end_on_compartment,
        vec![(
            "same company, without the duty",
            member.clone(),
            StatusCode::FORBIDDEN,
        )],
    )
    .await;
    denied_requests += each_refused(
        &end_on_requests,
        vec![(
            "same company, without the duty",
            member.clone(),
            StatusCode::NOT_FOUND,
        )],
    )
    .await;
    // The open items of the outsiders name nothing of contract A.
    for mut outsider in [b_handler.clone(), b_participant.clone()] {
        let open = outsider.open_items().await.unwrap();
        assert!(open
            .compartments
            .iter()
            .all(|c| c.compartment_id != w.compartment_a));
    }
    let (s, _) = gw.client().get("/api/v1/ledger/open").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Administration: only agency operators.
    let admin_endpoints = admin_endpoints(&w, &b_participant_id, &missing);
    let non_operators = vec![
        ("anonymous", gw.client(), StatusCode::UNAUTHORIZED),
        ("handler", handler.clone(), StatusCode::FORBIDDEN),
        (
            "other company's handler",
            b_handler.clone(),
            StatusCode::FORBIDDEN,
        ),
        ("non-handler", member.clone(), StatusCode::FORBIDDEN),
        (
            "agency participant",
            b_participant.clone(),
            StatusCode::FORBIDDEN,
        ),
    ];
    denied_requests += each_refused(&admin_endpoints, non_operators).await;

    // Company A's roster and training records: its security administrator
    // and the agency only; duties: operators only. Another company's people
    // learn nothing (404), like any resource they may not know of.
    let a_handler = w.user_id("a.handler");
    let record_endpoints: Vec<(Method, String, Value)> = vec![
        (
            Method::GET,
            format!("/api/v1/records/companies/{}", w.company_a),
            Value::Null,
        ),
        (
            Method::GET,
            format!("/api/v1/records/companies/{}/roster.csv", w.company_a),
            Value::Null,
        ),
        (
            Method::GET,
            format!(
                "/api/v1/records/companies/{}/roster.csv?contract={}",
                w.company_a, w.contract_a
            ),
            Value::Null,
        ),
        (
            Method::PUT,
            format!("/api/v1/records/roster/{a_handler}"),
            json!({ "full_name": "偽装", "birth_date": "1980-01-01", "department": "x",
                    "position": "x", "nationality": "x", "undertaking_date": "2026-01-01" }),
        ),
        (
            Method::POST,
            format!("/api/v1/records/roster/{a_handler}/confirm"),
            json!({ "submitted_at": 0 }),
        ),
        (
            Method::DELETE,
            format!("/api/v1/records/roster/{a_handler}"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/records/training/{a_handler}"),
            json!({ "course": "annual", "completed_on": "2026-01-01", "topics": "x", "instructor": "x" }),
        ),
        // The compliance view is read like the records; an attestation is
        // filed like an application for the company.
        (
            Method::GET,
            format!("/api/v1/compliance/companies/{}", w.company_a),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/compliance/companies/{}/attestations", w.company_a),
            json!({ "requirement": "4-1", "attested_by": "偽装", "document": "x",
                    "attested_on": "2026-01-01", "valid_until": "2026-12-31" }),
        ),
        // The protected-system user roster's consent, and the company's
        // roles (the executive's, decided on the designation).
        (
            Method::PUT,
            format!("/api/v1/records/consent/{a_handler}"),
            json!({ "signed_on": "2026-01-01", "protected_system": true, "monitored": true,
                    "liability": true }),
        ),
        (
            Method::DELETE,
            format!("/api/v1/records/consent/{a_handler}"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/records/companies/{}/roles", w.company_a),
            json!({ "user_id": a_handler, "role": "general-manager", "unit": "x" }),
        ),
        // Duties, decided on the person: another company's learn nothing.
        (
            Method::POST,
            format!("/api/v1/admin/users/{}/duties", w.user_id("a.member")),
            json!({ "duty": "security-admin" }),
        ),
        (
            Method::DELETE,
            format!(
                "/api/v1/admin/users/{}/duties/security-admin",
                w.user_id("a.member")
            ),
            Value::Null,
        ),
    ];
    let record_outsiders = vec![
        ("anonymous", gw.client(), StatusCode::UNAUTHORIZED),
        ("handler", handler.clone(), StatusCode::FORBIDDEN),
        (
            "other company's handler",
            b_handler.clone(),
            StatusCode::NOT_FOUND,
        ),
        ("non-handler", member.clone(), StatusCode::FORBIDDEN),
    ];
    denied_requests += each_refused(&record_endpoints, record_outsiders).await;
    let (_, records) = op
        .get(&format!("/api/v1/records/companies/{}", w.company_a))
        .await;
    assert!(
        records["people"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["roster"].is_null()),
        "{records}"
    );
    assert!(records["trainings"].as_array().unwrap().is_empty());

    // Applications: a company's security administrator files and reads its
    // own, the agency decides. Nobody here holds the duty: their own
    // company's request is refused (403), another company's is unknown (404).
    let (s, filed) = op
        .json(
            Method::POST,
            "/api/v1/applications/software",
            json!({ "company_id": w.company_a, "product": "CAD", "version": "1",
                    "vendor": "x", "purpose": "x", "installation": "offline",
                    "updates": "none", "preinstalled": false }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{filed}");
    let application = filed["id"].as_str().unwrap().to_owned();
    let request_body = json!({ "product": "P2P", "version": "1", "vendor": "x",
        "purpose": "x", "installation": "offline", "updates": "none", "preinstalled": false });
    let own_company_endpoints: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/api/v1/applications/software".into(),
            request_body.clone(),
        ),
        (
            Method::GET,
            "/api/v1/applications/software".into(),
            Value::Null,
        ),
        (
            Method::PUT,
            "/api/v1/software-lists".into(),
            json!({ "based_on": 0, "allowed": [{ "product": "P2P", "vendor": "x" }],
                    "denied": [], "note": "outsider" }),
        ),
    ];
    let application_callers = |other: StatusCode| {
        vec![
            ("anonymous", gw.client(), StatusCode::UNAUTHORIZED),
            ("handler (no duty)", handler.clone(), StatusCode::FORBIDDEN),
            ("other company's handler", b_handler.clone(), other),
            (
                "non-handler (no duty)",
                member.clone(),
                StatusCode::FORBIDDEN,
            ),
        ]
    };
    denied_requests += each_refused(
        &own_company_endpoints,
        application_callers(StatusCode::FORBIDDEN),
    )
    .await;
    let application_endpoints: Vec<(Method, String, Value)> = vec![
        (
            Method::GET,
            format!("/api/v1/applications/software/{application}"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/applications/software/{application}/withdraw"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/applications/software/{application}/approve"),
            json!({ "reason": "outsider" }),
        ),
    ];
    denied_requests += each_refused(
        &application_endpoints,
        application_callers(StatusCode::NOT_FOUND),
    )
    .await;
    // Membership applications: the same, and the service provider's staff
    // learn nothing of a membership not assigned to their organisation.
    let membership = op
        .file_membership(&crate::memberships::form(Some(&w.company_a)))
        .await
        .unwrap()
        .membership
        .id;
    let membership_form = serde_json::to_value(crate::memberships::form(None)).unwrap();
    denied_requests += each_refused(
        &[
            (
                Method::POST,
                "/api/v1/applications/membership".into(),
                membership_form,
            ),
            (
                Method::GET,
                "/api/v1/applications/membership".into(),
                Value::Null,
            ),
        ],
        application_callers(StatusCode::FORBIDDEN),
    )
    .await;
    let membership_endpoints: Vec<(Method, String, Value)> = vec![
        (
            Method::GET,
            format!("/api/v1/applications/membership/{membership}"),
            Value::Null,
        ),
        (
            Method::GET,
            format!("/api/v1/applications/membership/{membership}/notice"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/applications/membership/{membership}/withdraw"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/applications/membership/{membership}/accept"),
            json!({ "provider_id": w.company_b }),
        ),
        (
            Method::POST,
            format!("/api/v1/applications/membership/{membership}/complete_survey"),
            Value::Null,
        ),
        (
            Method::PUT,
            format!("/api/v1/applications/membership/{membership}/schedule"),
            json!({ "step": "site_check", "due_on": "2030-06-03" }),
        ),
    ];
    denied_requests += each_refused(
        &membership_endpoints,
        application_callers(StatusCode::NOT_FOUND),
    )
    .await;
    let provider_staff = crate::memberships::provider_staff(&gw, &mut op, "p.denied").await;
    denied_requests += each_refused(
        &membership_endpoints,
        vec![(
            "provider, not assigned",
            provider_staff,
            StatusCode::NOT_FOUND,
        )],
    )
    .await;
    // Terminal and media requests: the same path, the same refusals, and
    // the provider learns nothing of a request that is not its to see.
    let (s, terminal_request) = op
        .json(
            Method::POST,
            "/api/v1/applications/terminal",
            json!({ "company_id": w.company_a, "operation": "register", "serial": "SN-D1",
                    "site": "本社", "model": "DSG-T1",
                    "csr_pem": "-----BEGIN CERTIFICATE REQUEST-----\nAA\n-----END CERTIFICATE REQUEST-----" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{terminal_request}");
    let terminal_request = terminal_request["id"].as_str().unwrap().to_owned();
    let (s, media_request) = op
        .json(
            Method::POST,
            "/api/v1/applications/media",
            json!({ "company_id": w.company_a, "operation": "register", "media_id": "USB-D1",
                    "media_type": "usb_memory", "capacity_mb": 1000, "purpose": "x",
                    "permitted_users": [w.user_id("a.handler")] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{media_request}");
    let media_request = media_request["id"].as_str().unwrap().to_owned();
    denied_requests += each_refused(
        &[
            (
                Method::POST,
                "/api/v1/applications/terminal".into(),
                json!({ "operation": "remove", "terminal_id": "x", "reason": "x" }),
            ),
            (
                Method::POST,
                "/api/v1/applications/media".into(),
                json!({ "operation": "remove", "media_id": "USB-D1", "reason": "x" }),
            ),
            (Method::GET, "/api/v1/removable-media".into(), Value::Null),
        ],
        application_callers(StatusCode::FORBIDDEN),
    )
    .await;
    let request_endpoints: Vec<(Method, String, Value)> = vec![
        (
            Method::GET,
            format!("/api/v1/applications/terminal/{terminal_request}"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/applications/terminal/{terminal_request}/withdraw"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/applications/terminal/{terminal_request}/approve"),
            Value::Null,
        ),
        (
            Method::GET,
            format!("/api/v1/applications/media/{media_request}"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/applications/media/{media_request}/withdraw"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/v1/applications/media/{media_request}/approve"),
            Value::Null,
        ),
    ];
    denied_requests += each_refused(
        &request_endpoints,
        application_callers(StatusCode::NOT_FOUND),
    )
    .await;
    let other_provider = crate::memberships::provider_staff(&gw, &mut op, "p.requests").await;
    denied_requests += each_refused(
        &request_endpoints,
        vec![(
            "provider, not assigned",
            other_provider,
            StatusCode::NOT_FOUND,
        )],
    )
    .await;
    denied_requests += crate::denial_requests::tickets(&gw, &w, &mut op).await;
    for path in [
        format!("/api/v1/applications/terminal/{terminal_request}"),
        format!("/api/v1/applications/media/{media_request}"),
    ] {
        let (_, still) = op.get(&path).await;
        assert_eq!(still["state"], "submitted", "{still}");
        assert_eq!(still["steps"].as_array().unwrap().len(), 1, "{still}");
    }

    denied_requests +=
        crate::denial_requests::change_requests(&gw, &w, &mut op, &application_callers).await;

    let still = op.membership(&membership).await.unwrap();
    assert_eq!(still.membership.state, "submitted");
    assert_eq!(still.steps.len(), 1);
    assert!(!still.schedule.iter().any(|l| l.adjusted));

    let (_, still) = op
        .get(&format!("/api/v1/applications/software/{application}"))
        .await;
    assert_eq!(still["state"], "submitted", "{still}");
    assert_eq!(still["steps"].as_array().unwrap().len(), 1, "{still}");

    // Nothing changed: the file is intact, no blob was written, the handler
    // designation stands, and every denial is in the audit log.
    assert!(handler.download(&w.compartment_a, &file_a, None).await.1 == secret);
    let (_, versions) = handler
        .get(&format!(
            "/api/v1/compartments/{}/files/{file_a}/versions",
            w.compartment_a
        ))
        .await;
    assert_eq!(versions["versions"].as_array().unwrap().len(), 1);
    let (_, files) = handler
        .get(&format!("/api/v1/compartments/{}/files", w.compartment_a))
        .await;
    assert_eq!(files["files"].as_array().unwrap().len(), 1);
    assert_eq!(
        files_under(&gw.data_dir().join("blobs")).len(),
        blobs_before
    );
    let (_, overview) = op.get("/api/v1/admin/overview").await;
    assert!(overview["users"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["username"] != "intruder"));
    assert!(overview["companies"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["name"] != "偽装会社"));
    let denied_after = gw
        .audit()
        .iter()
        .filter(|e| e["outcome"] == "denied")
        .count();
    assert_eq!(
        denied_after - denied_before,
        denied_requests,
        "every denial is recorded exactly once"
    );
    gw.stop().await;
}

#[tokio::test]
async fn denial_matrix_on_sqlite() {
    denial_matrix(Db::Sqlite).await;
}

#[tokio::test]
async fn denial_matrix_on_postgres() {
    denial_matrix(Db::Postgres).await;
}
