//! Queries for the access review ("who has access"): every handler
//! designation at once, so a review asks the policy point about each
//! person without a query per person.

use dsg_core::{ContractId, UserId};
use sqlx::Any;

use crate::{rows, Store, StoreError};

impl Store {
    /// Every handler designation, as `(contract, user)` pairs.
    pub async fn handler_designations(&self) -> Result<Vec<(ContractId, UserId)>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT contract_id, user_id FROM handlers ORDER BY contract_id, user_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, |r| {
            Ok((rows::id(r, "contract_id")?, rows::id(r, "user_id")?))
        })
    }
}
