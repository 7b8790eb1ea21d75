//! Identity rules that depend on time, with the clock in the test's hands:
//! TOTP validity and replay, lockout expiry, idle and absolute session
//! expiry, step-up freshness, account validity periods. The application is
//! assembled exactly as `serve` does it (`runtime::open`), on SQLite in a
//! temporary directory, with a clock the test moves.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on purpose"
)]

use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use dsg_app::{App, Config};
use dsg_app::{AppError, Caller, LoginStep, RequestMeta, SecondFactor};
use dsg_crypto::SecretString;
use dsg_identity::TotpSecret;
use dsg_testkit::TestClock;
use dsg_workers::{Gateway, KeyChecks};

/// 2026-11-23T00:00:00Z, on a TOTP step boundary.
const START_MS: i64 = 1_795_392_000_000;

struct Harness {
    app: App,
    clock: Arc<TestClock>,
    _dir: tempfile::TempDir,
}

fn meta() -> RequestMeta {
    meta_from("192.0.2.10")
}

fn meta_from(source: &str) -> RequestMeta {
    RequestMeta {
        request_id: dsg_core::RequestId::new().to_string(),
        source: Some(source.into()),
        user_agent: Some("test".into()),
        terminal: None,
        certificate: None,
    }
}

async fn harness(extra: &[(&str, &str)]) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let mut env = vec![
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
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
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

const PASSWORD: &str = "Clock-test-password-4242";

impl Harness {
    async fn caller(&self, token: &SecretString) -> Caller {
        self.app
            .resolve_session(Some(token.expose()), &dsg_app::Device::None, &meta())
            .await
            .unwrap()
    }

    /// Creates the first operator and enrols TOTP for it; returns the seed.
    async fn operator_with_totp(&self) -> TotpSecret {
        let issued = self.app.bootstrap("Agency", "operator").await.unwrap();
        let started = self
            .app
            .start_enrolment(
                &meta(),
                issued.enrolment_token.expose(),
                SecretString::new(PASSWORD.into()),
            )
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
        let codes = self
            .app
            .finish_totp_enrolment(&meta(), &caller, &code)
            .await
            .unwrap();
        assert_eq!(codes.map(|c| c.len()), Some(10));
        secret
    }

    async fn password_step(&self) -> Result<Caller, AppError> {
        let (outcome, step) = self
            .app
            .login(&meta(), "operator", SecretString::new(PASSWORD.into()))
            .await?;
        assert!(matches!(step, LoginStep::SecondFactor { totp: true, .. }));
        Ok(self.caller(&outcome.token).await)
    }

    async fn login_as(&self, username: &str) -> Result<(), AppError> {
        self.app
            .login(&meta(), username, SecretString::new(PASSWORD.into()))
            .await
            .map(|_| ())
    }

    async fn totp(&self, pending: &Caller, code: SecretString) -> Result<Caller, AppError> {
        let outcome = self
            .app
            .login_second_factor(&meta(), pending, SecondFactor::Totp(code))
            .await?;
        Ok(self.caller(&outcome.token).await)
    }
}

#[tokio::test]
async fn totp_codes_are_valid_once_within_one_step_of_skew() {
    let h = harness(&[]).await;
    let secret = h.operator_with_totp().await;
    // The enrolment used this step's code: replaying it is refused.
    h.clock.advance_secs(1);
    let pending = h.password_step().await.unwrap();
    let replay = secret.code_at(h.clock.unix()).unwrap();
    assert!(matches!(
        h.totp(&pending, replay).await,
        Err(AppError::SecondFactorRefused)
    ));
    // A wrong code is refused.
    let pending = h.password_step().await.unwrap();
    assert!(matches!(
        h.totp(&pending, SecretString::new("000000".into())).await,
        Err(AppError::SecondFactorRefused)
    ));
    // The next step's code (clock skew) works, once.
    h.clock.advance_secs(30);
    let code = secret.code_at(h.clock.unix()).unwrap();
    let pending = h.password_step().await.unwrap();
    let signed_in = h.totp(&pending, code.clone()).await.unwrap();
    assert!(matches!(signed_in, Caller::User(ref u) if u.mfa == dsg_core::MfaMethod::Totp));
    let pending = h.password_step().await.unwrap();
    assert!(matches!(
        h.totp(&pending, code).await,
        Err(AppError::SecondFactorRefused)
    ));
    // A code from two steps ago has expired.
    h.clock.advance_secs(90);
    let stale = secret.code_at(h.clock.unix() - 61).unwrap();
    let pending = h.password_step().await.unwrap();
    assert!(matches!(
        h.totp(&pending, stale).await,
        Err(AppError::SecondFactorRefused)
    ));
}

#[tokio::test]
async fn a_lockout_ends_after_its_period() {
    let h = harness(&[
        ("DSG_AUTH__LOCKOUT_THRESHOLD", "3"),
        ("DSG_AUTH__LOCKOUT_MINUTES", "30"),
    ])
    .await;
    let secret = h.operator_with_totp().await;
    // The lock needs failures from two sources (or twice as many from one).
    for source in ["198.51.100.7", "198.51.100.7", "192.0.2.10"] {
        let wrong = h
            .app
            .login(
                &meta_from(source),
                "operator",
                SecretString::new("not-the-password".into()),
            )
            .await;
        assert!(matches!(wrong, Err(AppError::InvalidCredentials)));
    }
    assert!(matches!(
        h.password_step().await,
        Err(AppError::InvalidCredentials)
    ));
    h.clock.advance_secs(29 * 60);
    assert!(matches!(
        h.password_step().await,
        Err(AppError::InvalidCredentials)
    ));
    h.clock.advance_secs(2 * 60);
    let pending = h.password_step().await.unwrap();
    let code = secret.code_at(h.clock.unix()).unwrap();
    h.totp(&pending, code).await.unwrap();
}

#[tokio::test]
async fn one_source_waits_longer_after_each_failure_and_cannot_lock() {
    let h = harness(&[
        ("DSG_AUTH__LOCKOUT_THRESHOLD", "3"),
        ("DSG_AUTH__THROTTLE_AFTER_FAILURES", "2"),
        ("DSG_AUTH__THROTTLE_DELAY_SECONDS", "10"),
    ])
    .await;
    h.operator_with_totp().await;
    let wrong = || async {
        let refused = h
            .app
            .login(
                &meta(),
                "operator",
                SecretString::new("not-the-password".into()),
            )
            .await;
        assert!(matches!(refused, Err(AppError::InvalidCredentials)));
    };
    let refused = |step: Result<Caller, AppError>| {
        assert!(matches!(step, Err(AppError::InvalidCredentials)));
    };
    wrong().await;
    wrong().await;
    // Two failures: even the right password waits 10 s.
    refused(h.password_step().await);
    h.clock.advance_secs(11);
    h.password_step().await.unwrap();
    // A third failure doubles the wait.
    wrong().await;
    h.clock.advance_secs(11);
    refused(h.password_step().await);
    // Three failures from one source reached the threshold, yet the
    // account is not locked (one source alone needs twice as many): once
    // the wait is over the right password is accepted.
    h.clock.advance_secs(10);
    h.password_step().await.unwrap();
}

#[tokio::test]
async fn sessions_end_when_idle_or_old_and_step_up_goes_stale() {
    let h = harness(&[]).await;
    let secret = h.operator_with_totp().await;
    let sign_in = {
        let h = &h;
        let secret = &secret;
        move || async move {
            h.clock.advance_secs(30);
            let pending = h.password_step().await.unwrap();
            let outcome = h
                .app
                .login_second_factor(
                    &meta(),
                    &pending,
                    SecondFactor::Totp(secret.code_at(h.clock.unix()).unwrap()),
                )
                .await
                .unwrap();
            outcome.token
        }
    };
    let token = sign_in().await;
    let fresh = |c: &Caller| matches!(c, Caller::User(u) if u.step_up_fresh);
    assert!(fresh(&h.caller(&token).await));
    // A login counts as a fresh authentication for five minutes.
    h.clock.advance_secs(4 * 60);
    assert!(fresh(&h.caller(&token).await));
    h.clock.advance_secs(2 * 60);
    let caller = h.caller(&token).await;
    assert!(matches!(caller, Caller::User(_)) && !fresh(&caller));
    // Idle for 15 minutes: signed out.
    h.clock.advance_secs(15 * 60);
    assert!(matches!(h.caller(&token).await, Caller::Anonymous));
    // Active every ten minutes, but past the 8-hour lifetime: signed out.
    let token = sign_in().await;
    for _ in 0..(8 * 6 - 1) {
        h.clock.advance_secs(10 * 60);
        assert!(matches!(h.caller(&token).await, Caller::User(_)));
    }
    h.clock.advance_secs(10 * 60);
    assert!(matches!(h.caller(&token).await, Caller::Anonymous));
}

#[tokio::test]
async fn an_account_stops_at_the_end_of_its_validity_period() {
    let h = harness(&[]).await;
    let secret = h.operator_with_totp().await;
    h.clock.advance_secs(30);
    let pending = h.password_step().await.unwrap();
    let operator = h
        .totp(&pending, secret.code_at(h.clock.unix()).unwrap())
        .await
        .unwrap();
    let company = h
        .app
        .create_company(
            &meta(),
            &operator,
            dsg_app::NewCompany {
                name: "期限社".into(),
            },
        )
        .await
        .unwrap();
    let issued = h
        .app
        .create_user(
            &meta(),
            &operator,
            dsg_app::NewUserInput {
                company_id: company.id.to_string(),
                username: "limited".into(),
                display_name: "limited".into(),
                role: "member".into(),
                // The clock starts on 2026-11-23 (UTC): valid through the
                // 24th in Japan, i.e. until 2026-11-24T15:00Z.
                valid_until: Some("2026-11-24".into()),
            },
        )
        .await
        .unwrap();
    let started = h
        .app
        .start_enrolment(
            &meta(),
            issued.enrolment_token.expose(),
            SecretString::new(PASSWORD.into()),
        )
        .await
        .unwrap();
    assert!(matches!(
        h.caller(&started.session.token).await,
        Caller::User(_)
    ));
    assert!(h.login_as("limited").await.is_ok());
    h.clock.advance_secs(39 * 3600 - 31);
    assert!(
        h.login_as("limited").await.is_ok(),
        "still the 24th in Japan"
    );
    h.clock.advance_secs(3600);
    assert!(matches!(
        h.login_as("limited").await,
        Err(AppError::InvalidCredentials)
    ));
}

fn membership_form() -> dsg_core::membership::MembershipForm {
    dsg_core::membership::MembershipForm {
        company_name: "暦社".into(),
        company_address: "東京都千代田区1-1".into(),
        site_name: "本社".into(),
        site_prefecture: "東京都".into(),
        site_address: "千代田区1-1".into(),
        contact: "保護 太郎".into(),
        contracts_evidence: "特約条項付き契約".into(),
        facility_evidence: "第8準拠".into(),
        equipment_evidence: "仕様どおり".into(),
        location_evidence: "東京都".into(),
        audit_result: String::new(),
        schedule_wish: String::new(),
    }
}

/// The clock at 09:00 in Japan on `day`.
fn jst_morning(day: &str) -> i64 {
    dsg_core::CalendarDate::parse("d", day)
        .unwrap()
        .start_unix_ms_at(540)
        + 9 * 3_600_000
}

/// A membership's due dates are counted in working days in Japan: filed
/// before Golden Week, ① falls after it; filed in December, the New Year
/// closure does not count; the day is Japan's.
#[tokio::test]
async fn membership_due_dates_skip_golden_week_and_the_new_year() {
    use std::sync::atomic::Ordering;
    let h = harness(&[]).await;
    let secret = h.operator_with_totp().await;
    h.clock.advance_secs(30);
    let pending = h.password_step().await.unwrap();
    let operator = h
        .totp(&pending, secret.code_at(h.clock.unix()).unwrap())
        .await
        .unwrap();
    let company = h
        .app
        .create_company(
            &meta(),
            &operator,
            dsg_app::NewCompany {
                name: "暦社".into(),
            },
        )
        .await
        .unwrap()
        .id
        .to_string();
    let dues = |d: &dsg_app::MembershipDetail| -> Vec<String> {
        d.schedule.iter().map(|l| l.due_on.clone()).collect()
    };

    // Mon 5 April 2027: 20 working days for ① end on Fri 7 May (29 April
    // and 3–5 May are holidays), 15 more for ② on Fri 28 May.
    h.clock.0.store(jst_morning("2027-04-05"), Ordering::SeqCst);
    let spring = h
        .app
        .file_membership(&meta(), &operator, Some(&company), &membership_form())
        .await
        .unwrap();
    assert_eq!(dues(&spring)[..2], ["2027-05-07", "2027-05-28"]);
    assert_eq!(
        spring.membership.row.application.due_on.as_deref(),
        Some("2027-05-07")
    );
    // The operator filed it (a paper form): they do not adjust it; the
    // calendar rules of an adjustment are the domain's (membership_schedule).
    let id = spring.membership.row.application.id.clone();
    let own = h
        .app
        .adjust_membership_schedule(&meta(), &operator, &id, "site_check", "2027-05-10")
        .await;
    assert!(matches!(own, Err(AppError::SelfApproval)), "{own:?}");

    // 9:00 JST on Wed 1 December 2027: ① ends on Tue 4 January 2028, after
    // the closure of 29 December – 3 January.
    h.clock.0.store(jst_morning("2027-12-01"), Ordering::SeqCst);
    let winter = h
        .app
        .file_membership(&meta(), &operator, Some(&company), &membership_form())
        .await
        .unwrap();
    assert_eq!(dues(&winter)[0], "2028-01-04");
    // The day is Japan's: 23:30 UTC on 30 November is already 1 December
    // there; 23:30 in Japan on 30 November is still 30 November, whose
    // 20th working day is Tue 28 December.
    for (at, due) in [
        (jst_morning("2027-12-01") - 30 * 60_000, "2028-01-04"),
        (
            jst_morning("2027-12-01") - 9 * 3_600_000 - 30 * 60_000,
            "2027-12-28",
        ),
    ] {
        h.clock.0.store(at, Ordering::SeqCst);
        let filed = h
            .app
            .file_membership(&meta(), &operator, Some(&company), &membership_form())
            .await
            .unwrap();
        assert_eq!(dues(&filed)[0], due, "{at}");
    }
}
