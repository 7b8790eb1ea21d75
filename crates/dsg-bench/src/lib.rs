//! The fixture of the policy benchmarks (`benches/policy.rs`,
//! `benches/policy_latency.rs`, `bench/policy-latency.sh`).
//!
//! The gateway's "entity store" is its SQL database: per request the server
//! reads the facts (the terminal by certificate fingerprint and its
//! company's kind, the user, their company, the contracts they handle, the
//! compartment), builds an [`AccessRequest`] and asks
//! [`PolicyEngine::decide`], which builds the small Cedar entity slice and
//! evaluates. [`Fixture::populate`] makes a fresh SQLite store of the
//! issue's size (migrations by [`Store::connect`], then bulk inserts in one
//! transaction) and [`request_facts`] does the server's lookups for one
//! request, exactly as `resolve_device`, `resolve_session` / `user_facts`
//! and `authorize_compartment` in `dsg-app` do.
#![deny(missing_docs)]
#![allow(
    clippy::disallowed_methods,
    reason = "benchmarks time themselves with the machine's clocks"
)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use dsg_core::{
    CompanyId, CompanyKind, CompartmentId, ContractId, MfaMethod, Role, TerminalId, UserId,
};
use dsg_policy::{AccessRequest, Action, Environment, PolicyEngine, SessionFacts};
use dsg_store::Store;

mod point;
pub use point::{
    facts_and_decide, facts_and_decide_at, request_facts, request_facts_at, session_then_facts,
    session_then_facts_at,
};
use sqlx::{Any, AnyConnection, Connection, Executor};

/// How many rows of each kind the store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Contractor companies (plus the one agency).
    pub contractors: usize,
    /// Users, agency operators included.
    pub users: usize,
    /// Contracts, each with one compartment.
    pub contracts: usize,
    /// Registered terminals, each with a distinct certificate fingerprint.
    pub terminals: usize,
}

impl Sizes {
    /// The issue's sizes: 100k users, 10k contracts and compartments, 50k
    /// terminals, spread over 1,000 contractors.
    pub const ISSUE: Self = Self {
        contractors: 1_000,
        users: 100_000,
        contracts: 10_000,
        terminals: 50_000,
    };

    /// A small store, for when a bench binary runs as a test
    /// (`cargo test --benches`): it only has to show that the code works.
    pub const SMALL: Self = Self {
        contractors: 10,
        users: 1_000,
        contracts: 100,
        terminals: 500,
    };

    /// `base`, with `BENCH_CONTRACTORS`, `BENCH_USERS`, `BENCH_CONTRACTS` and
    /// `BENCH_TERMINALS` overriding its fields when set.
    pub fn from_env(base: Self) -> anyhow::Result<Self> {
        Ok(Self {
            contractors: env_usize("BENCH_CONTRACTORS", base.contractors)?,
            users: env_usize("BENCH_USERS", base.users)?,
            contracts: env_usize("BENCH_CONTRACTS", base.contracts)?,
            terminals: env_usize("BENCH_TERMINALS", base.terminals)?,
        })
    }
}

/// A positive integer from the environment, or `default` when unset.
pub fn env_usize(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => bail!("{name} must be a positive integer, got {v:?}"),
        },
        Err(std::env::VarError::NotPresent) => Ok(default),
        Err(e) => Err(anyhow!("{name}: {e}")),
    }
}

/// Whether a `harness = false` bench binary was started by `cargo bench`
/// (which passes `--bench`) rather than by `cargo test --benches`.
pub fn invoked_by_cargo_bench() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// A small, fast, deterministic generator (SplitMix64) for drawing users and
/// terminals; no dependency, and the same draws on every run.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform index below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        // Lemire's multiply-shift; the bias is negligible for these sizes.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// What identifies one request to the server: the session's user, the
/// certificate fingerprint of the connection and the compartment in the
/// URL (`None`: an administrative action on the gateway).
#[derive(Debug, Clone)]
pub struct RequestKeys {
    /// The signed-in user (from the session).
    pub user: UserId,
    /// The hash of the user's session token (one session per user).
    pub session: String,
    /// The client certificate's SHA-256 fingerprint (lowercase hex).
    pub fingerprint: String,
    /// The compartment id as it appears in the URL, or `None` for the gateway.
    pub compartment: Option<String>,
    /// What is asked.
    pub action: Action,
    /// The client's address. The random requests each come from their own
    /// (so the engine's per-thread memory of recent addresses does not
    /// help them); the decide-only cases repeat one client's request.
    pub source: IpAddr,
}

/// A passkey session that authenticated a minute ago (the usual case).
pub const SESSION: SessionFacts = SessionFacts {
    mfa: MfaMethod::Webauthn,
    step_up_fresh: true,
    totp_reaches_data: false,
    auth_age_secs: 60,
    session_age_secs: 600,
};

/// The client address of the decide-only cases (a documentation address).
pub const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));

/// A request on a Wednesday morning (from the request's own address).
pub const ENVIRONMENT: Environment = Environment {
    source: None,
    hour: 10,
    weekday: 3,
    agency_terminals_accepted: false,
    posture_max_age_secs: None,
    roster_confirmation_required: false,
    training_max_age_secs: None,
    designation_training_required: false,
    consent_required: false,
};

/// One decide-only case: a request already built, and its expected answer.
#[derive(Debug, Clone)]
pub struct Case {
    /// Short name, used as the benchmark id.
    pub name: &'static str,
    /// The question, facts already read.
    pub request: AccessRequest,
    /// Whether the policy must allow it (checked when the fixture is built).
    pub allowed: bool,
}

/// A populated store, the policy engine and what the benchmarks draw from.
#[derive(Debug)]
pub struct Fixture {
    /// The store (SQLite in a temp dir, removed on drop).
    pub store: Store,
    /// The embedded policies.
    pub engine: PolicyEngine,
    /// Every user id (the baseline draws from these).
    pub users: Vec<UserId>,
    /// Random requests drawn from the store (see [`Fixture::populate`]).
    pub requests: Vec<RequestKeys>,
    /// The decide-only cases.
    pub cases: Vec<Case>,
    /// "Now" for account states.
    pub now_ms: i64,
    /// What was inserted.
    pub sizes: Sizes,
    /// How long populating took.
    pub populate_time: Duration,
    _dir: tempfile::TempDir,
}

struct UserRow {
    id: UserId,
    company: usize,
    handler_of: Vec<usize>,
}

struct TerminalRow {
    id: TerminalId,
    company: usize,
    fingerprint: String,
    quarantined: bool,
}

/// Agency operators among the users.
const OPERATORS: usize = 20;

impl Fixture {
    /// Makes a fresh store of `sizes` and draws `draws` random requests.
    ///
    /// Company 0 is the agency (its users are the first [`OPERATORS`]
    /// users, operators); users, contracts and terminals are spread round
    /// robin over the contractors (terminals over every company). Every
    /// other user of a contractor handles 1–3 of its company's contracts;
    /// one terminal in 50 is quarantined. A random request is a random
    /// user, a random terminal of their company, and one of the
    /// compartments they handle (or, for a user who handles none, a random
    /// compartment of their company): about half are allowed.
    pub async fn populate(sizes: Sizes, draws: usize) -> anyhow::Result<Self> {
        if sizes.contractors == 0 || sizes.users <= OPERATORS || sizes.contracts == 0 {
            bail!("need at least one contractor, one contract and more than {OPERATORS} users");
        }
        let started = std::time::Instant::now();
        let dir = tempfile::tempdir()?;
        // A fresh, empty PostgreSQL database from `BENCH_DATABASE_URL`
        // (bench/policy-latency.sh --postgres starts a throwaway cluster),
        // else a SQLite file in a temp dir.
        let url = match std::env::var("BENCH_DATABASE_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            ),
        };
        let store = Store::connect(&url).await?;
        let now_ms = now_ms();
        let mut rng = SplitMix64::new(0x5eed_d5a0_0000_0001);

        // The model in memory.
        let companies: Vec<(CompanyId, CompanyKind)> = (0..=sizes.contractors)
            .map(|i| {
                let kind = if i == 0 {
                    CompanyKind::Agency
                } else {
                    CompanyKind::Contractor
                };
                (CompanyId::random(), kind)
            })
            .collect();
        let contracts: Vec<(ContractId, CompartmentId, usize)> = (0..sizes.contracts)
            .map(|j| {
                (
                    ContractId::random(),
                    CompartmentId::random(),
                    1 + j % sizes.contractors,
                )
            })
            .collect();
        let mut contracts_of: Vec<Vec<usize>> = vec![Vec::new(); companies.len()];
        for (j, c) in contracts.iter().enumerate() {
            if let Some(list) = contracts_of.get_mut(c.2) {
                list.push(j);
            }
        }
        let mut users_of: Vec<Vec<usize>> = vec![Vec::new(); companies.len()];
        let mut users: Vec<UserRow> = Vec::with_capacity(sizes.users);
        for i in 0..sizes.users {
            let company = if i < OPERATORS {
                0
            } else {
                1 + (i - OPERATORS) % sizes.contractors
            };
            let members = users_of.get_mut(company).context("company index")?;
            let k = members.len();
            members.push(i);
            let mut handler_of = Vec::new();
            let own = contracts_of.get(company).context("company index")?;
            if company != 0 && k % 2 == 0 && !own.is_empty() {
                let count = (1 + (k / 2) % 3).min(own.len());
                for m in 0..count {
                    if let Some(&j) = own.get((k / 2 + m) % own.len()) {
                        handler_of.push(j);
                    }
                }
            }
            users.push(UserRow {
                id: UserId::random(),
                company,
                handler_of,
            });
        }
        let mut terminals_of: Vec<Vec<usize>> = vec![Vec::new(); companies.len()];
        let terminals: Vec<TerminalRow> = (0..sizes.terminals)
            .map(|t| {
                let company = t % companies.len();
                if let Some(list) = terminals_of.get_mut(company) {
                    list.push(t);
                }
                TerminalRow {
                    id: TerminalId::random(),
                    company,
                    fingerprint: format!(
                        "{:016x}{:016x}{:016x}{:016x}",
                        rng.next_u64(),
                        rng.next_u64(),
                        rng.next_u64(),
                        t as u64
                    ),
                    quarantined: t % 50 == 7,
                }
            })
            .collect();

        insert_all(&url, now_ms, &companies, &users, &contracts, &terminals).await?;

        let compartment_of = |j: usize| {
            contracts
                .get(j)
                .map(|c| c.1.to_string())
                .context("contract index")
        };
        let pick = |rng: &mut SplitMix64, list: &[usize]| -> Option<usize> {
            (!list.is_empty())
                .then(|| list.get(rng.below(list.len())).copied())
                .flatten()
        };

        // Random requests.
        let mut requests = Vec::with_capacity(draws);
        for _ in 0..draws {
            let u = users.get(rng.below(users.len())).context("user index")?;
            let fingerprint = match pick(&mut rng, terminals_of.get(u.company).context("c")?) {
                Some(t) => terminals.get(t).context("terminal")?.fingerprint.clone(),
                None => "0".repeat(64),
            };
            let (compartment, action) = if u.company == 0 {
                (None, Action::UserCreate)
            } else {
                let j = match pick(&mut rng, &u.handler_of) {
                    Some(j) => j,
                    None => pick(&mut rng, contracts_of.get(u.company).context("c")?)
                        .context("company without contracts")?,
                };
                (Some(compartment_of(j)?), Action::FileRead)
            };
            let [_, _, _, _, a, b, c, _] = rng.next_u64().to_be_bytes();
            requests.push(RequestKeys {
                user: u.id,
                session: session_hash(u.id),
                fingerprint,
                compartment,
                action,
                source: IpAddr::V4(Ipv4Addr::new(10, a, b, c)),
            });
        }

        // The decide-only cases, their facts read from the store.
        let active_terminal = |company: usize| {
            terminals_of
                .get(company)
                .and_then(|list| {
                    list.iter()
                        .filter_map(|&t| terminals.get(t))
                        .find(|t| !t.quarantined)
                })
                .map(|t| t.fingerprint.clone())
                .with_context(|| format!("company {company} has no active terminal"))
        };
        let handler = users
            .iter()
            .find(|u| {
                u.company != 0
                    && !u.handler_of.is_empty()
                    && terminals_of.get(u.company).is_some_and(|l| {
                        l.iter()
                            .any(|&t| terminals.get(t).is_some_and(|t| t.quarantined))
                    })
            })
            .context("no handler whose company has a quarantined terminal")?;
        let own_compartment = compartment_of(*handler.handler_of.first().context("handler")?)?;
        let quarantined = terminals_of
            .get(handler.company)
            .and_then(|l| {
                l.iter()
                    .filter_map(|&t| terminals.get(t))
                    .find(|t| t.quarantined)
            })
            .map(|t| t.fingerprint.clone())
            .context("quarantined terminal")?;
        let outsider = users
            .iter()
            .find(|u| u.company != 0 && u.company != handler.company)
            .context("no user of another company")?;
        let operator = users.first().context("no operator")?;
        let case_keys = [
            (
                "handler-own-compartment",
                RequestKeys {
                    user: handler.id,
                    session: session_hash(handler.id),
                    fingerprint: active_terminal(handler.company)?,
                    compartment: Some(own_compartment.clone()),
                    action: Action::FileRead,
                    source: CLIENT,
                },
                true,
            ),
            (
                "other-company-user",
                RequestKeys {
                    user: outsider.id,
                    session: session_hash(outsider.id),
                    fingerprint: active_terminal(outsider.company)?,
                    compartment: Some(own_compartment.clone()),
                    action: Action::FileRead,
                    source: CLIENT,
                },
                false,
            ),
            (
                "quarantined-terminal",
                RequestKeys {
                    user: handler.id,
                    session: session_hash(handler.id),
                    fingerprint: quarantined,
                    compartment: Some(own_compartment),
                    action: Action::FileRead,
                    source: CLIENT,
                },
                false,
            ),
            (
                "operator-admin-gateway",
                RequestKeys {
                    user: operator.id,
                    session: session_hash(operator.id),
                    fingerprint: active_terminal(0)?,
                    compartment: None,
                    action: Action::UserCreate,
                    source: CLIENT,
                },
                true,
            ),
        ];
        let engine = PolicyEngine::embedded()?;
        let mut cases = Vec::new();
        for (name, keys, allowed) in case_keys {
            let request = request_facts(&store, &keys, now_ms).await?;
            let decision = engine.decide(&request);
            if decision.allowed != allowed || !decision.errors.is_empty() {
                bail!("case {name}: expected allowed = {allowed}, got {decision:?}");
            }
            cases.push(Case {
                name,
                request,
                allowed,
            });
        }
        Ok(Self {
            store,
            engine,
            users: users.iter().map(|u| u.id).collect(),
            requests,
            cases,
            now_ms,
            sizes,
            populate_time: started.elapsed(),
            _dir: dir,
        })
    }
}

/// Inserts the model with plain SQL on one connection, in one transaction
/// (`synchronous = OFF` for this connection only: it is a fixture).
async fn insert_all(
    url: &str,
    now_ms: i64,
    companies: &[(CompanyId, CompanyKind)],
    users: &[UserRow],
    contracts: &[(ContractId, CompartmentId, usize)],
    terminals: &[TerminalRow],
) -> anyhow::Result<()> {
    let mut conn = AnyConnection::connect(url).await?;
    if url.starts_with("sqlite:") {
        conn.execute("PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;")
            .await?;
    }
    let mut tx = conn.begin().await?;
    let company_id = |i: usize| companies.get(i).map(|c| c.0.to_string()).context("company");
    for (i, (id, kind)) in companies.iter().enumerate() {
        sqlx::query::<Any>(
            "INSERT INTO companies (id, name, kind, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.to_string())
        .bind(format!("company-{i:05}"))
        .bind(kind.as_str())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    }
    for (i, u) in users.iter().enumerate() {
        let role = if u.company == 0 {
            Role::Operator
        } else {
            Role::Member
        };
        sqlx::query::<Any>(
            "INSERT INTO users (id, company_id, username, display_name, role, status, \
             password_hash, created_at, enrolled_at, valid_until, locked_until) \
             VALUES ($1, $2, $3, $4, $5, 'active', '', $6, $7, NULL, NULL)",
        )
        .bind(u.id.to_string())
        .bind(company_id(u.company)?)
        .bind(format!("user{i:06}@c{:05}", u.company))
        .bind(format!("User {i}"))
        .bind(role.as_str())
        .bind(now_ms)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    }
    for (j, (contract, compartment, company)) in contracts.iter().enumerate() {
        sqlx::query::<Any>(
            "INSERT INTO contracts (id, company_id, number, title, starts_on, ends_on, \
             special_clause, created_at) VALUES ($1, $2, $3, $4, '2026-04-01', '2027-03-31', \
             1, $5)",
        )
        .bind(contract.to_string())
        .bind(company_id(*company)?)
        .bind(format!("R8-{j:06}"))
        .bind(format!("Contract {j}"))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query::<Any>(
            "INSERT INTO compartments (id, contract_id, wrapped_key, key_version, quota_bytes, \
             used_bytes, created_at) VALUES ($1, $2, 'bench-not-a-key', 1, 1073741824, 0, $3)",
        )
        .bind(compartment.to_string())
        .bind(contract.to_string())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    }
    for u in users {
        sqlx::query::<Any>(
            "INSERT INTO sessions (token_hash, public_id, user_id, mfa, created_at, \
             authenticated_at, step_up_at, last_seen_at, expires_at, source_addr, user_agent, \
             terminal_fingerprint) \
             VALUES ($1, $2, $3, 'webauthn', $4, $4, NULL, $4, $5, NULL, NULL, '')",
        )
        .bind(session_hash(u.id))
        .bind(format!("s-{}", u.id))
        .bind(u.id.to_string())
        .bind(now_ms)
        .bind(now_ms + 8 * 3_600_000)
        .execute(&mut *tx)
        .await?;
    }
    let operator = users.first().context("no users")?.id.to_string();
    for u in users {
        for &j in &u.handler_of {
            sqlx::query::<Any>(
                "INSERT INTO handlers (contract_id, user_id, designated_by, designated_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(contracts.get(j).context("contract")?.0.to_string())
            .bind(u.id.to_string())
            .bind(operator.clone())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
    }
    for (t, row) in terminals.iter().enumerate() {
        let status = if row.quarantined {
            "quarantined"
        } else {
            "active"
        };
        sqlx::query::<Any>(
            "INSERT INTO terminals (id, company_id, name, site, serial, status, status_reason, \
             status_changed_at, cert_fingerprint, cert_serial, cert_not_after, registered_at, \
             registered_by, last_seen_at, posture_reported_at) \
             VALUES ($1, $2, $3, '本社 3F', $4, $5, '', $6, $7, $8, $9, $10, $11, NULL, NULL)",
        )
        .bind(row.id.to_string())
        .bind(company_id(row.company)?)
        .bind(format!("PC-{t:06}"))
        .bind(format!("SN-{t:08}"))
        .bind(status)
        .bind(now_ms)
        .bind(row.fingerprint.clone())
        .bind(format!("{t:016x}"))
        .bind(now_ms + 365 * 86_400_000)
        .bind(now_ms)
        .bind(operator.clone())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    if !url.starts_with("sqlite:") {
        // As autovacuum would before long: without statistics the planner
        // picks sequential scans for the first plans it caches.
        conn.execute("ANALYZE").await?;
    }
    conn.close().await?;
    Ok(())
}

/// The (made-up) session token hash of a user's one session.
fn session_hash(user: UserId) -> String {
    let hex: String = user.to_string().chars().filter(|c| *c != '-').collect();
    format!("{hex:0>64}")
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// p50, p99 and p99.9 of a set of timings, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Mean.
    pub mean: f64,
    /// Number of timings.
    pub count: usize,
}

impl Percentiles {
    /// Sorts `samples` and reads the percentiles (nearest rank).
    pub fn of(samples: &mut [Duration]) -> Self {
        samples.sort_unstable();
        let at = |p: f64| {
            let n = samples.len();
            if n == 0 {
                return f64::NAN;
            }
            let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
            samples
                .get(rank - 1)
                .map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
        };
        let total: f64 = samples.iter().map(Duration::as_secs_f64).sum();
        Self {
            p50: at(0.50),
            p99: at(0.99),
            p999: at(0.999),
            mean: if samples.is_empty() {
                f64::NAN
            } else {
                total / samples.len() as f64 * 1e6
            },
            count: samples.len(),
        }
    }
}

/// A fixed computation (a chain of multiply-adds, no memory, no system
/// call) that takes `rounds` steps: timed many times, its spread is what
/// the machine alone adds to a call of that length (interrupts, the other
/// tenants of a virtual machine, frequency changes).
pub fn fixed_work(rounds: u64) -> u64 {
    let mut acc = std::hint::black_box(rounds);
    for i in 0..std::hint::black_box(rounds) {
        acc = acc
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(i | 1);
    }
    acc
}

/// How many [`fixed_work`] rounds take about `micros` µs here (the median
/// of a few trials).
pub fn fixed_work_rounds(micros: f64) -> u64 {
    const PROBE: u64 = 100_000;
    let mut trials: Vec<Duration> = (0..15)
        .map(|_| {
            let t = std::time::Instant::now();
            std::hint::black_box(fixed_work(PROBE));
            t.elapsed()
        })
        .collect();
    trials.sort_unstable();
    let per_round = trials
        .get(trials.len() / 2)
        .map_or(0.0, |d| d.as_secs_f64() * 1e6 / PROBE as f64);
    if per_round > 0.0 {
        (micros / per_round).max(1.0) as u64
    } else {
        1
    }
}
