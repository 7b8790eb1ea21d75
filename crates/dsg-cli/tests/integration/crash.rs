//! Crash safety of the audit log: the gateway is killed with SIGKILL at a
//! random moment while concurrent requests change state (company
//! registrations, uploads: audit entry in the state change's transaction)
//! and read protected data (file lists, downloads: group-committed access
//! records) or are refused (a handler asking for operator data: a
//! group-committed denial), then restarted on the same directories.
//! Afterwards the log must verify (`dsg admin audit-verify` on an export)
//! and every request that was answered must have its audit entry with the
//! answer's outcome (and a created object must exist); at the end, with the
//! gateway stopped cleanly, every such entry must be a leaf of the verified
//! log.
//!
//! Trials run until `DSG_CRASH_TRIALS` (default 50) have run or the time
//! budget `DSG_CRASH_BUDGET_SECS` (default 130 s, so the whole test stays
//! under 3 minutes on two cores in a debug build) is used; at least
//! `DSG_CRASH_MIN_TRIALS` (default 50) must have run. The random choices
//! come from `DSG_CRASH_SEED` (default: from the clock), printed at the
//! start so a failing schedule can be replayed (as far as timing allows).
//! `bench/crash-soak.sh` runs many more trials.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::audit_log::export;
use crate::harness::{binary, data, world, Client, Db, Gateway};

/// splitmix64: small, seedable, good enough to pick delays and mixes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} must be a number"))
    })
}

/// What a writer does in a loop until the gateway is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `POST /api/v1/admin/companies` (state change, entry in its transaction).
    CompanyCreate,
    /// `POST …/files` with a small body (blob, then rows and entry in one
    /// transaction).
    Upload,
    /// `GET …/files` (a read: group-committed access record).
    FileList,
    /// `GET …/files/{id}/content` (access record committed before the body).
    Download,
    /// `GET /api/v1/admin/overview` as a handler: refused, and the denial is
    /// recorded (group-committed) before the answer.
    DeniedAdminRead,
}

impl Kind {
    fn action(self) -> &'static str {
        match self {
            Kind::CompanyCreate => "company.create",
            Kind::Upload => "file.upload",
            Kind::FileList => "file.list",
            Kind::Download => "file.download",
            Kind::DeniedAdminRead => "admin.view",
        }
    }

    /// The status of a successful answer.
    fn success(self) -> StatusCode {
        match self {
            Kind::CompanyCreate | Kind::Upload => StatusCode::CREATED,
            Kind::FileList | Kind::Download | Kind::DeniedAdminRead => StatusCode::OK,
        }
    }
}

/// A request the gateway answered: with success, or with a refusal (whose
/// denial entry must be written before the answer, too).
#[derive(Debug, Clone)]
struct Answered {
    kind: Kind,
    /// The outcome its entry must carry: `success` or `denied`.
    outcome: &'static str,
    request_id: String,
    /// The created company or file.
    object: Option<String>,
    trial: usize,
}

/// What the writers share with the test.
struct Shared {
    compartment: String,
    file: String,
    content: Vec<u8>,
    answered: Mutex<Vec<Answered>>,
    /// Answers that were neither success nor a dropped connection.
    unexpected: Mutex<Vec<String>>,
}

/// Sends requests of one kind until the connection fails (the gateway was
/// killed). Returns how many were sent.
async fn writer(client: Client, kind: Kind, trial: usize, id: usize, shared: Arc<Shared>) -> u64 {
    let mut sent = 0;
    loop {
        let n = sent;
        sent += 1;
        let req = match kind {
            Kind::CompanyCreate => client
                .request(Method::POST, "/api/v1/admin/companies")
                .json(&json!({ "name": format!("crash {trial}-{id}-{n}") })),
            Kind::Upload => client
                .request(
                    Method::POST,
                    &format!(
                        "/api/v1/compartments/{}/files?name=crash-{trial}-{id}-{n}.bin",
                        shared.compartment
                    ),
                )
                .header("content-type", "application/octet-stream")
                .body(data(2_000, (trial * 1000 + id * 100) as u64 + n)),
            Kind::FileList => client.request(
                Method::GET,
                &format!("/api/v1/compartments/{}/files", shared.compartment),
            ),
            Kind::Download => client.request(
                Method::GET,
                &format!(
                    "/api/v1/compartments/{}/files/{}/content",
                    shared.compartment, shared.file
                ),
            ),
            Kind::DeniedAdminRead => client.request(Method::GET, "/api/v1/admin/overview"),
        };
        let Ok(response) = req.timeout(Duration::from_secs(60)).send().await else {
            return sent;
        };
        let status = response.status();
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // A body cut off by the kill is no answer.
        let Ok(body) = response.bytes().await else {
            return sent;
        };
        let outcome = if status == kind.success() {
            "success"
        } else if status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND {
            "denied"
        } else {
            shared.unexpected.lock().unwrap().push(format!(
                "{kind:?} answered {status}: {}",
                String::from_utf8_lossy(&body)
            ));
            continue;
        };
        let object = match (kind, outcome) {
            (Kind::CompanyCreate, "success") => {
                let v: Value = serde_json::from_slice(&body).unwrap();
                Some(v["id"].as_str().unwrap().to_owned())
            }
            (Kind::Upload, "success") => {
                let v: Value = serde_json::from_slice(&body).unwrap();
                Some(v["file"]["id"].as_str().unwrap().to_owned())
            }
            (Kind::Download, "success") => {
                assert_eq!(body.as_ref(), shared.content.as_slice(), "download body");
                None
            }
            _ => None,
        };
        shared.answered.lock().unwrap().push(Answered {
            kind,
            outcome,
            request_id: request_id.expect("every answer carries x-request-id"),
            object,
            trial,
        });
    }
}

/// An audit entry's action, outcome and object id.
type Entry<'a> = (&'a str, &'a str, Option<&'a str>);

async fn sqlite(gw: &Gateway) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}", gw.data_dir().join("dsg.db").display());
    sqlx::SqlitePool::connect(&url).await.unwrap()
}

/// Every answered request has its success entry (same request id, action
/// and object) and its object exists. Returns the number checked.
async fn check_entries(gw: &Gateway, answered: &[Answered]) -> usize {
    let pool = sqlite(gw).await;
    let rows: Vec<(String, String, String, Option<String>)> =
        sqlx::query_as("SELECT request_id, action, outcome, object_id FROM audit_events")
            .fetch_all(&pool)
            .await
            .unwrap();
    let companies: HashSet<String> = sqlx::query_scalar("SELECT id FROM companies")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let files: HashSet<String> = sqlx::query_scalar("SELECT id FROM files")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    pool.close().await;
    // request id → (action, outcome, object id) of its entries
    let mut entries: HashMap<&str, Vec<Entry<'_>>> = HashMap::new();
    for (request, action, outcome, object) in &rows {
        entries.entry(request.as_str()).or_default().push((
            action.as_str(),
            outcome.as_str(),
            object.as_deref(),
        ));
    }
    for a in answered {
        let found = entries.get(a.request_id.as_str()).is_some_and(|es| {
            es.iter().any(|(action, outcome, object)| {
                *action == a.kind.action()
                    && *outcome == a.outcome
                    && (a.object.is_none() || a.object.as_deref() == *object)
            })
        });
        assert!(
            found,
            "trial {}: answered {a:?} has no audit entry",
            a.trial
        );
        match (a.kind, a.outcome) {
            (_, "denied") => {}
            (Kind::CompanyCreate, _) => assert!(
                companies.contains(a.object.as_deref().unwrap()),
                "answered {a:?}: the company is missing"
            ),
            (Kind::Upload, _) => assert!(
                files.contains(a.object.as_deref().unwrap()),
                "answered {a:?}: the file is missing"
            ),
            _ => {}
        }
    }
    answered.len()
}

/// Exports the log and verifies the export offline. Returns the export.
fn verify_log(gw: &Gateway, name: &str) -> Vec<Value> {
    let (path, lines) = export(gw, name);
    let out = std::process::Command::new(binary())
        .args(["admin", "audit-verify", "--file"])
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the log does not verify: {text}");
    assert!(text.contains("verified:"), "{text}");
    lines
}

/// `session` pointed at the restarted gateway (a new port). Its HTTP client
/// is kept, with whatever client certificate it presents; connections to
/// the killed process are closed and not reused.
fn session_on(gw: &Gateway, session: &Client) -> Client {
    let mut c = session.clone();
    c.base.clone_from(&gw.base);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_requests_survive_sigkill_and_the_log_verifies() {
    let started = Instant::now();
    let seed = env_u64("DSG_CRASH_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    });
    let max_trials = env_u64("DSG_CRASH_TRIALS").unwrap_or(50) as usize;
    let min_trials = env_u64("DSG_CRASH_MIN_TRIALS").unwrap_or(50) as usize;
    let budget = Duration::from_secs(env_u64("DSG_CRASH_BUDGET_SECS").unwrap_or(130));
    eprintln!("crash test: seed {seed} (DSG_CRASH_SEED), up to {max_trials} trials in {budget:?}");
    let mut rng = Rng(seed);

    let mut gw = Gateway::start_with(Db::Sqlite, &[("DSG_AUDIT__CHECKPOINT_SECONDS", "1")])
        .await
        .unwrap();
    let w = world(&gw).await;
    let operator = gw.operator().await;
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let content = data(4_000, 42);
    let (s, up) = handler
        .upload(&w.compartment_a, "crash-source.bin", content.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let shared = Arc::new(Shared {
        compartment: w.compartment_a.clone(),
        file: up["file"]["id"].as_str().unwrap().to_owned(),
        content,
        answered: Mutex::new(Vec::new()),
        unexpected: Mutex::new(Vec::new()),
    });
    eprintln!("crash test: set up in {:?}", started.elapsed());

    let mut trials = 0;
    let mut sent = 0;
    let mut restart_time = Duration::ZERO;
    while trials < max_trials {
        // Leave room for one more trial, the final stop and verification.
        let per_trial = started.elapsed() / (trials as u32 + 1);
        if trials > 0 && started.elapsed() + per_trial + Duration::from_secs(15) > budget {
            break;
        }
        let trial = trials;
        let op = session_on(&gw, &operator);
        let ha = session_on(&gw, &handler);
        let writers = rng.range(4, 12) as usize;
        let tasks: Vec<_> = (0..writers)
            .map(|i| {
                let (kind, client) = match rng.range(0, 9) {
                    0..=3 => (Kind::CompanyCreate, op.clone()),
                    4 => (Kind::Upload, ha.clone()),
                    5 | 6 => (Kind::FileList, ha.clone()),
                    7 => (Kind::Download, ha.clone()),
                    _ => (Kind::DeniedAdminRead, ha.clone()),
                };
                tokio::spawn(writer(client, kind, trial, i, shared.clone()))
            })
            .collect();
        // Kill anywhere from before the first request is answered to well
        // into the stream of commits (and the sequencer's 500 ms ticks).
        tokio::time::sleep(Duration::from_millis(rng.range(0, 700))).await;
        let t = Instant::now();
        assert!(
            gw.restart().await.is_none(),
            "a restart must not bootstrap again"
        );
        restart_time += t.elapsed();
        for task in tasks {
            sent += tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("a writer hung after the kill")
                .unwrap();
        }
        trials += 1;

        if trial == 0 {
            // Sessions live in the database: the cookies outlive the process.
            let (s, b) = session_on(&gw, &operator)
                .get("/api/v1/admin/overview")
                .await;
            assert_eq!(s, StatusCode::OK, "operator session after restart: {b}");
        }
        let answered = shared.answered.lock().unwrap().clone();
        let this_trial: Vec<Answered> = answered
            .iter()
            .filter(|a| a.trial == trial)
            .cloned()
            .collect();
        check_entries(&gw, &this_trial).await;
        // The chain verifies after every few restarts (each check runs two
        // processes; the final one covers everything).
        if trial % 5 == 4 {
            verify_log(&gw, "trial.jsonl");
        }
    }

    let unexpected = shared.unexpected.lock().unwrap().clone();
    assert!(unexpected.is_empty(), "unexpected answers: {unexpected:#?}");
    let answered = shared.answered.lock().unwrap().clone();
    // Everything answered over all trials, then a clean stop: the final
    // checkpoint covers every entry, and every answered request's entry is a
    // leaf of the verified log.
    check_entries(&gw, &answered).await;
    let status = gw.terminate().await;
    assert!(status.success(), "{status:?}");
    let lines = verify_log(&gw, "final.jsonl");
    let in_log: HashSet<&str> = lines
        .iter()
        .filter(|l| l["type"] == "entry")
        .map(|l| l["request_id"].as_str().unwrap())
        .collect();
    for a in &answered {
        assert!(
            in_log.contains(a.request_id.as_str()),
            "answered {a:?} is not in the verified log"
        );
    }
    let pool = sqlite(&gw).await;
    let (events, leaves): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM audit_events), (SELECT COUNT(*) FROM audit_leaves)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(
        events, leaves,
        "every entry is sequenced after a clean stop"
    );
    let mut by_kind: HashMap<String, usize> = HashMap::new();
    for a in &answered {
        *by_kind
            .entry(format!("{} {}", a.kind.action(), a.outcome))
            .or_default() += 1;
    }
    eprintln!(
        "crash test: {trials} trials, {sent} requests sent, {} answered {by_kind:?}, \
         {events} log entries; restarts took {restart_time:?}; total {:?}",
        answered.len(),
        started.elapsed()
    );
    assert!(
        trials >= min_trials,
        "only {trials} trials fit in {budget:?} (at least {min_trials} needed; seed {seed})"
    );
    // Both paths were exercised: entries in a state change's transaction,
    // and standalone (group-committed) entries.
    assert!(
        answered
            .iter()
            .any(|a| a.kind == Kind::CompanyCreate && a.outcome == "success"),
        "{by_kind:?}"
    );
    assert!(
        answered
            .iter()
            .any(|a| a.outcome == "denied" || matches!(a.kind, Kind::FileList | Kind::Download)),
        "{by_kind:?}"
    );
}
