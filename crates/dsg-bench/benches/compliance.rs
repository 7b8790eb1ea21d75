//! The agency's compliance table for 1,000 companies × the whole catalogue
//! on SQLite with realistic records: the facts of every company gathered
//! by `Store::compliance_facts` (one query per kind of record), then the
//! evidence rules of `dsg-core` for each company. Measured against the same
//! work with an empty catalogue (the facts gathered, nothing evaluated) in
//! the same run, and printed with the number of records. Run by
//! `bench/compliance.sh`; see bench/README.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::disallowed_methods,
    reason = "a benchmark: fails loudly, times itself with the machine's clock"
)]

use std::time::{Duration, Instant};

use dsg_core::compliance::{evaluate, Catalogue};
use dsg_core::CalendarDate;
use dsg_store::Store;
use sqlx::{Any, AnyConnection, Connection, Executor};

const DAY_MS: i64 = 86_400_000;
/// Every topic of 第7-1, as the store keeps a session's list.
const SEVEN_TOPICS: &str =
    "importance,need-to-know,policies,conduct,incident-procedures,incident-matters,role-technical";
/// Japan, as the deployments' default.
const OFFSET_MINUTES: i32 = 540;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn exec(conn: &mut AnyConnection, sql: &'static str, binds: &[&dyn Bind]) {
    let mut q = sqlx::query::<Any>(sql);
    for b in binds {
        q = b.bind(q);
    }
    q.execute(&mut *conn).await.unwrap();
}

trait Bind {
    fn bind<'q>(
        &self,
        q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;
}
impl Bind for String {
    fn bind<'q>(
        &self,
        q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
        q.bind(self.clone())
    }
}
impl Bind for i64 {
    fn bind<'q>(
        &self,
        q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
        q.bind(*self)
    }
}

/// Per company: `users` people (all enrolled, 9 in 10 with a passkey), two
/// contracts (one with the special clause and its compartment), `handlers`
/// of them designated with roster lines (every fifth company has one
/// awaiting confirmation), two trainings each, 20 files of which two are
/// marked for disposal (one disposed of and checked, one awaiting its
/// check), and `attestations` attestations; 100 signed checkpoints.
async fn populate(
    url: &str,
    companies: usize,
    users: usize,
    handlers: usize,
    attestations: usize,
    now: i64,
) {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    conn.execute("PRAGMA synchronous = OFF;").await.unwrap();
    exec(
        &mut conn,
        "INSERT INTO companies (id, name, kind, created_at) VALUES ($1, 'agency', 'agency', $2)",
        &[&id(), &now],
    )
    .await;
    let day = |days: i64| CalendarDate::of_unix_ms(now - days * DAY_MS).to_string();
    let catalogue = Catalogue::shipped().unwrap();
    let attestable: Vec<&str> = catalogue
        .requirements
        .iter()
        .filter(|r| r.rule == dsg_core::compliance::Rule::Attestation)
        .map(|r| r.id.as_str())
        .collect();
    conn.execute("BEGIN").await.unwrap();
    for c in 0..companies {
        let company = id();
        exec(
            &mut conn,
            "INSERT INTO companies (id, name, kind, created_at) VALUES ($1, $2, 'contractor', $3)",
            &[&company, &format!("company-{c:05}"), &now],
        )
        .await;
        let mut people = Vec::new();
        for u in 0..users {
            let user = id();
            exec(
                &mut conn,
                "INSERT INTO users (id, company_id, username, display_name, role, status, \
                 password_hash, created_at, enrolled_at) \
                 VALUES ($1, $2, $3, $3, 'member', 'active', '', $4, $4)",
                &[&user, &company, &format!("u{c}-{u}"), &now],
            )
            .await;
            if u % 10 != 9 {
                exec(
                    &mut conn,
                    "INSERT INTO webauthn_credentials (id, user_id, credential_id, name, passkey, \
                     created_at) VALUES ($1, $2, $3, 'key', '{}', $4)",
                    &[&id(), &user, &id(), &now],
                )
                .await;
            }
            people.push(user);
        }
        let recorder = people[0].clone();
        // Consent for all but the last person; the seven roles among the
        // first six people as a small company holds them.
        for user in people.iter().take(users.saturating_sub(1)) {
            exec(
                &mut conn,
                "INSERT INTO system_use_consents (user_id, company_id, status, signed_on, \
                 details_sealed, recorded_by, recorded_at) \
                 VALUES ($1, $2, 'consented', $3, 'sealed', $4, $5)",
                &[user, &company, &day(100), &recorder, &now],
            )
            .await;
        }
        for (holder, role, outside) in [
            (0, "executive", 0_i64),
            (1, "general-manager", 0),
            (1, "manager", 0),
            (2, "manager", 0),
            (2, "responsible-manager", 0),
            (3, "system-admin", 0),
            (4, "system-staff", 0),
            (5, "audit", 1),
        ] {
            let Some(user) = people.get(holder) else {
                continue;
            };
            exec(
                &mut conn,
                "INSERT INTO company_roles (id, company_id, user_id, role, \
                 outside_audited_unit, details_sealed, designated_by, designated_at) \
                 VALUES ($1, $2, $3, $4, $5, 'sealed', $6, $7)",
                &[
                    &id(),
                    &company,
                    user,
                    &role.to_owned(),
                    &outside,
                    &recorder,
                    &now,
                ],
            )
            .await;
        }
        let mut compartment = String::new();
        for (n, clause) in [(0, 1_i64), (1, 0)] {
            let contract = id();
            exec(
                &mut conn,
                "INSERT INTO contracts (id, company_id, number, title, starts_on, ends_on, \
                 special_clause, created_at) VALUES ($1, $2, $3, 't', '2026-04-01', \
                 '2027-03-31', $4, $5)",
                &[&contract, &company, &format!("C{c}-{n}"), &clause, &now],
            )
            .await;
            if clause == 1 {
                compartment = id();
                exec(
                    &mut conn,
                    "INSERT INTO compartments (id, contract_id, wrapped_key, key_version, \
                     quota_bytes, used_bytes, created_at) VALUES ($1, $2, 'x', 1, 1, 0, $3)",
                    &[&compartment, &contract, &now],
                )
                .await;
                for (h, person) in people.iter().enumerate().take(handlers) {
                    exec(
                        &mut conn,
                        "INSERT INTO handlers (contract_id, user_id, designated_by, \
                         designated_at) VALUES ($1, $2, $3, $4)",
                        &[&contract, person, &recorder, &now],
                    )
                    .await;
                    let status = if c % 5 == 0 && h == 0 {
                        "submitted"
                    } else {
                        "confirmed"
                    };
                    exec(
                        &mut conn,
                        "INSERT INTO roster_entries (user_id, company_id, status, details_sealed, \
                         submitted_by, submitted_at) VALUES ($1, $2, $3, 'sealed', $4, $5)",
                        &[person, &company, &status.to_owned(), &recorder, &now],
                    )
                    .await;
                }
            }
        }
        for (u, person) in people.iter().enumerate() {
            for ago in [40 + i64::try_from((c + u) % 300).unwrap(), 400] {
                exec(
                    &mut conn,
                    "INSERT INTO training_records (id, user_id, company_id, course, \
                     completed_on, completed_at, notes_sealed, recorded_by, recorded_at, \
                     covered_topics) \
                     VALUES ($1, $2, $3, 'annual', $4, $5, 'sealed', $6, $5, $7)",
                    &[
                        &id(),
                        person,
                        &company,
                        &day(ago),
                        &(now - ago * DAY_MS),
                        &recorder,
                        &SEVEN_TOPICS.to_owned(),
                    ],
                )
                .await;
            }
        }
        for f in 0..20 {
            let file = id();
            let status = if f < 2 {
                "disposal_candidate"
            } else {
                "active"
            };
            exec(
                &mut conn,
                "INSERT INTO files (id, compartment_id, name, current_version, status, \
                 created_by, created_at, updated_at, deleted_at, name_hash) \
                 VALUES ($1, $2, '', 1, $3, $4, $5, $5, $6, $1)",
                &[
                    &file,
                    &compartment,
                    &status.to_owned(),
                    &recorder,
                    &now,
                    &(now - 3 * DAY_MS),
                ],
            )
            .await;
            if f < 2 {
                exec(
                    &mut conn,
                    "INSERT INTO disposals (id, compartment_id, file_id, method, place, \
                     performed_by, performed_at, checked_by, checked_at) \
                     VALUES ($1, $2, $3, 'crypto_shred', 'x', $4, $5, $6, $7)",
                    &[
                        &id(),
                        &compartment,
                        &file,
                        &recorder,
                        &(now - DAY_MS),
                        &people[1].clone(),
                        &(now - DAY_MS),
                    ],
                )
                .await;
                if f == 1 {
                    exec(
                        &mut conn,
                        "UPDATE disposals SET checked_by = NULL, checked_at = NULL \
                         WHERE file_id = $1",
                        &[&file],
                    )
                    .await;
                }
            }
        }
        for requirement in attestable.iter().take(attestations) {
            exec(
                &mut conn,
                "INSERT INTO compliance_attestations (id, company_id, requirement, attested_on, \
                 valid_until, details_sealed, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, 'sealed', $6, $7)",
                &[
                    &id(),
                    &company,
                    &(*requirement).to_owned(),
                    &day(30),
                    &CalendarDate::of_unix_ms(now + 300 * DAY_MS).to_string(),
                    &recorder,
                    &now,
                ],
            )
            .await;
        }
    }
    for size in 1..=100_i64 {
        exec(
            &mut conn,
            "INSERT INTO audit_checkpoints (tree_size, root, timestamp_ms, signed) \
             VALUES ($1, 'r', $2, 's')",
            &[&size, &(now - (100 - size) * 60_000)],
        )
        .await;
    }
    conn.execute("COMMIT").await.unwrap();
}

async fn records(url: &str) -> i64 {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let mut total = 0;
    for table in [
        "SELECT COUNT(*) FROM companies",
        "SELECT COUNT(*) FROM users",
        "SELECT COUNT(*) FROM webauthn_credentials",
        "SELECT COUNT(*) FROM contracts",
        "SELECT COUNT(*) FROM handlers",
        "SELECT COUNT(*) FROM roster_entries",
        "SELECT COUNT(*) FROM training_records",
        "SELECT COUNT(*) FROM files",
        "SELECT COUNT(*) FROM disposals",
        "SELECT COUNT(*) FROM compliance_attestations",
        "SELECT COUNT(*) FROM system_use_consents",
        "SELECT COUNT(*) FROM company_roles",
        "SELECT COUNT(*) FROM audit_checkpoints",
    ] {
        let n: i64 = sqlx::query_scalar::<Any, i64>(table)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        total += n;
    }
    total
}

/// Gathers every company's facts and evaluates them against `catalogue`;
/// returns the time and the number of statuses.
async fn table(store: &Store, catalogue: &Catalogue, now: i64) -> (Duration, usize) {
    let start = Instant::now();
    let (facts, gateway) = store
        .compliance_facts(None, now, OFFSET_MINUTES)
        .await
        .unwrap();
    let today = CalendarDate::of_unix_ms(now + i64::from(OFFSET_MINUTES) * 60_000);
    let statuses: usize = facts
        .iter()
        .map(|f| evaluate(catalogue, f, &gateway, today, now).statuses.len())
        .sum();
    (start.elapsed(), statuses)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let companies = env_usize("BENCH_COMPANIES", 1000);
    let users = env_usize("BENCH_USERS_PER_COMPANY", 10);
    let handlers = env_usize("BENCH_HANDLERS_PER_COMPANY", 4).min(users);
    let attestations = env_usize("BENCH_ATTESTATIONS_PER_COMPANY", 10);
    let rounds = env_usize("BENCH_ROUNDS", 5).max(1);
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let store = Store::connect(&url).await.unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let now = i64::try_from(now).unwrap();
    let started = Instant::now();
    populate(&url, companies, users, handlers, attestations, now).await;
    println!(
        "populated {companies} companies, {} records, in {:.1} s",
        records(&url).await,
        started.elapsed().as_secs_f64()
    );
    let full = Catalogue::shipped().unwrap();
    let empty = Catalogue::empty("empty");
    // Warm the connection pool and the page cache once.
    table(&store, full, now).await;
    let (mut with_full, mut with_empty) = (Vec::new(), Vec::new());
    let mut statuses = 0;
    for _ in 0..rounds {
        let (t, n) = table(&store, &empty, now).await;
        assert_eq!(n, 0);
        with_empty.push(t);
        let (t, n) = table(&store, full, now).await;
        statuses = n;
        with_full.push(t);
    }
    let (full_t, empty_t) = (median(with_full), median(with_empty));
    println!(
        "catalogue {} ({} requirements): {statuses} statuses for {companies} companies",
        full.version,
        full.requirements.len()
    );
    println!(
        "median of {rounds}: whole catalogue {:.1} ms, empty catalogue {:.1} ms, ratio {:.2}",
        full_t.as_secs_f64() * 1000.0,
        empty_t.as_secs_f64() * 1000.0,
        full_t.as_secs_f64() / empty_t.as_secs_f64().max(f64::MIN_POSITIVE)
    );
    let target = Duration::from_secs(1);
    println!(
        "target: whole catalogue under {} ms: {}",
        target.as_millis(),
        if full_t < target { "met" } else { "MISSED" }
    );
    if std::env::var("BENCH_STRICT").as_deref() == Ok("1") && full_t >= target {
        std::process::exit(3);
    }
}
