//! The retention statements on both backends, at the store: content of
//! sequenced entries older than the cut is blanked, their leaves stay and
//! are marked, company heads and younger entries are untouched, the run's
//! own entry is written with it, and a second run finds nothing.

use dsg_core::{
    AlertChange, AlertSeverity, AuditAction, AuditObject, AuditRecord, Company, CompanyId,
    CompanyKind, Outcome, Role, UserId,
};
use dsg_store::{NewAlert, NewLeaf, NewUser, Raised, Store};

use dsg_testkit::postgres::PgCluster;

const DAY_MS: i64 = 86_400_000;
const T0: i64 = 1_795_392_000_000;

fn record(action: AuditAction, object: AuditObject, reason: &str) -> AuditRecord {
    AuditRecord {
        request_id: "req".into(),
        actor: None,
        source: Some("192.0.2.1".into()),
        terminal: None,
        action,
        object,
        outcome: Outcome::Success,
        reason: reason.into(),
        decision: None,
    }
}

/// Gives every unsequenced event a leaf (fixed salts and hashes: this
/// checks the statements, not the hashing).
async fn sequence(store: &Store) {
    let events = store.unsequenced_events(1000).await.unwrap();
    let first = store.leaf_hashes().await.unwrap().len() as i64;
    let leaves: Vec<NewLeaf> = events
        .iter()
        .enumerate()
        .map(|(i, e)| NewLeaf {
            event_id: e.id.clone(),
            salt: format!("{:064x}", i),
            leaf_hash: format!("{:064x}", first + i as i64 + 1),
        })
        .collect();
    store.append_leaves(first, &leaves).await.unwrap();
}

async fn expiry_on(store: Store) {
    let company = Company {
        id: CompanyId::random(),
        name: "保存期間株式会社".into(),
        kind: CompanyKind::Contractor,
        created_at: T0,
    };
    let about = || AuditObject::Company(Some(company.id));
    store
        .create_company(
            &company,
            T0,
            &record(AuditAction::CompanyCreate, about(), "old 0"),
        )
        .await
        .unwrap();
    for i in 1..=3 {
        store
            .record(
                T0 + i,
                &record(AuditAction::AdminView, about(), &format!("old {i}")),
            )
            .await
            .unwrap();
    }
    let head = record(
        AuditAction::CompanyLogHead,
        AuditObject::CompanyLog(company.id.to_string()),
        &format!("size=4 root={}", "ab".repeat(32)),
    );
    store.record(T0 + 10, &head).await.unwrap();
    store
        .record(
            T0 + 500 * DAY_MS,
            &record(AuditAction::AdminView, about(), "young"),
        )
        .await
        .unwrap();
    // Two alerts over old entries: one closed (its subject goes), one
    // still open (it keeps its subject).
    let user = NewUser {
        id: UserId::random(),
        company_id: company.id,
        username: "retention.op".into(),
        display_name: "op".into(),
        role: Role::Member,
        valid_until: None,
    };
    store
        .create_user(
            &user,
            ("token-hash", T0 + DAY_MS),
            T0,
            &record(AuditAction::UserCreate, about(), "old user"),
        )
        .await
        .unwrap();
    let old: Vec<(String, i64)> = store
        .recent_audit(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.reason.starts_with("old "))
        .map(|e| (e.id, e.occurred_at))
        .collect();
    let mut alert_ids = Vec::new();
    for (rule, key) in [("burst", "198.51.100.7"), ("lockout", "198.51.100.8")] {
        let raised = store
            .raise_alert(
                &NewAlert {
                    rule,
                    key,
                    key_kind: "source",
                    severity: AlertSeverity::Low,
                    entries: &old,
                    period_from: None,
                },
                T0 + 30,
            )
            .await
            .unwrap();
        let Raised::Opened(alert) = raised else {
            panic!("{raised:?}")
        };
        alert_ids.push(alert.id);
    }
    store
        .change_alert(
            &alert_ids[0],
            AlertChange::Close,
            &user.id.to_string(),
            Some("checked with the user"),
            T0 + 40,
            &record(
                AuditAction::AlertClose,
                AuditObject::Alert(Some(alert_ids[0].clone())),
                "closed",
            ),
        )
        .await
        .unwrap()
        .unwrap();

    // Not yet sequenced: never expired, whatever its age.
    sequence(&store).await;
    store
        .record(
            T0 + 20,
            &record(AuditAction::AdminView, about(), "unsequenced"),
        )
        .await
        .unwrap();

    let now = T0 + 800 * DAY_MS;
    let before = now - 400 * DAY_MS;
    fn expire(
        entries: &std::cell::Cell<u64>,
    ) -> impl FnOnce(dsg_store::Expired) -> AuditRecord + '_ {
        move |x: dsg_store::Expired| {
            entries.set(x.entries);
            record(
                AuditAction::AuditExpire,
                AuditObject::AuditLog,
                &format!("entries={}", x.entries),
            )
        }
    }
    let seen = std::cell::Cell::new(0);
    // Nothing below leaf 0: however old, no entry goes.
    assert!(store
        .expire_audit_content(before, 0, now, 1000, expire(&seen))
        .await
        .unwrap()
        .is_none());
    let done = store
        .expire_audit_content(before, i64::MAX, now, 1000, expire(&seen))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        done.entries,
        4 + 2,
        "the company's creation, three reads, the user and the close"
    );
    assert_eq!(done.alerts, 1, "only the closed alert");
    let closed = store.alert(&alert_ids[0]).await.unwrap().unwrap();
    assert!(
        closed.key.is_empty() && closed.close_note.is_none(),
        "{closed:?}"
    );
    let open = store.alert(&alert_ids[1]).await.unwrap().unwrap();
    assert_eq!(open.key, "198.51.100.8");
    assert_eq!(seen.get(), 6);
    assert!(store
        .expire_audit_content(before, i64::MAX, now, 1000, expire(&seen))
        .await
        .unwrap()
        .is_none());

    let all = store.sequenced_events().await.unwrap();
    let expired: Vec<_> = all.iter().filter(|s| s.expired_at.is_some()).collect();
    assert_eq!(expired.len(), 6);
    // The company stays (its sub-log needs it); only the alert's close had none.
    let of_company = expired
        .iter()
        .filter(|s| s.event.company_id.as_deref() == Some(company.id.to_string().as_str()))
        .count();
    assert_eq!(of_company, 5);
    for s in &expired {
        assert_eq!(s.event.action, "expired");
        assert!(s.event.reason.is_empty() && s.event.source_addr.is_none());
        assert_eq!(s.leaf_hash.len(), 64, "the leaf stays");
    }
    for kept in ["young", "size=4"] {
        assert!(
            all.iter()
                .any(|s| s.expired_at.is_none() && s.event.reason.starts_with(kept)),
            "{kept} was expired"
        );
    }
    let recent = store.recent_audit(100).await.unwrap();
    assert!(recent.iter().any(|e| e.reason == "unsequenced"));
    assert!(recent
        .iter()
        .any(|e| e.action == "audit.expire" && e.reason == "entries=6"));
}

#[tokio::test]
async fn retention_statements_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("r.db").display());
    expiry_on(Store::connect(&url).await.unwrap()).await;
}

#[tokio::test]
async fn retention_statements_on_postgres() {
    let Some(pg) = PgCluster::start() else { return };
    expiry_on(Store::connect(&pg.url()).await.unwrap()).await;
}
