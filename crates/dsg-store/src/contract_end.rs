//! The end of a contract (第6-7): requests about it (an extension of
//! keeping, a proposal to close), their decisions, and the closing that
//! destroys the compartment's key (crypto-shredding) with its data keys,
//! expires the accounts whose only contract it was, all in the
//! transaction of its audit entry.

use dsg_core::{
    AuditRecord, CalendarDate, CompartmentId, EndRequestId, EndRequestKind, EndRequestStatus,
    LedgerState, UserId,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::rows::id;
use crate::{Store, StoreError};

/// A request about a contract's end, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndRequestRow {
    /// Its id.
    pub id: EndRequestId,
    /// The compartment.
    pub compartment_id: CompartmentId,
    /// An extension of keeping or a proposal to close.
    pub kind: EndRequestKind,
    /// Who asked.
    pub requested_by: UserId,
    /// When (Unix ms).
    pub requested_at: i64,
    /// Why.
    pub reason: String,
    /// An extension: the last day asked for.
    pub until: Option<CalendarDate>,
    /// Pending, approved or refused.
    pub status: EndRequestStatus,
    /// Who decided it.
    pub decided_by: Option<UserId>,
    /// When.
    pub decided_at: Option<i64>,
    /// The decider's reason.
    pub decision_reason: Option<String>,
}

/// What a closing leaves to do outside the database: the blobs to delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClosedCompartment {
    /// The object-store keys of every blob the compartment held.
    pub blobs: Vec<String>,
    /// The accounts that expired with it.
    pub expired: Vec<UserId>,
}

macro_rules! columns {
    () => {
        "SELECT id, compartment_id, kind, requested_by, requested_at, reason, \
         until_date, status, decided_by, decided_at, decision_reason FROM end_requests "
    };
}

fn end_request(row: &AnyRow) -> Result<EndRequestRow, StoreError> {
    let decided_by: Option<String> = row.try_get("decided_by")?;
    Ok(EndRequestRow {
        id: id(row, "id")?,
        compartment_id: id(row, "compartment_id")?,
        kind: EndRequestKind::parse(&row.try_get::<String, _>("kind")?)?,
        requested_by: id(row, "requested_by")?,
        requested_at: row.try_get("requested_at")?,
        reason: row.try_get("reason")?,
        until: row
            .try_get::<Option<String>, _>("until_date")?
            .map(|d| CalendarDate::parse("until_date", &d))
            .transpose()?,
        status: EndRequestStatus::parse(&row.try_get::<String, _>("status")?)?,
        decided_by: decided_by.map(|d| d.parse()).transpose()?,
        decided_at: row.try_get("decided_at")?,
        decision_reason: row.try_get("decision_reason")?,
    })
}

impl Store {
    /// A compartment's requests about its end, oldest first.
    pub async fn end_requests(
        &self,
        compartment: CompartmentId,
    ) -> Result<Vec<EndRequestRow>, StoreError> {
        let rows = sqlx::query::<Any>(concat!(
            columns!(),
            "WHERE compartment_id = $1 ORDER BY requested_at, id"
        ))
        .bind(compartment.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(end_request).collect()
    }

    /// One request of a compartment.
    pub async fn end_request(
        &self,
        compartment: CompartmentId,
        id: EndRequestId,
    ) -> Result<Option<EndRequestRow>, StoreError> {
        let row = sqlx::query::<Any>(concat!(columns!(), "WHERE compartment_id = $1 AND id = $2"))
            .bind(compartment.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(end_request).transpose()
    }

    /// How many inventory items of a compartment are not closed.
    pub async fn unclosed_ledger_items(
        &self,
        compartment: CompartmentId,
    ) -> Result<u64, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT COUNT(*) AS n FROM ledger_items WHERE compartment_id = $1 AND state <> $2",
        )
        .bind(compartment.to_string())
        .bind(LedgerState::Closed.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0))
    }

    /// Files a request (pending). A second pending request of the same
    /// kind is refused: one is decided before another is made.
    pub async fn add_end_request(
        &self,
        request: &EndRequestRow,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let pending = sqlx::query::<Any>(
            "SELECT id FROM end_requests WHERE compartment_id = $1 AND kind = $2 AND status = $3",
        )
        .bind(request.compartment_id.to_string())
        .bind(request.kind.as_str())
        .bind(EndRequestStatus::Pending.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if pending.is_some() {
            return Err(StoreError::Conflict("a request of this kind is pending"));
        }
        sqlx::query::<Any>(
            "INSERT INTO end_requests (id, compartment_id, kind, requested_by, requested_at, \
             reason, until_date, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(request.id.to_string())
        .bind(request.compartment_id.to_string())
        .bind(request.kind.as_str())
        .bind(request.requested_by.to_string())
        .bind(request.requested_at)
        .bind(request.reason.clone())
        .bind(request.until.map(|d| d.to_string()))
        .bind(EndRequestStatus::Pending.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit(request.requested_at, audit).await
    }

    /// Decides a pending extension of keeping; an approval sets the
    /// compartment's last day of keeping.
    pub async fn decide_extension(
        &self,
        request: &EndRequestRow,
        (decider, approve, reason): (UserId, bool, &str),
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let status = request.status.decide(approve)?;
        decide(&mut tx, request, (decider, status, reason), now_ms).await?;
        if approve {
            sqlx::query::<Any>(
                "UPDATE compartments SET kept_until = $1 WHERE id = $2 AND closed_at IS NULL",
            )
            .bind(request.until.map(|d| d.to_string()))
            .bind(request.compartment_id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit(now_ms, audit).await
    }

    /// Refuses a pending proposal to close.
    pub async fn refuse_close(
        &self,
        request: &EndRequestRow,
        (decider, reason): (UserId, &str),
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let status = request.status.decide(false)?;
        decide(&mut tx, request, (decider, status, reason), now_ms).await?;
        tx.commit(now_ms, audit).await
    }

    /// Approves a pending proposal to close: only while every inventory
    /// item of the compartment is closed (checked again here). Destroys
    /// the compartment key and every data key of its versions, marks it
    /// closed and expires the accounts whose only contract this was, with
    /// `audit` and, when any expired, `expiry` (its reason completed with
    /// their ids). Returns the blobs to delete.
    pub async fn close_compartment(
        &self,
        request: &EndRequestRow,
        (approver, reason): (UserId, &str),
        now_ms: i64,
        (audit, expiry): (&AuditRecord, &AuditRecord),
    ) -> Result<ClosedCompartment, StoreError> {
        let mut tx = self.begin_audited().await?;
        let compartment = request.compartment_id.to_string();
        let open = sqlx::query::<Any>(
            "SELECT COUNT(*) AS n FROM ledger_items WHERE compartment_id = $1 AND state <> $2",
        )
        .bind(compartment.clone())
        .bind(LedgerState::Closed.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if open.try_get::<i64, _>("n")? > 0 {
            return Err(StoreError::Conflict(
                "every inventory item must be closed before the compartment",
            ));
        }
        let status = request.status.decide(true)?;
        decide(&mut tx, request, (approver, status, reason), now_ms).await?;
        let closed = sqlx::query::<Any>(
            "UPDATE compartments SET wrapped_key = '', closed_at = $1, used_bytes = 0 \
             WHERE id = $2 AND closed_at IS NULL",
        )
        .bind(now_ms)
        .bind(compartment.clone())
        .execute(&mut *tx)
        .await?;
        if closed.rows_affected() != 1 {
            return Err(StoreError::Conflict("the compartment is closed already"));
        }
        let versions = sqlx::query::<Any>(
            "SELECT v.blob_key FROM file_versions v JOIN files f ON f.id = v.file_id \
             WHERE f.compartment_id = $1 AND v.key_destroyed_at IS NULL",
        )
        .bind(compartment.clone())
        .fetch_all(&mut *tx)
        .await?;
        let mut blobs = Vec::with_capacity(versions.len());
        for v in &versions {
            blobs.push(v.try_get::<String, _>("blob_key")?);
        }
        sqlx::query::<Any>(
            "UPDATE file_versions SET wrapped_key = '', key_destroyed_at = $1 \
             WHERE key_destroyed_at IS NULL \
             AND file_id IN (SELECT id FROM files WHERE compartment_id = $2)",
        )
        .bind(now_ms)
        .bind(compartment.clone())
        .execute(&mut *tx)
        .await?;
        let expired = expire_accounts(&mut tx, &compartment, now_ms).await?;
        if expired.is_empty() {
            tx.commit(now_ms, audit).await?;
        } else {
            let mut expiry = expiry.clone();
            let ids: Vec<String> = expired.iter().map(ToString::to_string).collect();
            expiry.reason = format!("{};accounts={}", expiry.reason, ids.join(","));
            tx.commit_with(now_ms, audit, Some(&expiry)).await?;
        }
        Ok(ClosedCompartment { blobs, expired })
    }
}

async fn decide(
    tx: &mut crate::audited::AuditedTx,
    request: &EndRequestRow,
    (decider, status, reason): (UserId, EndRequestStatus, &str),
    now_ms: i64,
) -> Result<(), StoreError> {
    if decider == request.requested_by {
        return Err(StoreError::Conflict("a request decided by who made it"));
    }
    let done = sqlx::query::<Any>(
        "UPDATE end_requests SET status = $1, decided_by = $2, decided_at = $3, \
         decision_reason = $4 WHERE id = $5 AND status = $6",
    )
    .bind(status.as_str())
    .bind(decider.to_string())
    .bind(now_ms)
    .bind(reason.to_owned())
    .bind(request.id.to_string())
    .bind(EndRequestStatus::Pending.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict("the request is decided already"));
    }
    Ok(())
}

/// Expires, as of `now_ms`, the accounts of the compartment's company
/// whose only contract this was: a handler of it who handles no contract
/// still open, or an account handling nothing whose company has no other
/// contract still open. Agency accounts belong to no contractor and are
/// never among them.
async fn expire_accounts(
    tx: &mut crate::audited::AuditedTx,
    compartment: &str,
    now_ms: i64,
) -> Result<Vec<UserId>, StoreError> {
    let rows = sqlx::query::<Any>(
        "SELECT u.id FROM users u \
         JOIN contracts k ON k.company_id = u.company_id \
         JOIN compartments cm ON cm.contract_id = k.id AND cm.id = $1 \
         WHERE (u.valid_until IS NULL OR u.valid_until > $2) \
         AND NOT EXISTS (SELECT 1 FROM handlers h JOIN contracts c ON c.id = h.contract_id \
             LEFT JOIN compartments m ON m.contract_id = c.id \
             WHERE h.user_id = u.id AND c.id <> k.id AND m.closed_at IS NULL) \
         AND (EXISTS (SELECT 1 FROM handlers h WHERE h.user_id = u.id AND h.contract_id = k.id) \
             OR (NOT EXISTS (SELECT 1 FROM handlers h WHERE h.user_id = u.id) \
                 AND NOT EXISTS (SELECT 1 FROM contracts c \
                     LEFT JOIN compartments m ON m.contract_id = c.id \
                     WHERE c.company_id = u.company_id AND c.id <> k.id \
                     AND m.closed_at IS NULL))) \
         ORDER BY u.id",
    )
    .bind(compartment.to_owned())
    .bind(now_ms)
    .fetch_all(&mut **tx)
    .await?;
    let mut expired = Vec::with_capacity(rows.len());
    for row in &rows {
        let user: UserId = id(row, "id")?;
        sqlx::query::<Any>("UPDATE users SET valid_until = $1 WHERE id = $2")
            .bind(now_ms)
            .bind(user.to_string())
            .execute(&mut **tx)
            .await?;
        expired.push(user);
    }
    Ok(expired)
}
