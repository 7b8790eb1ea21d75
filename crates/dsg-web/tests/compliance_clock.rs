//! The compliance view as days pass, with the clock in the test's hands: a
//! handler's yearly training (第7) falls due soon 30 days before it is a
//! year old and is overdue the day after, and the requirement turns with it
//! for the company and in the agency's table (chapter 7's cell, whose other
//! items are attested). Each day's first view writes that day's snapshot.
//! The application is assembled as `serve` does it (`Gateway::open`), on
//! SQLite in a temporary directory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use dsg_app::{
    App, Caller, Config, Device, NewAttestation, NewCompany, NewContract, NewTraining,
    NewUserInput, RequestMeta, SecondFactor,
};
use dsg_crypto::SecretString;
use dsg_identity::TotpSecret;
use dsg_testkit::TestClock;
use dsg_workers::{Gateway, KeyChecks};

/// 2026-11-23T00:00:00Z (09:00 in Japan, the deployment's zone).
const START_MS: i64 = 1_795_392_000_000;
const DAY_SECS: i64 = 86_400;
const PASSWORD: &str = "Compliance-clock-password-4242";

fn meta() -> RequestMeta {
    RequestMeta {
        request_id: dsg_core::RequestId::new().to_string(),
        source: Some("192.0.2.20".into()),
        user_agent: Some("test".into()),
        terminal: None,
        certificate: None,
    }
}

struct Harness {
    app: App,
    clock: Arc<TestClock>,
    _dir: tempfile::TempDir,
}

async fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "DSG_STORAGE__DATA_DIR".to_owned(),
            dir.path().join("data").display().to_string(),
        ),
        (
            "DSG_STORAGE__KEY_DIR".to_owned(),
            dir.path().join("keys").display().to_string(),
        ),
        ("DSG_AUTH__ARGON2_MEMORY_KIB".to_owned(), "8".to_owned()),
        ("DSG_AUTH__ARGON2_ITERATIONS".to_owned(), "1".to_owned()),
        ("DSG_AUTH__TOTP_FALLBACK".to_owned(), "true".to_owned()),
        (
            "DSG_SERVER__DANGER_PLAIN_HTTP".to_owned(),
            "true".to_owned(),
        ),
    ];
    let config = Config::load(None, env).unwrap();
    let clock = Arc::new(TestClock(AtomicI64::new(START_MS)));
    let gateway = Gateway::open(config, KeyChecks::Strict, clock.clone())
        .await
        .unwrap();
    Harness {
        app: gateway.app,
        clock,
        _dir: dir,
    }
}

impl Harness {
    async fn caller(&self, token: &SecretString) -> Caller {
        self.app
            .resolve_session(Some(token.expose()), &Device::None, &meta())
            .await
            .unwrap()
    }

    /// Follows an enrolment link: password, then TOTP. Returns the seed.
    async fn enrol(&self, token: &SecretString) -> TotpSecret {
        let started = self
            .app
            .start_enrolment(&meta(), token.expose(), SecretString::new(PASSWORD.into()))
            .await
            .unwrap();
        let caller = self.caller(&started.session.token).await;
        let totp = self
            .app
            .totp_enrolment_options(&meta(), &caller)
            .await
            .unwrap();
        let secret = TotpSecret::from_base32(totp.secret_base32.expose()).unwrap();
        let code = secret.code_at(self.clock.unix()).unwrap();
        self.app
            .finish_totp_enrolment(&meta(), &caller, &code)
            .await
            .unwrap();
        secret
    }

    /// Signs in afresh (sessions do not outlive the days the test skips).
    async fn sign_in(&self, username: &str, secret: &TotpSecret) -> Caller {
        let (login, _) = self
            .app
            .login(&meta(), username, SecretString::new(PASSWORD.into()))
            .await
            .unwrap();
        let pending = self.caller(&login.token).await;
        let code = secret.code_at(self.clock.unix() + 30).unwrap();
        let login = self
            .app
            .login_second_factor(&meta(), &pending, SecondFactor::Totp(code))
            .await
            .unwrap();
        self.caller(&login.token).await
    }

    /// 7-1's status for the company, and chapter 7's cell in the table.
    async fn training_status(&self, caller: &Caller, company: &str) -> (String, String) {
        let view = self
            .app
            .company_compliance(&meta(), caller, company)
            .await
            .unwrap();
        let own = view
            .requirements
            .iter()
            .find(|r| r.id == "7-1")
            .unwrap()
            .status
            .to_owned();
        let table = self.app.agency_compliance(&meta(), caller).await.unwrap();
        let row = table.rows.iter().find(|r| r.company_id == company).unwrap();
        let cell = row.cells.iter().find(|c| c.chapter == "7").unwrap();
        (own, cell.status.to_owned())
    }
}

#[tokio::test]
async fn a_lapsing_training_turns_the_requirement_due_soon_then_overdue() {
    let h = harness().await;
    let issued = h.app.bootstrap("Agency", "operator").await.unwrap();
    let op_secret = h.enrol(&issued.enrolment_token).await;
    let op = h.sign_in("operator", &op_secret).await;
    let company = h
        .app
        .create_company(
            &meta(),
            &op,
            NewCompany {
                name: "株式会社クロック精機".into(),
            },
        )
        .await
        .unwrap();
    let contract = h
        .app
        .create_contract(
            &meta(),
            &op,
            NewContract {
                company_id: company.id.to_string(),
                number: "C-001".into(),
                title: "時計".into(),
                starts_on: "2026-04-01".into(),
                ends_on: "2027-03-31".into(),
                special_clause: true,
            },
        )
        .await
        .unwrap();
    let handler = h
        .app
        .create_user(
            &meta(),
            &op,
            NewUserInput {
                company_id: company.id.to_string(),
                username: "clock.handler".into(),
                display_name: "時計 太郎".into(),
                role: "member".into(),
                valid_until: None,
            },
        )
        .await
        .unwrap();
    h.app
        .designate_handler(
            &meta(),
            &op,
            &contract.id.to_string(),
            &handler.user.id.to_string(),
        )
        .await
        .unwrap();
    h.enrol(&handler.enrolment_token).await;
    let company_id = company.id.to_string();

    // No training yet: not met.
    let (own, _) = h.training_status(&op, &company_id).await;
    assert_eq!(own, "not_met");

    // Trained on 2026-01-01: due on 2027-01-01.
    h.app
        .record_training(
            &meta(),
            &op,
            &handler.user.id.to_string(),
            &NewTraining {
                course: "annual".into(),
                completed_on: "2026-01-01".into(),
                topics: "重要性、必要最小限".into(),
                instructor: "保護システム管理者".into(),
                // All seven topics (第7-1): the year then runs from this day.
                covered_topics: dsg_core::TrainingTopic::ALL
                    .iter()
                    .map(|t| t.as_str().to_owned())
                    .collect(),
            },
        )
        .await
        .unwrap();
    // Chapter 7's other items are attested, so its cell follows 7-1.
    for requirement in ["7-2", "7-3", "7-4"] {
        h.app
            .attest(
                &meta(),
                &op,
                &company_id,
                &NewAttestation {
                    requirement: requirement.into(),
                    attested_by: "総括者 時計".into(),
                    document: "教育計画 2026".into(),
                    attested_on: "2026-11-01".into(),
                    valid_until: "2028-10-31".into(),
                },
            )
            .await
            .unwrap();
    }
    assert_eq!(
        h.training_status(&op, &company_id).await,
        ("met".to_owned(), "attested".to_owned())
    );

    // 2026-12-02 (Japan): 30 days before the due date, due soon.
    h.clock.advance_secs(9 * DAY_SECS);
    let op = h.sign_in("operator", &op_secret).await;
    assert_eq!(
        h.training_status(&op, &company_id).await,
        ("due_soon".to_owned(), "due_soon".to_owned())
    );
    // 2027-01-01: still due (the due date itself).
    h.clock.advance_secs(30 * DAY_SECS);
    let op = h.sign_in("operator", &op_secret).await;
    assert_eq!(
        h.training_status(&op, &company_id).await,
        ("due_soon".to_owned(), "due_soon".to_owned())
    );
    // 2027-01-02: overdue, for the company and in the agency's table.
    h.clock.advance_secs(DAY_SECS);
    let op = h.sign_in("operator", &op_secret).await;
    assert_eq!(
        h.training_status(&op, &company_id).await,
        ("overdue".to_owned(), "overdue".to_owned())
    );

    // One snapshot per day viewed, newest first, each with its status.
    let view = h
        .app
        .company_compliance(&meta(), &op, &company_id)
        .await
        .unwrap();
    let days: Vec<(&str, &str)> = view
        .history
        .iter()
        .map(|s| (s.day.as_str(), s.statuses["7-1"].as_str()))
        .collect();
    assert_eq!(
        days,
        [
            ("2027-01-02", "overdue"),
            ("2027-01-01", "due_soon"),
            ("2026-12-02", "due_soon"),
            ("2026-11-23", "not_met"),
        ]
    );
}
