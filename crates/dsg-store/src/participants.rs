//! Designations on a contract (handlers and agency participants), and the
//! agency participants: the agency's own staff designated
//! on it (契約担当官等, programme engineers), who reach its compartment
//! beside the contractor's handlers. Kept apart from `handlers`: a
//! handler designation is the contractor's roster, and its last removal
//! disables the account; an agency participant's other work goes on.

use dsg_core::{AuditRecord, ContractId, Designation, UserId};
use sqlx::{Any, Row};

use crate::org::conflict_as;
use crate::{rows, HandlerRow, Store, StoreError};

impl Store {
    /// Gives `user` `designation` on `contract`.
    pub async fn designate(
        &self,
        designation: Designation,
        (contract, user): (ContractId, UserId),
        by: UserId,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let (sql, what) = match designation {
            Designation::Handler => (
                "INSERT INTO handlers (contract_id, user_id, designated_by, designated_at) \
                 VALUES ($1, $2, $3, $4)",
                "handler designation",
            ),
            Designation::AgencyParticipant => (
                "INSERT INTO agency_participants \
                 (contract_id, user_id, designated_by, designated_at) VALUES ($1, $2, $3, $4)",
                "agency participant designation",
            ),
        };
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(sql)
            .bind(contract.to_string())
            .bind(user.to_string())
            .bind(by.to_string())
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_as(e, what))?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Removes an agency participant's designation.
    pub async fn remove_participant(
        &self,
        contract: ContractId,
        user: UserId,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>(
            "DELETE FROM agency_participants WHERE contract_id = $1 AND user_id = $2",
        )
        .bind(contract.to_string())
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("agency participant designation"));
        }
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// The agency participants of a contract.
    pub async fn participants(&self, contract: ContractId) -> Result<Vec<HandlerRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT p.user_id, u.username, u.display_name, p.designated_at \
             FROM agency_participants p JOIN users u ON u.id = p.user_id \
             WHERE p.contract_id = $1 ORDER BY u.username",
        )
        .bind(contract.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, |r| {
            Ok(HandlerRow {
                user_id: rows::id(r, "user_id")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                designated_at: r.try_get("designated_at")?,
            })
        })
    }

    /// Every agency participant designation, as (contract, user).
    pub async fn participant_designations(&self) -> Result<Vec<(ContractId, UserId)>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT contract_id, user_id FROM agency_participants ORDER BY contract_id, user_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, |r| {
            Ok((rows::id(r, "contract_id")?, rows::id(r, "user_id")?))
        })
    }
}
