//! Alerts raised by the analysis rules (migration `0009_alerts.sql`): the
//! entries a rule counts, opening an alert or attaching entries to the one
//! still active for the same rule and key, and the operators' status
//! changes. The rules themselves are `dsg-app` `alerts/rules.rs`;
//! only text and numbers here.

use dsg_core::{AlertChange, AlertSeverity, AlertStatus, AuditRecord};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};
use uuid::Uuid;

use crate::audit::event_row;
use crate::{AuditHit, Store, StoreError, StoredAuditEvent};

/// The columns of an alert row, as [`alert_row`] reads them.
macro_rules! alert_columns {
    () => {
        "id, rule, alert_key, key_kind, severity, status, first_at, last_at, entry_count, \
         created_at, acknowledged_by, acknowledged_at, acknowledge_note, closed_by, closed_at, \
         close_note"
    };
}

/// The event columns with the `e.` prefix.
macro_rules! event_columns {
    () => {
        "e.id, e.occurred_at, e.request_id, e.actor_user_id, e.source_addr, e.action, \
         e.object_type, e.object_id, e.outcome, e.reason, e.terminal_id, e.decision_digest, \
         e.company_id"
    };
}

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    /// Random UUID.
    pub id: String,
    /// The rule's stable name (`failed_logins_account` …).
    pub rule: String,
    /// What the alert is about: a user id or a source address.
    pub key: String,
    /// `user` or `source`.
    pub key_kind: String,
    /// How urgent it is.
    pub severity: AlertSeverity,
    /// Where it stands.
    pub status: AlertStatus,
    /// Time of the earliest entry (Unix ms).
    pub first_at: i64,
    /// Time of the latest entry (Unix ms).
    pub last_at: i64,
    /// How many entries are linked.
    pub entry_count: i64,
    /// When the alert was raised (Unix ms).
    pub created_at: i64,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When.
    pub acknowledged_at: Option<i64>,
    /// Their note.
    pub acknowledge_note: Option<String>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// When.
    pub closed_at: Option<i64>,
    /// Their note.
    pub close_note: Option<String>,
}

/// Which column of an entry names an alert's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyColumn {
    /// The acting user (`actor_user_id`).
    Actor,
    /// The client address (`source_addr`).
    Source,
    /// The entry's object (`object_id`).
    Object,
}

/// The entries a threshold rule counts: those with `key` in `column`, one
/// of `actions`, in `[from_ms, until_ms]`, not yet linked to an alert of
/// `rule`. The rule filters them further (outcome …).
#[derive(Debug, Clone)]
pub struct WindowQuery<'a> {
    /// The rule counting (entries of its alerts are left out).
    pub rule: &'a str,
    /// Which column holds the key.
    pub column: KeyColumn,
    /// The key's value.
    pub key: &'a str,
    /// The actions of interest (the same twice for one).
    pub actions: [&'a str; 2],
    /// Window start (inclusive, Unix ms).
    pub from_ms: i64,
    /// Window end (inclusive, Unix ms).
    pub until_ms: i64,
    /// Most entries returned (the newest), oldest first.
    pub limit: i64,
}

/// Entries a rule fired on, to open an alert or attach to the active one.
#[derive(Debug, Clone)]
pub struct NewAlert<'a> {
    /// The rule's stable name.
    pub rule: &'a str,
    /// A user id or a source address.
    pub key: &'a str,
    /// `user` or `source`.
    pub key_kind: &'a str,
    /// Used when an alert is opened.
    pub severity: AlertSeverity,
    /// The entries: (event id, occurred_at).
    pub entries: &'a [(String, i64)],
    /// For a rule with periods (off hours): the start of the entries'
    /// period. A closed alert of the same rule and key with an entry at or
    /// after it takes the entries too, so a period raises one alert even
    /// after an operator closed it; `None`, a closed alert takes nothing.
    pub period_from: Option<i64>,
}

/// What [`Store::raise_alert`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raised {
    /// Every entry was already linked to an alert of this rule (a re-run).
    Nothing,
    /// The entries were added to the active alert of this rule and key.
    Attached {
        /// That alert.
        alert_id: String,
        /// Entries newly linked.
        added: i64,
    },
    /// A new alert was opened.
    Opened(Box<AlertRow>),
}

fn alert_row(r: &AnyRow) -> Result<AlertRow, sqlx::Error> {
    Ok(AlertRow {
        id: r.try_get("id")?,
        rule: r.try_get("rule")?,
        key: r.try_get("alert_key")?,
        key_kind: r.try_get("key_kind")?,
        severity: parsed(r, "severity", AlertSeverity::parse)?,
        status: parsed(r, "status", AlertStatus::parse)?,
        first_at: r.try_get("first_at")?,
        last_at: r.try_get("last_at")?,
        entry_count: r.try_get("entry_count")?,
        created_at: r.try_get("created_at")?,
        acknowledged_by: r.try_get("acknowledged_by")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        acknowledge_note: r.try_get("acknowledge_note")?,
        closed_by: r.try_get("closed_by")?,
        closed_at: r.try_get("closed_at")?,
        close_note: r.try_get("close_note")?,
    })
}

/// A text column parsed into its domain type; a value the domain does not
/// know is a decode error, not a silently wrong alert.
fn parsed<T>(
    r: &AnyRow,
    column: &str,
    parse: impl FnOnce(&str) -> Result<T, dsg_core::DomainError>,
) -> Result<T, sqlx::Error> {
    let raw: String = r.try_get(column)?;
    parse(&raw).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: Box::new(e),
    })
}

/// Of `ids`, those not yet linked to an alert of `rule`, in their order
/// and without repeats. One lookup per entry: static SQL only, and an alert
/// is opened over a handful of entries (a threshold's worth).
async fn unlinked(
    conn: &mut AnyConnection,
    rule: &str,
    ids: &[(String, i64)],
) -> Result<Vec<(String, i64)>, StoreError> {
    let mut seen = std::collections::HashSet::new();
    let mut fresh = Vec::new();
    for (id, at) in ids {
        if !seen.insert(id.as_str()) {
            continue;
        }
        let linked = sqlx::query::<Any>(
            "SELECT 1 AS one FROM alert_entries ae JOIN alerts a ON a.id = ae.alert_id \
             WHERE a.rule = $1 AND ae.event_id = $2",
        )
        .bind(rule.to_owned())
        .bind(id.clone())
        .fetch_optional(&mut *conn)
        .await?;
        if linked.is_none() {
            fresh.push((id.clone(), *at));
        }
    }
    Ok(fresh)
}

async fn link(
    conn: &mut AnyConnection,
    alert_id: &str,
    entries: &[(String, i64)],
) -> Result<(), StoreError> {
    for (event_id, _) in entries {
        sqlx::query::<Any>("INSERT INTO alert_entries (alert_id, event_id) VALUES ($1, $2)")
            .bind(alert_id.to_owned())
            .bind(event_id.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl Store {
    /// The entries a threshold rule counts (see [`WindowQuery`]), oldest
    /// first.
    pub async fn alert_window(
        &self,
        q: &WindowQuery<'_>,
    ) -> Result<Vec<StoredAuditEvent>, StoreError> {
        // Static statements only: one per key column.
        macro_rules! window {
            ($column:literal) => {
                concat!(
                    "SELECT ",
                    event_columns!(),
                    " FROM audit_events e WHERE ",
                    $column,
                    " = $1 AND e.occurred_at >= $2 AND e.occurred_at <= $3 \
                     AND e.action IN ($5, $6) \
                     AND NOT EXISTS (SELECT 1 FROM alert_entries ae JOIN alerts a \
                       ON a.id = ae.alert_id WHERE ae.event_id = e.id AND a.rule = $4) \
                     ORDER BY e.occurred_at DESC, e.id DESC LIMIT $7"
                )
            };
        }
        let sql = match q.column {
            KeyColumn::Actor => window!("e.actor_user_id"),
            KeyColumn::Source => window!("e.source_addr"),
            KeyColumn::Object => window!("e.object_id"),
        };
        let rows = sqlx::query::<Any>(sql)
            .bind(q.key.to_owned())
            .bind(q.from_ms)
            .bind(q.until_ms)
            .bind(q.rule.to_owned())
            .bind(q.actions[0].to_owned())
            .bind(q.actions[1].to_owned())
            .bind(q.limit)
            .fetch_all(&self.pool)
            .await?;
        // Newest first in SQL, so a limit cuts the oldest, never the entry
        // being judged; oldest first to the caller.
        let mut entries = rows
            .iter()
            .map(event_row)
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        entries.reverse();
        Ok(entries)
    }

    /// The id of the alert of `rule` and `key` that is not closed, if any.
    pub async fn active_alert(&self, rule: &str, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar::<Any, String>(
            "SELECT id FROM alerts WHERE rule = $1 AND alert_key = $2 AND status <> 'closed'",
        )
        .bind(rule.to_owned())
        .bind(key.to_owned())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Links `new.entries` to the active (not closed) alert of the same
    /// rule and key, or opens an alert with them, in one transaction.
    /// Entries already linked to an alert of this rule are skipped, so
    /// processing the same entries twice (a crash before the watcher's
    /// cursor moved) changes nothing. No audit entry: an alert is derived
    /// from entries already in the log (and from the configured rules),
    /// and writing to the log here would make the watcher a writer of the
    /// log it reads; the operators' changes are audited.
    pub async fn raise_alert(&self, new: &NewAlert<'_>, now_ms: i64) -> Result<Raised, StoreError> {
        // No audit entry, for the reasons above.
        let mut tx = self.begin_unaudited().await?;
        let fresh = unlinked(&mut tx, new.rule, new.entries).await?;
        let (Some(first), Some(last)) = (
            fresh.iter().map(|(_, at)| *at).min(),
            fresh.iter().map(|(_, at)| *at).max(),
        ) else {
            return Ok(Raised::Nothing);
        };
        let added = i64::try_from(fresh.len()).unwrap_or(i64::MAX);
        let active = sqlx::query::<Any>(concat!(
            "SELECT ",
            alert_columns!(),
            " FROM alerts WHERE rule = $1 AND alert_key = $2 \
             AND (status <> 'closed' OR last_at >= $3) \
             ORDER BY CASE WHEN status <> 'closed' THEN 0 ELSE 1 END, last_at DESC LIMIT 1"
        ))
        .bind(new.rule.to_owned())
        .bind(new.key.to_owned())
        .bind(new.period_from.unwrap_or(i64::MAX))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(active) = active {
            let alert_id: String = active.try_get("id")?;
            link(&mut tx, &alert_id, &fresh).await?;
            sqlx::query::<Any>(
                "UPDATE alerts SET entry_count = entry_count + $2, \
                 first_at = CASE WHEN first_at < $3 THEN first_at ELSE $3 END, \
                 last_at = CASE WHEN last_at > $4 THEN last_at ELSE $4 END WHERE id = $1",
            )
            .bind(alert_id.clone())
            .bind(added)
            .bind(first)
            .bind(last)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(Raised::Attached { alert_id, added });
        }
        let alert = AlertRow {
            id: Uuid::new_v4().to_string(),
            rule: new.rule.to_owned(),
            key: new.key.to_owned(),
            key_kind: new.key_kind.to_owned(),
            severity: new.severity,
            status: AlertStatus::Open,
            first_at: first,
            last_at: last,
            entry_count: added,
            created_at: now_ms,
            acknowledged_by: None,
            acknowledged_at: None,
            acknowledge_note: None,
            closed_by: None,
            closed_at: None,
            close_note: None,
        };
        sqlx::query::<Any>(
            "INSERT INTO alerts (id, rule, alert_key, key_kind, severity, status, first_at, \
             last_at, entry_count, created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9)",
        )
        .bind(alert.id.clone())
        .bind(alert.rule.clone())
        .bind(alert.key.clone())
        .bind(alert.key_kind.clone())
        .bind(alert.severity.as_str())
        .bind(first)
        .bind(last)
        .bind(added)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        link(&mut tx, &alert.id, &fresh).await?;
        tx.commit().await?;
        Ok(Raised::Opened(Box::new(alert)))
    }

    /// Alerts in `status` (every alert when `None`): open first, then
    /// acknowledged, then closed; newest activity first within each.
    pub async fn alerts(
        &self,
        status: Option<AlertStatus>,
        limit: i64,
    ) -> Result<Vec<AlertRow>, StoreError> {
        let rows = sqlx::query::<Any>(concat!(
            "SELECT ",
            alert_columns!(),
            " FROM alerts WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) ORDER BY \
             CASE status WHEN 'open' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END, \
             last_at DESC, id LIMIT $2"
        ))
        .bind(status.map(AlertStatus::as_str))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(alert_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// One alert.
    pub async fn alert(&self, id: &str) -> Result<Option<AlertRow>, StoreError> {
        let row = sqlx::query::<Any>(concat!(
            "SELECT ",
            alert_columns!(),
            " FROM alerts WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(alert_row)
            .transpose()
            .map_err(StoreError::from)
    }

    /// The first `limit` entries of an alert, oldest first, with their leaf
    /// index once sequenced.
    pub async fn alert_entries(&self, id: &str, limit: i64) -> Result<Vec<AuditHit>, StoreError> {
        let rows = sqlx::query::<Any>(concat!(
            "SELECT l.seq, l.salt, ",
            event_columns!(),
            " FROM alert_entries ae JOIN audit_events e ON e.id = ae.event_id \
             LEFT JOIN audit_leaves l ON l.event_id = e.id \
             WHERE ae.alert_id = $1 ORDER BY e.occurred_at, e.id LIMIT $2"
        ))
        .bind(id.to_owned())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(crate::audit_scope::hit_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Acknowledges (only an open alert) or closes (an open or acknowledged
    /// one) with the caller's audit entry, all or nothing. `Ok(None)` when
    /// the alert is not in a state that allows the change; not found when
    /// there is no such alert.
    pub async fn change_alert(
        &self,
        id: &str,
        change: AlertChange,
        by: &str,
        note: Option<&str>,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<Option<AlertRow>, StoreError> {
        let mut tx = self.begin_audited().await?;
        let sql = match change {
            AlertChange::Acknowledge => {
                "UPDATE alerts SET status = 'acknowledged', acknowledged_by = $2, \
                 acknowledged_at = $3, acknowledge_note = $4 WHERE id = $1 AND status = 'open'"
            }
            AlertChange::Close => {
                "UPDATE alerts SET status = 'closed', closed_by = $2, closed_at = $3, \
                 close_note = $4 WHERE id = $1 AND status <> 'closed'"
            }
        };
        let done = sqlx::query::<Any>(sql)
            .bind(id.to_owned())
            .bind(by.to_owned())
            .bind(now_ms)
            .bind(note.map(str::to_owned))
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query::<Any>(concat!(
            "SELECT ",
            alert_columns!(),
            " FROM alerts WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound("alert"));
        };
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        tx.commit(now_ms, record).await?;
        Ok(Some(alert_row(&row)?))
    }
}

#[cfg(test)]
mod tests {
    use dsg_core::{AuditAction, AuditObject, Outcome};

    use super::*;

    const SOURCE: &str = "192.0.2.7";
    const RULE: &str = "failed_logins_source";

    fn record(action: AuditAction, outcome: Outcome) -> AuditRecord {
        AuditRecord {
            request_id: "r".into(),
            actor: None,
            source: Some(SOURCE.into()),
            terminal: None,
            action,
            object: AuditObject::Alert(None),
            outcome,
            reason: "test".into(),
            decision: None,
        }
    }

    /// A store with one operator (`op`), who acknowledges and closes.
    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        store
            .write_one(sqlx::query::<Any>(
                "INSERT INTO companies (id, name, kind, created_at) VALUES ('c', 'c', 'agency', 0)",
            ))
            .await
            .unwrap();
        store
            .write_one(sqlx::query::<Any>(
                "INSERT INTO users (id, company_id, username, display_name, role, status, \
                 password_hash, created_at) VALUES ('op', 'c', 'op', 'op', 'operator', 'active', '', 0)",
            ))
            .await
            .unwrap();
        (dir, store)
    }

    async fn raise(store: &Store, entries: &[(String, i64)]) -> Raised {
        let new = NewAlert {
            rule: RULE,
            key: SOURCE,
            key_kind: "source",
            severity: AlertSeverity::High,
            entries,
            period_from: None,
        };
        store.raise_alert(&new, 20).await.unwrap()
    }

    async fn change(
        store: &Store,
        id: &str,
        c: AlertChange,
    ) -> Result<Option<AlertRow>, StoreError> {
        let action = match c {
            AlertChange::Acknowledge => AuditAction::AlertAcknowledge,
            AlertChange::Close => AuditAction::AlertClose,
        };
        store
            .change_alert(
                id,
                c,
                "op",
                Some("確認中"),
                30,
                &record(action, Outcome::Success),
            )
            .await
    }

    fn count(log: &[StoredAuditEvent], action: &str) -> usize {
        log.iter().filter(|e| e.action == action).count()
    }

    #[tokio::test]
    async fn entries_attach_to_the_active_alert_once_and_closing_starts_afresh() {
        let (_dir, store) = store().await;
        for t in 1..=4 {
            store
                .record(t, &record(AuditAction::Login, Outcome::Failure))
                .await
                .unwrap();
        }
        let window = |from| WindowQuery {
            rule: RULE,
            column: KeyColumn::Source,
            key: SOURCE,
            actions: ["auth.login", "auth.second_factor"],
            from_ms: from,
            until_ms: 10,
            limit: 100,
        };
        let seen = store.alert_window(&window(2)).await.unwrap();
        let times: Vec<i64> = seen.iter().map(|e| e.occurred_at).collect();
        assert_eq!(times, [2, 3, 4]);
        let ids: Vec<(String, i64)> = seen.iter().map(|e| (e.id.clone(), e.occurred_at)).collect();

        let Raised::Opened(alert) = raise(&store, &ids[..2]).await else {
            panic!("no alert opened");
        };
        assert_eq!(
            (alert.entry_count, alert.first_at, alert.last_at),
            (2, 2, 3)
        );
        // The same entries again (a re-run): nothing. One more: attached.
        assert_eq!(raise(&store, &ids[..2]).await, Raised::Nothing);
        let attached = raise(&store, &ids).await;
        assert_eq!(
            attached,
            Raised::Attached {
                alert_id: alert.id.clone(),
                added: 1
            }
        );
        let stored = store.alert(&alert.id).await.unwrap().unwrap();
        assert_eq!((stored.entry_count, stored.last_at), (3, 4));
        assert_eq!(store.alert_entries(&alert.id, 10).await.unwrap().len(), 3);
        // Linked entries no longer count for this rule: only t=1 is left.
        assert_eq!(store.alert_window(&window(0)).await.unwrap().len(), 1);

        // Acknowledged once; closed; a closed alert changes no more.
        let acked = change(&store, &alert.id, AlertChange::Acknowledge)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(acked.status.as_str(), "acknowledged");
        assert_eq!(acked.acknowledged_by.as_deref(), Some("op"));
        assert_eq!(acked.acknowledge_note.as_deref(), Some("確認中"));
        assert_eq!(
            change(&store, &alert.id, AlertChange::Acknowledge)
                .await
                .unwrap(),
            None
        );
        let closed = change(&store, &alert.id, AlertChange::Close)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (closed.status.as_str(), closed.closed_at),
            ("closed", Some(30))
        );
        assert_eq!(
            change(&store, &alert.id, AlertChange::Close).await.unwrap(),
            None
        );
        assert!(matches!(
            change(&store, "no-such-alert", AlertChange::Close).await,
            Err(StoreError::NotFound(_))
        ));
        // Each accepted change has its entry; refusals none, openings none
        // (an alert is derived from the log).
        let log = store.recent_audit(100).await.unwrap();
        assert_eq!(count(&log, "alert.acknowledge"), 1);
        assert_eq!(count(&log, "alert.close"), 1);
        assert_eq!(log.len(), 4 + 2, "four logins, two changes: {log:?}");

        // Once closed, the next entries open a new alert.
        store
            .record(5, &record(AuditAction::Login, Outcome::Failure))
            .await
            .unwrap();
        let next: Vec<(String, i64)> = store
            .alert_window(&window(0))
            .await
            .unwrap()
            .iter()
            .map(|e| (e.id.clone(), e.occurred_at))
            .collect();
        assert_eq!(next.len(), 2);
        let Raised::Opened(second) = raise(&store, &next).await else {
            panic!("no second alert");
        };
        assert_ne!(second.id, alert.id);
        assert_eq!(
            store.alerts(Some(AlertStatus::Open), 10).await.unwrap(),
            vec![*second.clone()]
        );
        let all = store.alerts(None, 10).await.unwrap();
        let order: Vec<&str> = all.iter().map(|a| a.status.as_str()).collect();
        assert_eq!(order, ["open", "closed"]);
        store.close().await;
    }

    #[tokio::test]
    async fn a_closed_alert_takes_later_entries_of_its_period() {
        let (_dir, store) = store().await;
        for t in [100, 200, 300, 400] {
            store
                .record(t, &record(AuditAction::Login, Outcome::Failure))
                .await
                .unwrap();
        }
        let ids: Vec<(String, i64)> = store
            .recent_audit(10)
            .await
            .unwrap()
            .iter()
            .map(|e| (e.id.clone(), e.occurred_at))
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_by_key(|(_, at)| *at);
        let raise_in = |entries: Vec<(String, i64)>, period_from: i64| {
            let store = &store;
            async move {
                let new = NewAlert {
                    rule: "off_hours",
                    key: SOURCE,
                    key_kind: "user",
                    severity: AlertSeverity::Medium,
                    entries: &entries,
                    period_from: Some(period_from),
                };
                store.raise_alert(&new, 500).await.unwrap()
            }
        };
        let Raised::Opened(first) = raise_in(sorted[..1].to_vec(), 50).await else {
            panic!("no alert opened");
        };
        change(&store, &first.id, AlertChange::Close)
            .await
            .unwrap()
            .unwrap();
        // The same period (from 50): the closed alert takes the entry.
        assert_eq!(
            raise_in(sorted[1..2].to_vec(), 50).await,
            Raised::Attached {
                alert_id: first.id.clone(),
                added: 1
            }
        );
        let stored = store.alert(&first.id).await.unwrap().unwrap();
        assert_eq!(
            (stored.status.as_str(), stored.entry_count, stored.last_at),
            ("closed", 2, 200)
        );
        // A later period (from 250, after its last entry): a new alert.
        let Raised::Opened(next) = raise_in(sorted[2..3].to_vec(), 250).await else {
            panic!("no alert for the next period");
        };
        assert_ne!(next.id, first.id);
        // While one is open, it takes the entries, whatever the period.
        assert_eq!(
            raise_in(sorted[3..].to_vec(), 350).await,
            Raised::Attached {
                alert_id: next.id.clone(),
                added: 1
            }
        );
        store.close().await;
    }
}
