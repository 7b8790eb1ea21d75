//! The terminal register and the terminal CA's stored key.

use dsg_core::{AuditRecord, CompanyId, Terminal, TerminalId, TerminalStatus, TerminalText};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::org::conflict_as;
use crate::{rows, Store, StoreError};

/// The certificate issued for a terminal (public facts only).
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    /// SHA-256 (lowercase hex) of the DER certificate.
    pub fingerprint: String,
    /// Serial number (hex).
    pub serial: String,
    /// End of validity (Unix ms).
    pub not_after: i64,
}

/// The terminal CA as stored: its certificate and its sealed key.
#[derive(Debug, Clone)]
pub struct StoredTerminalCa {
    /// The CA certificate (PEM).
    pub cert_pem: String,
    /// The PKCS#8 key sealed under the master key (hex).
    pub wrapped_private_key: String,
    /// When it was made (Unix ms).
    pub created_at: i64,
}

/// The id of the one terminal CA row.
const CA_ROW: &str = "terminal-ca";

macro_rules! select_terminals {
    ($rest:literal) => {
        concat!(
            "SELECT id, company_id, name, site, serial, status, status_reason, ",
            "status_changed_at, cert_fingerprint, cert_serial, cert_not_after, ",
            "registered_at, registered_by, last_seen_at, posture_reported_at, posture_compliant ",
            "FROM terminals ",
            $rest
        )
    };
}

fn text(row: &AnyRow, column: &'static str) -> Result<TerminalText, StoreError> {
    Ok(TerminalText::parse(
        column,
        &row.try_get::<String, _>(column)?,
    )?)
}

fn terminal(row: &AnyRow) -> Result<Terminal, StoreError> {
    let registered_by: Option<String> = row.try_get("registered_by")?;
    Ok(Terminal {
        id: rows::id(row, "id")?,
        company_id: rows::id(row, "company_id")?,
        name: text(row, "name")?,
        site: text(row, "site")?,
        serial: text(row, "serial")?,
        status: TerminalStatus::parse(&row.try_get::<String, _>("status")?)?,
        status_reason: row.try_get("status_reason")?,
        status_changed_at: row.try_get("status_changed_at")?,
        cert_fingerprint: row.try_get("cert_fingerprint")?,
        cert_serial: row.try_get("cert_serial")?,
        cert_not_after: row.try_get("cert_not_after")?,
        registered_at: row.try_get("registered_at")?,
        registered_by: registered_by.map(|u| u.parse()).transpose()?,
        last_seen_at: row.try_get("last_seen_at")?,
        posture_reported_at: row.try_get("posture_reported_at")?,
        posture_compliant: row
            .try_get::<Option<i64>, _>("posture_compliant")?
            .map(|c| c != 0),
    })
}

impl Store {
    /// Registers a terminal with its first certificate, with its audit entry.
    pub async fn register_terminal(
        &self,
        terminal: &Terminal,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        insert_terminal(&mut tx, terminal).await?;
        tx.commit(terminal.registered_at, audit).await?;
        Ok(())
    }

    /// One terminal.
    pub async fn terminal(&self, id: TerminalId) -> Result<Option<Terminal>, StoreError> {
        sqlx::query::<Any>(select_terminals!("WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(terminal)
            .transpose()
    }

    /// The terminal whose certificate in force has this fingerprint.
    pub async fn terminal_by_fingerprint(
        &self,
        fingerprint: &str,
    ) -> Result<Option<Terminal>, StoreError> {
        sqlx::query::<Any>(select_terminals!("WHERE cert_fingerprint = $1"))
            .bind(fingerprint.to_owned())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(terminal)
            .transpose()
    }

    /// Every terminal, or a company's, by company then name.
    pub async fn terminals(&self, company: Option<CompanyId>) -> Result<Vec<Terminal>, StoreError> {
        let rows = match company {
            Some(c) => {
                sqlx::query::<Any>(select_terminals!("WHERE company_id = $1 ORDER BY name, id"))
                    .bind(c.to_string())
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query::<Any>(select_terminals!("ORDER BY company_id, name, id"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(terminal).collect()
    }

    /// Moves a terminal from `from` to `to`, with its audit entry. Fails
    /// with `Conflict` if its status is no longer `from` (another operator
    /// got there first).
    pub async fn set_terminal_status(
        &self,
        id: TerminalId,
        from: TerminalStatus,
        to: TerminalStatus,
        reason: &str,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>(
            "UPDATE terminals SET status = $1, status_reason = $2, status_changed_at = $3 \
             WHERE id = $4 AND status = $5",
        )
        .bind(to.as_str())
        .bind(reason.to_owned())
        .bind(now_ms)
        .bind(id.to_string())
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("terminal status changed meanwhile"));
        }
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Puts a new certificate in force for an active terminal; the old one
    /// stops naming it at once.
    pub async fn replace_terminal_certificate(
        &self,
        id: TerminalId,
        cert: &IssuedCertificate,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>(
            "UPDATE terminals SET cert_fingerprint = $1, cert_serial = $2, cert_not_after = $3 \
             WHERE id = $4 AND status = 'active'",
        )
        .bind(cert.fingerprint.clone())
        .bind(cert.serial.clone())
        .bind(cert.not_after)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("terminal is not active"));
        }
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Stores a terminal's posture report (JSON) and whether it met the
    /// measures, with its audit entry. Not found for an unknown terminal.
    pub async fn record_posture(
        &self,
        id: TerminalId,
        now_ms: i64,
        report_json: &str,
        compliant: bool,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>(
            "UPDATE terminals SET posture_reported_at = $1, posture_compliant = $2, \
             posture_report = $3 WHERE id = $4",
        )
        .bind(now_ms)
        .bind(i64::from(compliant))
        .bind(report_json.to_owned())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("terminal"));
        }
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Notes that the terminal was just used.
    pub async fn touch_terminal(&self, id: TerminalId, now_ms: i64) -> Result<(), StoreError> {
        self.write_one(
            sqlx::query::<Any>("UPDATE terminals SET last_seen_at = $1 WHERE id = $2")
                .bind(now_ms)
                .bind(id.to_string()),
        )
        .await?;
        self.facts.touched(id, now_ms);
        Ok(())
    }

    /// The terminal CA, if it was made.
    pub async fn terminal_ca(&self) -> Result<Option<StoredTerminalCa>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT cert_pem, wrapped_private_key, created_at FROM terminal_ca WHERE id = $1",
        )
        .bind(CA_ROW)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(StoredTerminalCa {
                cert_pem: r.try_get("cert_pem")?,
                wrapped_private_key: r.try_get("wrapped_private_key")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// Stores the terminal CA. If another process stored one first, keeps
    /// theirs (the caller re-reads).
    pub async fn insert_terminal_ca(&self, ca: &StoredTerminalCa) -> Result<(), StoreError> {
        let result = self
            .write_one(
                sqlx::query::<Any>(
                    "INSERT INTO terminal_ca (id, cert_pem, wrapped_private_key, created_at) \
             VALUES ($1, $2, $3, $4)",
                )
                .bind(CA_ROW)
                .bind(ca.cert_pem.clone())
                .bind(ca.wrapped_private_key.clone())
                .bind(ca.created_at),
            )
            .await;
        match result {
            Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Inserts a terminal with its first certificate, in the caller's
/// transaction (a registration, or an approved terminal request).
pub(crate) async fn insert_terminal(
    conn: &mut sqlx::AnyConnection,
    terminal: &Terminal,
) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "INSERT INTO terminals (id, company_id, name, site, serial, status, status_reason, \
         status_changed_at, cert_fingerprint, cert_serial, cert_not_after, registered_at, \
         registered_by, last_seen_at, posture_reported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, NULL)",
    )
    .bind(terminal.id.to_string())
    .bind(terminal.company_id.to_string())
    .bind(terminal.name.as_str().to_owned())
    .bind(terminal.site.as_str().to_owned())
    .bind(terminal.serial.as_str().to_owned())
    .bind(terminal.status.as_str())
    .bind(terminal.status_reason.clone())
    .bind(terminal.status_changed_at)
    .bind(terminal.cert_fingerprint.clone())
    .bind(terminal.cert_serial.clone())
    .bind(terminal.cert_not_after)
    .bind(terminal.registered_at)
    .bind(terminal.registered_by.map(|u| u.to_string()))
    .execute(&mut *conn)
    .await
    .map_err(|e| conflict_as(e, "terminal serial number"))?;
    Ok(())
}
