//! `serve --demo`: a demo agency, two companies, contracts and users, with
//! their credentials printed, so a newcomer can click through at once.
//! Passwords are random on every first start; nothing here is a default of
//! the real gateway.

use anyhow::{anyhow, Result};
use dsg_app::App;
use dsg_app::{
    Caller, Device, NewCompany, NewContract, NewTerminal, NewTraining, NewUserInput, RequestMeta,
    SecondFactor,
};
use dsg_core::{CalendarDate, RosterDetails, SystemUseConsent};
use dsg_crypto::{random_token, SecretString, SystemRandom};
use dsg_identity::TotpSecret;

struct DemoUser {
    company: usize,
    username: &'static str,
    name: &'static str,
    note: &'static str,
    /// Their handler-roster line (name, date of birth, department).
    roster: Option<(&'static str, &'static str, &'static str)>,
}

const USERS: [DemoUser; 4] = [
    DemoUser {
        company: 0,
        username: "tanaka@minato",
        name: "田中 一郎",
        note: "handler of contract A-001 (みなと精機)",
        roster: Some(("田中 一郎", "1980-05-12", "設計部 (design)")),
    },
    DemoUser {
        company: 0,
        username: "suzuki@minato",
        name: "鈴木 花子",
        note: "みなと精機 user, not a handler",
        roster: None,
    },
    DemoUser {
        company: 1,
        username: "sato@hokuto",
        name: "佐藤 健",
        note: "handler of contract B-001 (北斗電子)",
        roster: Some(("佐藤 健", "1978-11-03", "試験課 (testing)")),
    },
    DemoUser {
        company: 1,
        username: "ito@hokuto",
        name: "伊藤 美咲",
        note: "handler of contract B-001 (北斗電子)",
        roster: Some(("伊藤 美咲", "1986-02-21", "品質保証部 (QA)")),
    },
];

fn password() -> Result<SecretString> {
    random_token(&SystemRandom::new()).map_err(|e| anyhow!("{e}"))
}

/// The application's clock in Unix seconds (TOTP steps are computed from it).
fn unix_now(app: &App) -> u64 {
    u64::try_from(app.now() / 1000).unwrap_or(0)
}

/// What a newcomer needs to sign in as a demo user.
struct DemoCredential {
    password: SecretString,
    totp_secret: SecretString,
    secret: TotpSecret,
}

/// Plays a demo user following their enrolment link: sets a random
/// password and enrols TOTP (which the demo policy allows), as a person
/// with an authenticator app would.
async fn enrol(app: &App, meta: &RequestMeta, token: &SecretString) -> Result<DemoCredential> {
    let password = password()?;
    let started = app
        .start_enrolment(meta, token.expose(), password.clone())
        .await?;
    let session = app
        .resolve_session(Some(started.session.token.expose()), &Device::None, meta)
        .await?;
    let totp = app.totp_enrolment_options(meta, &session).await?;
    let secret = TotpSecret::from_base32(totp.secret_base32.expose())?;
    let code = secret.code_at(unix_now(app))?;
    app.finish_totp_enrolment(meta, &session, &code).await?;
    Ok(DemoCredential {
        password,
        totp_secret: totp.secret_base32,
        secret,
    })
}

/// Signs a freshly enrolled demo user in with password and TOTP. The
/// enrolment used this time step's code; the next step's code is within
/// the accepted skew and has not been used. (The browser tests know which
/// demo users were signed in here: their next code is a step later.)
async fn sign_in(
    app: &App,
    meta: &RequestMeta,
    username: &str,
    credential: &DemoCredential,
) -> Result<Caller> {
    let (login, _) = app
        .login(meta, username, credential.password.clone())
        .await?;
    let pending = app
        .resolve_session(Some(login.token.expose()), &Device::None, meta)
        .await?;
    let code = credential.secret.code_at(unix_now(app) + 30)?;
    let login = app
        .login_second_factor(meta, &pending, SecondFactor::Totp(code))
        .await?;
    let caller = app
        .resolve_session(Some(login.token.expose()), &Device::None, meta)
        .await?;
    if matches!(caller, Caller::Anonymous) {
        return Err(anyhow!("demo user {username} could not sign in"));
    }
    Ok(caller)
}

/// A demo roster line (fictional people).
fn roster_line((full_name, birth_date, department): (&str, &str, &str)) -> RosterDetails {
    RosterDetails {
        full_name: full_name.into(),
        birth_date: birth_date.into(),
        department: department.into(),
        position: "主任 (chief)".into(),
        nationality: "日本 (Japan)".into(),
        undertaking_date: "2026-04-01".into(),
    }
}

/// The handlers' consent as protected-system users, roster lines, annual
/// training and training on designation,
/// entered by the agency operator on the companies' behalf (a company's
/// security administrator can do it on `/records` once granted the duty),
/// the lines confirmed by a second agency operator: nobody confirms a line
/// they entered.
async fn seed_records(
    app: &App,
    meta: &RequestMeta,
    (operator, confirmer): (&Caller, &Caller),
    handlers: &[(String, RosterDetails)],
) -> Result<()> {
    let now_ms = app.now();
    let training = NewTraining {
        course: "annual".into(),
        completed_on: CalendarDate::of_unix_ms(now_ms - 20 * 86_400_000).to_string(),
        topics: "保護すべき情報の重要性、必要最小限の原則、規則、インシデント時の対応 \
                 (importance, need-to-know, the rules, incidents)"
            .into(),
        instructor: "保護システム管理者 (the security administrator)".into(),
        // The yearly session covers the seven topics of 第7-1.
        covered_topics: dsg_core::TrainingTopic::ALL
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect(),
    };
    // The training on designation, dated today (the day they were
    // designated), for deployments that require it.
    let on_designation = NewTraining {
        course: "designation".into(),
        completed_on: app.today().to_string(),
        ..training.clone()
    };
    // Their written consent as protected-system users, signed on
    // designation, for deployments that require it.
    let consent = SystemUseConsent {
        signed_on: app.today().to_string(),
        protected_system: true,
        monitored: true,
        liability: true,
    };
    for (id, details) in handlers {
        app.record_consent(meta, operator, id, &consent).await?;
        let version = app.submit_roster(meta, operator, id, details).await?;
        app.record_training(meta, operator, id, &training).await?;
        app.record_training(meta, operator, id, &on_designation)
            .await?;
        app.confirm_roster(meta, confirmer, id, version).await?;
    }
    Ok(())
}

/// Seeds the demo data on an empty database and prints the credentials.
pub(crate) async fn seed_if_empty(app: &App) -> Result<()> {
    if !app.is_first_start().await? {
        println!("demo data already present (delete the dsg-demo directory to start over)");
        return Ok(());
    }
    let meta = RequestMeta {
        request_id: dsg_core::RequestId::new().to_string(),
        source: None,
        user_agent: None,
        terminal: None,
        certificate: None,
    };
    let issued = app
        .bootstrap("防衛装備庁（デモ） / Demo Agency", "operator")
        .await?;
    let op = enrol(app, &meta, &issued.enrolment_token).await?;
    let operator = sign_in(app, &meta, "operator", &op).await?;
    let mut companies = Vec::new();
    for name in [
        "株式会社みなと精機 (Minato Seiki)",
        "北斗電子工業株式会社 (Hokuto Denshi)",
    ] {
        companies.push(
            app.create_company(&meta, &operator, NewCompany { name: name.into() })
                .await?,
        );
    }
    let contracts = [
        (
            0,
            "A-001",
            "次期救難機 油圧系統部品の設計 (hydraulic parts design)",
            true,
        ),
        (
            1,
            "B-001",
            "通信装置 試験データ解析 (radio test data analysis)",
            true,
        ),
        (1, "B-002", "一般事務用品の納入 (office supplies)", false),
    ];
    let mut created = Vec::new();
    for (company, number, title, special) in contracts {
        let input = NewContract {
            company_id: companies[company].id.to_string(),
            number: number.into(),
            title: title.into(),
            starts_on: "2026-04-01".into(),
            ends_on: "2027-03-31".into(),
            special_clause: special,
        };
        let contract = app.create_contract(&meta, &operator, input).await?;
        if special {
            app.open_compartment(&meta, &operator, &contract.id.to_string())
                .await?;
        }
        created.push(contract);
    }
    println!("Demo data (for trying dsg only — never for real protected information):");
    println!(
        "Demo policy: TOTP is accepted in place of a passkey. Sign in with the password, then \
         a code from an authenticator app or `oathtool --totp -b <totp>`."
    );
    print_demo_user("operator", &op, "agency gateway operator");
    let mut handlers = Vec::new();
    for (i, u) in USERS.iter().enumerate() {
        let input = NewUserInput {
            company_id: companies[u.company].id.to_string(),
            username: u.username.into(),
            display_name: u.name.into(),
            role: "member".into(),
            valid_until: None,
        };
        let issued = app.create_user(&meta, &operator, input).await?;
        let contract = match i {
            0 => Some(&created[0]),
            2 | 3 => Some(&created[1]),
            _ => None,
        };
        if let Some(contract) = contract {
            app.designate_handler(
                &meta,
                &operator,
                &contract.id.to_string(),
                &issued.user.id.to_string(),
            )
            .await?;
        }
        let credential = enrol(app, &meta, &issued.enrolment_token).await?;
        print_demo_user(u.username, &credential, u.note);
        if let Some(details) = u.roster {
            handlers.push((issued.user.id.to_string(), roster_line(details)));
        }
    }
    // A second agency operator, who confirms the rosters the first entered.
    let second = app
        .create_user(
            &meta,
            &operator,
            NewUserInput {
                company_id: issued.user.company_id.to_string(),
                username: "yamada@agency".into(),
                display_name: "山田 次郎".into(),
                role: "operator".into(),
                valid_until: None,
            },
        )
        .await?;
    let second_credential = enrol(app, &meta, &second.enrolment_token).await?;
    print_demo_user(
        "yamada@agency",
        &second_credential,
        "second agency operator (confirms the rosters the operator enters)",
    );
    let confirmer = sign_in(app, &meta, "yamada@agency", &second_credential).await?;
    seed_records(app, &meta, (&operator, &confirmer), &handlers).await?;
    app.logout(&meta, &confirmer).await?;
    println!(
        "Handler rosters and training are seeded and confirmed (see /records). To require them \
         for data, as the standard does, start with DSG_ZERO_TRUST__REQUIRE_CONFIRMED_ROSTER=true, \
         DSG_ZERO_TRUST__TRAINING_VALID_DAYS=365, \
         DSG_ZERO_TRUST__REQUIRE_DESIGNATION_TRAINING=true and \
         DSG_ZERO_TRUST__REQUIRE_SYSTEM_USE_CONSENT=true."
    );
    println!(
        "Protected data is reachable only from a registered terminal of the user's company. \
         Import the company's PKCS#12 file into the browser (certificate settings), with its password:"
    );
    let dir = app.config().storage.data_dir.join("demo-terminals");
    std::fs::create_dir_all(&dir)?;
    for (i, (company, file)) in companies
        .iter()
        .zip(["minato.p12", "hokuto.p12"])
        .enumerate()
    {
        let registered = app
            .register_terminal(
                &meta,
                &operator,
                NewTerminal {
                    company_id: company.id.to_string(),
                    name: format!("デモ端末 {}", i + 1),
                    site: "本社 (head office)".into(),
                    serial: format!("DEMO-{:04}", i + 1),
                    csr_pem: None,
                },
            )
            .await?;
        let (Some(bytes), Some(password)) = (registered.pkcs12, registered.pkcs12_password) else {
            return Err(anyhow!("demo terminal issued without a key"));
        };
        let path = dir.join(file);
        write_private(&path, &bytes)?;
        println!(
            "  demo terminal: {}  password: {}  ({})",
            path.display(),
            password.expose(),
            company.name
        );
    }
    app.logout(&meta, &operator).await?;
    Ok(())
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    Ok(())
}

fn print_demo_user(username: &str, c: &DemoCredential, note: &str) {
    println!(
        "  demo user: {username}  password: {}  totp: {}  ({note})",
        c.password.expose(),
        c.totp_secret.expose()
    );
}
