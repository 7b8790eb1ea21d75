//! Who may read which part of the log (duties) and the parts themselves:
//! filtered searches, and company sub-logs with their heads.

use dsg_core::{AuditActionFilter, AuditRecord, CompanyId, ContractId, Duty, Outcome, UserId};
use sqlx::{Any, Row};

use crate::audit::event_row;
use crate::org::conflict_as;
use crate::{SequencedEvent, Store, StoreError, StoredAuditEvent};

/// A search of the log. Every filter is optional except the time range.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// From (inclusive, Unix ms).
    pub from_ms: i64,
    /// Until (exclusive, Unix ms).
    pub until_ms: i64,
    /// Only entries concerning this company.
    pub company: Option<CompanyId>,
    /// Only entries of this acting user.
    pub actor: Option<UserId>,
    /// Only this action or family of actions.
    pub action: Option<AuditActionFilter>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// Only entries about this object id (any kind of object).
    pub object_id: Option<String>,
    /// Only entries about this contract, its compartment or its files.
    pub contract: Option<ContractId>,
    /// Most entries returned.
    pub limit: i64,
}

/// A search hit: the entry and its leaf index once sequenced.
#[derive(Debug, Clone)]
pub struct AuditHit {
    /// Leaf index, `None` while the sequencer has not reached it (< 1 s).
    pub seq: Option<i64>,
    /// The leaf's salt (hex), once sequenced.
    pub salt: Option<String>,
    /// The entry.
    pub event: StoredAuditEvent,
}

/// The event columns with the `e.` prefix (see `audit_log.rs`).
macro_rules! columns {
    () => {
        "e.id, e.occurred_at, e.request_id, e.actor_user_id, e.source_addr, e.action, \
         e.object_type, e.object_id, e.outcome, e.reason, e.terminal_id, e.decision_digest, \
         e.company_id"
    };
}

impl Store {
    /// Entries matching `q`, newest first. Each absent filter is bound as
    /// NULL and switched off in SQL, so the statement stays static.
    pub async fn search_audit(&self, q: &AuditQuery) -> Result<Vec<AuditHit>, StoreError> {
        let (action_exact, action_prefix) = match &q.action {
            Some(AuditActionFilter::Family(family)) => (None, Some(format!("{family}%"))),
            Some(AuditActionFilter::Exact(action)) => (Some(action.as_str()), None),
            None => (None, None),
        };
        let sql = concat!(
            "SELECT l.seq, l.salt, ",
            columns!(),
            " FROM audit_events e LEFT JOIN audit_leaves l ON l.event_id = e.id \
             WHERE e.occurred_at >= $1 AND e.occurred_at < $2 AND l.expired_at IS NULL \
             AND (CAST($3 AS TEXT) IS NULL OR e.company_id = $3) \
             AND (CAST($4 AS TEXT) IS NULL OR e.actor_user_id = $4) \
             AND (CAST($5 AS TEXT) IS NULL OR e.action = $5) \
             AND (CAST($6 AS TEXT) IS NULL OR e.action LIKE $6) \
             AND (CAST($7 AS TEXT) IS NULL OR e.outcome = $7) \
             AND (CAST($8 AS TEXT) IS NULL OR e.object_id = $8) \
             AND (CAST($10 AS TEXT) IS NULL OR e.object_id = $10 \
               OR e.object_id IN (SELECT m.id FROM compartments m WHERE m.contract_id = $10) \
               OR e.object_id IN (SELECT f.id FROM files f \
                 JOIN compartments m ON m.id = f.compartment_id WHERE m.contract_id = $10)) \
             ORDER BY e.occurred_at DESC, e.id DESC LIMIT $9"
        );
        let rows = sqlx::query::<Any>(sql)
            .bind(q.from_ms)
            .bind(q.until_ms)
            .bind(q.company.map(|c| c.to_string()))
            .bind(q.actor.map(|a| a.to_string()))
            .bind(action_exact)
            .bind(action_prefix)
            .bind(q.outcome.map(Outcome::as_str))
            .bind(q.object_id.clone())
            .bind(q.limit)
            .bind(q.contract.map(|c| c.to_string()))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(hit_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Every leaf hash (hex) in leaf order with its seq and the company its
    /// entry concerns, to rebuild the main tree and the company sub-logs.
    pub async fn leaf_hashes_by_company(
        &self,
    ) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT l.seq, l.leaf_hash, e.company_id FROM audit_leaves l \
             JOIN audit_events e ON e.id = l.event_id ORDER BY l.seq",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("seq")?,
                    r.try_get("leaf_hash")?,
                    r.try_get("company_id")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The reason of every company head entry (sequenced or not), with the
    /// company it is for, oldest first.
    pub async fn company_head_reasons(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT object_id, reason FROM audit_events WHERE action = $1 \
             ORDER BY occurred_at, id",
        )
        .bind(dsg_core::AuditAction::CompanyLogHead.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let company: Option<String> = r.try_get("object_id")?;
                Ok((company.unwrap_or_default(), r.try_get("reason")?))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The newest sequenced head entry of `company` among the first
    /// `below_seq` leaves.
    pub async fn company_head_before(
        &self,
        company: &str,
        below_seq: i64,
    ) -> Result<Option<SequencedEvent>, StoreError> {
        let sql = concat!(
            "SELECT l.seq, l.salt, l.leaf_hash, l.expired_at, ",
            columns!(),
            " FROM audit_leaves l JOIN audit_events e ON e.id = l.event_id \
             WHERE e.action = $1 AND e.object_id = $2 AND l.seq < $3 \
             ORDER BY l.seq DESC LIMIT 1"
        );
        let row = sqlx::query::<Any>(sql)
            .bind(dsg_core::AuditAction::CompanyLogHead.as_str())
            .bind(company.to_owned())
            .bind(below_seq)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| sequenced(&r))
            .transpose()
            .map_err(StoreError::from)
    }

    /// The first `limit` sequenced entries of `company`'s sub-log, in leaf
    /// order.
    pub async fn company_sub_log(
        &self,
        company: &str,
        limit: i64,
    ) -> Result<Vec<SequencedEvent>, StoreError> {
        let sql = concat!(
            "SELECT l.seq, l.salt, l.leaf_hash, l.expired_at, ",
            columns!(),
            " FROM audit_leaves l JOIN audit_events e ON e.id = l.event_id \
             WHERE e.company_id = $1 ORDER BY l.seq LIMIT $2"
        );
        let rows = sqlx::query::<Any>(sql)
            .bind(company.to_owned())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(sequenced)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The duties a user holds.
    pub async fn duties_of(&self, user: UserId) -> Result<Vec<Duty>, StoreError> {
        let rows =
            sqlx::query::<Any>("SELECT duty FROM user_duties WHERE user_id = $1 ORDER BY duty")
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get("duty")?;
                Duty::parse(&name).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }

    /// Every (user, duty) held, for the accounts register.
    pub async fn all_duties(&self) -> Result<Vec<(UserId, Duty)>, StoreError> {
        let rows =
            sqlx::query::<Any>("SELECT user_id, duty FROM user_duties ORDER BY user_id, duty")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get("duty")?;
                Ok((
                    crate::rows::id(r, "user_id")?,
                    Duty::parse(&name).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                ))
            })
            .collect()
    }

    /// Grants a duty with its audit entry, all or nothing. Conflict when
    /// the user already holds it.
    pub async fn grant_duty(
        &self,
        user: UserId,
        duty: Duty,
        by: UserId,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "INSERT INTO user_duties (user_id, duty, granted_by, granted_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user.to_string())
        .bind(duty.as_str())
        .bind(by.to_string())
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_as(e, "duty"))?;
        tx.commit(now_ms, record).await?;
        Ok(())
    }

    /// Withdraws a duty with its audit entry. Not found when not held.
    pub async fn revoke_duty(
        &self,
        user: UserId,
        duty: Duty,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>("DELETE FROM user_duties WHERE user_id = $1 AND duty = $2")
            .bind(user.to_string())
            .bind(duty.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("duty"));
        }
        tx.commit(now_ms, record).await?;
        Ok(())
    }
}

/// Reads a row of `l.seq, l.salt` and the event columns (the leaf columns
/// NULL while unsequenced).
pub(crate) fn hit_row(r: &sqlx::any::AnyRow) -> Result<AuditHit, sqlx::Error> {
    Ok(AuditHit {
        seq: r.try_get("seq")?,
        salt: r.try_get("salt")?,
        event: event_row(r)?,
    })
}

fn sequenced(r: &sqlx::any::AnyRow) -> Result<SequencedEvent, sqlx::Error> {
    crate::audit_log::sequenced_row(r)
}
