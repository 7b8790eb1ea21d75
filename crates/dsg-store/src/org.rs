//! Companies, users, contracts, compartments and handler designations.

use dsg_core::{AuditRecord, Company, CompanyId, Compartment, Contract, ContractId, User, UserId};
use sqlx::{Any, Row};

use crate::rows;
use crate::{Store, StoreError};

/// A user to register.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Fresh id.
    pub id: UserId,
    /// Organisation.
    pub company_id: CompanyId,
    /// Validated login name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Role name.
    pub role: dsg_core::Role,
    /// End of the account's validity period (Unix ms), if any.
    pub valid_until: Option<i64>,
}

/// What login needs to know about an account.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    /// The account.
    pub user: User,
    /// Its argon2id PHC string; `None` until the holder sets a password.
    pub password_hash: Option<String>,
}

/// One handler designation, with the user's names for display.
#[derive(Debug, Clone)]
pub struct HandlerRow {
    /// The handler.
    pub user_id: UserId,
    /// Their login name.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// When designated (Unix ms).
    pub designated_at: i64,
}

impl Store {
    /// Whether no user exists yet (first start).
    pub async fn has_no_users(&self) -> Result<bool, StoreError> {
        let row = sqlx::query::<Any>("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? == 0)
    }

    /// Registers a company.
    pub async fn create_company(
        &self,
        company: &Company,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "INSERT INTO companies (id, name, kind, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(company.id.to_string())
        .bind(company.name.clone())
        .bind(company.kind.as_str())
        .bind(company.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_as(e, "company name"))?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Changes a company's registered name (names stay unique).
    pub async fn rename_company(
        &self,
        company: CompanyId,
        name: &str,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>("UPDATE companies SET name = $1 WHERE id = $2")
            .bind(name.to_owned())
            .bind(company.to_string())
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_as(e, "company name"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("company"));
        }
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// All companies, by name.
    pub async fn list_companies(&self) -> Result<Vec<Company>, StoreError> {
        let sql = "SELECT id, name, kind, created_at FROM companies ORDER BY name";
        let rows = sqlx::query::<Any>(sql).fetch_all(&self.pool).await?;
        rows::all(&rows, rows::company)
    }

    /// One company.
    pub async fn company(&self, id: CompanyId) -> Result<Option<Company>, StoreError> {
        let row =
            sqlx::query::<Any>("SELECT id, name, kind, created_at FROM companies WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(rows::company).transpose()
    }

    /// Registers a user, pending enrolment, with a one-time enrolment link
    /// (`(token hash, expiry)`) issued in the same transaction.
    pub async fn create_user(
        &self,
        user: &NewUser,
        enrolment: (&str, i64),
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "INSERT INTO users (id, company_id, username, display_name, role, status, \
             password_hash, created_at, valid_until) \
             VALUES ($1, $2, $3, $4, $5, 'active', '', $6, $7)",
        )
        .bind(user.id.to_string())
        .bind(user.company_id.to_string())
        .bind(user.username.clone())
        .bind(user.display_name.clone())
        .bind(user.role.as_str())
        .bind(now_ms)
        .bind(user.valid_until)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_as(e, "username"))?;
        sqlx::query::<Any>(
            "INSERT INTO enrolment_tokens (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(enrolment.0.to_owned())
        .bind(user.id.to_string())
        .bind(now_ms)
        .bind(enrolment.1)
        .execute(&mut *tx)
        .await?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// One user.
    pub async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let row = sqlx::query::<Any>(rows::select_users!("WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    /// The account and password hash for a login name.
    pub async fn credentials(&self, username: &str) -> Result<Option<UserCredentials>, StoreError> {
        let row = sqlx::query::<Any>(rows::select_users!("WHERE username = $1"))
            .bind(username.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(UserCredentials {
                user: rows::user(&r)?,
                password_hash: Some(r.try_get::<String, _>("password_hash")?)
                    .filter(|h| !h.is_empty()),
            })
        })
        .transpose()
    }

    /// All users, by company then login name.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let sql = rows::select_users!("ORDER BY company_id, username");
        let rows = sqlx::query::<Any>(sql).fetch_all(&self.pool).await?;
        rows::all(&rows, rows::user)
    }

    /// The users of one company, by login name.
    pub async fn users_of_company(&self, company: CompanyId) -> Result<Vec<User>, StoreError> {
        let sql = rows::select_users!("WHERE company_id = $1 ORDER BY username");
        let rows = sqlx::query::<Any>(sql)
            .bind(company.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows::all(&rows, rows::user)
    }

    /// Registers a contract.
    pub async fn create_contract(
        &self,
        contract: &Contract,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "INSERT INTO contracts (id, company_id, number, title, starts_on, ends_on, \
             special_clause, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(contract.id.to_string())
        .bind(contract.company_id.to_string())
        .bind(contract.number.as_str().to_owned())
        .bind(contract.title.clone())
        .bind(contract.starts_on.to_string())
        .bind(contract.ends_on.to_string())
        .bind(i64::from(contract.special_clause))
        .bind(contract.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_as(e, "contract number"))?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// One contract.
    pub async fn contract(&self, id: ContractId) -> Result<Option<Contract>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT id, company_id, number, title, starts_on, ends_on, special_clause, created_at \
             FROM contracts WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::contract).transpose()
    }

    /// All contracts, by number.
    pub async fn list_contracts(&self) -> Result<Vec<Contract>, StoreError> {
        let sql = "SELECT id, company_id, number, title, starts_on, ends_on, special_clause, \
                   created_at FROM contracts ORDER BY number";
        let rows = sqlx::query::<Any>(sql).fetch_all(&self.pool).await?;
        rows::all(&rows, rows::contract)
    }

    /// A company's contracts, by number.
    pub async fn contracts_of_company(
        &self,
        company: CompanyId,
    ) -> Result<Vec<Contract>, StoreError> {
        let sql = "SELECT id, company_id, number, title, starts_on, ends_on, special_clause, \
                   created_at FROM contracts WHERE company_id = $1 ORDER BY number";
        let rows = sqlx::query::<Any>(sql)
            .bind(company.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows::all(&rows, rows::contract)
    }

    /// Opens the compartment of a contract (at most one per contract).
    pub async fn open_compartment(
        &self,
        compartment: &Compartment,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "INSERT INTO compartments (id, contract_id, wrapped_key, key_version, quota_bytes, \
             used_bytes, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6)",
        )
        .bind(compartment.id.to_string())
        .bind(compartment.contract_id.to_string())
        .bind(compartment.wrapped_key.clone())
        .bind(i64::from(compartment.key_version))
        .bind(compartment.quota_bytes)
        .bind(compartment.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_as(e, "compartment for this contract"))?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// One compartment.
    /// Takes the id as text so that a malformed id follows the same path
    /// (one query that finds nothing) as a well-formed unknown one.
    pub async fn compartment(&self, id: &str) -> Result<Option<Compartment>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT m.id, m.contract_id, c.company_id, m.wrapped_key, m.key_version, \
             m.quota_bytes, m.used_bytes, m.created_at, c.ends_on, m.kept_until, m.closed_at \
             FROM compartments m JOIN contracts c ON c.id = m.contract_id WHERE m.id = $1",
        )
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::compartment).transpose()
    }

    /// All compartments.
    pub async fn list_compartments(&self) -> Result<Vec<Compartment>, StoreError> {
        let sql = "SELECT m.id, m.contract_id, c.company_id, m.wrapped_key, m.key_version, \
                   m.quota_bytes, m.used_bytes, m.created_at, c.ends_on, m.kept_until, m.closed_at \
                   FROM compartments m JOIN contracts c ON c.id = m.contract_id ORDER BY c.number";
        let rows = sqlx::query::<Any>(sql).fetch_all(&self.pool).await?;
        rows::all(&rows, rows::compartment)
    }

    /// Removes a handler designation. When `disable_if_last` is given and
    /// this was the user's last contract, the account is disabled and its
    /// sessions end in the same transaction (the account follows the
    /// rosters); that record is its audit entry. Returns whether it was.
    pub async fn remove_handler(
        &self,
        contract: ContractId,
        user: UserId,
        now_ms: i64,
        audit: &AuditRecord,
        disable_if_last: Option<&AuditRecord>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_audited().await?;
        let done =
            sqlx::query::<Any>("DELETE FROM handlers WHERE contract_id = $1 AND user_id = $2")
                .bind(contract.to_string())
                .bind(user.to_string())
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("handler designation"));
        }
        let mut disabled = None;
        if let Some(disable_audit) = disable_if_last {
            let left = sqlx::query::<Any>("SELECT COUNT(*) AS n FROM handlers WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_one(&mut *tx)
                .await?
                .try_get::<i64, _>("n")?;
            if left == 0 {
                sqlx::query::<Any>("UPDATE users SET status = 'disabled' WHERE id = $1")
                    .bind(user.to_string())
                    .execute(&mut *tx)
                    .await?;
                crate::sessions::delete_for_user(&mut tx, user, None).await?;
                disabled = Some(disable_audit);
            }
        }
        tx.commit_with(now_ms, audit, disabled).await?;
        Ok(disabled.is_some())
    }

    /// The handlers of a contract.
    pub async fn handlers(&self, contract: ContractId) -> Result<Vec<HandlerRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT h.user_id, u.username, u.display_name, h.designated_at FROM handlers h \
             JOIN users u ON u.id = h.user_id WHERE h.contract_id = $1 ORDER BY u.username",
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

    /// The contracts a user is a designated handler of.
    pub async fn contracts_handled_by(&self, user: UserId) -> Result<Vec<ContractId>, StoreError> {
        let rows = sqlx::query::<Any>("SELECT contract_id FROM handlers WHERE user_id = $1")
            .bind(user.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows::all(&rows, |r| rows::id(r, "contract_id"))
    }
}

/// Maps a unique violation to a conflict that names what already exists.
pub(crate) fn conflict_as(e: sqlx::Error, what: &'static str) -> StoreError {
    match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(what),
        other => other,
    }
}
