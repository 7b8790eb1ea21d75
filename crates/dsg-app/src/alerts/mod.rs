//! Alerts: the analysis rules (`rules.rs`, pure) raise them from the
//! sequenced log (the alert watcher of `dsg-workers`, a task of its own,
//! with the optional webhook); here, reading and handling them through
//! the policy point. `alert.read` is the agency's (operators, auditors),
//! `alert.manage` the operators'; every read and change is recorded.

pub mod rules;

use std::collections::HashMap;

use dsg_core::{AlertChange, AlertSeverity, AlertStatus, AuditAction, AuditObject, Outcome};
use dsg_policy::Action;
use dsg_store::AlertRow;
use serde::Serialize;

use super::audit_views::AuditEntryView;
use super::{App, AppError, Caller, RequestMeta};

/// Most alerts one list returns.
pub(crate) const LIST_MAX: i64 = 500;
/// Most entries shown with one alert.
pub(crate) const ENTRIES_MAX: i64 = 1000;
/// Longest note, in characters.
const NOTE_MAX: usize = 1000;

/// An alert as its readers see it.
#[derive(Debug, Clone, Serialize)]
pub struct AlertView {
    /// The alert's id.
    pub id: String,
    /// The rule's stable name (`failed_logins_account` …).
    pub rule: String,
    /// A user id or a source address.
    pub key: String,
    /// `user` or `source`.
    pub key_kind: String,
    /// The user's login name, for a user key the gateway knows.
    pub key_name: Option<String>,
    /// How urgent it is (`high`, `medium` or `low`).
    pub severity: AlertSeverity,
    /// Where it stands (`open`, `acknowledged` or `closed`).
    pub status: AlertStatus,
    /// Time of the earliest entry (Unix ms).
    pub first_at: i64,
    /// Time of the latest entry (Unix ms).
    pub last_at: i64,
    /// How many entries are linked.
    pub entry_count: i64,
    /// When it was raised (Unix ms).
    pub created_at: i64,
    /// Who acknowledged it (user id).
    pub acknowledged_by: Option<String>,
    /// When.
    pub acknowledged_at: Option<i64>,
    /// Their note.
    pub acknowledge_note: Option<String>,
    /// Who closed it (user id).
    pub closed_by: Option<String>,
    /// When.
    pub closed_at: Option<i64>,
    /// Their note.
    pub close_note: Option<String>,
}

/// One alert with the entries that raised it.
#[derive(Debug, Clone, Serialize)]
pub struct AlertDetail {
    /// The alert.
    #[serde(flatten)]
    pub alert: AlertView,
    /// Oldest first, as the audit search returns entries.
    pub entries: Vec<AuditEntryView>,
    /// Whether the alert has more entries than were returned.
    pub truncated: bool,
}

fn view(row: AlertRow, names: &HashMap<String, String>) -> AlertView {
    let key_name = (row.key_kind == "user")
        .then(|| names.get(&row.key).cloned())
        .flatten();
    AlertView {
        id: row.id,
        rule: row.rule,
        key: row.key,
        key_kind: row.key_kind,
        key_name,
        severity: row.severity,
        status: row.status,
        first_at: row.first_at,
        last_at: row.last_at,
        entry_count: row.entry_count,
        created_at: row.created_at,
        acknowledged_by: row.acknowledged_by,
        acknowledged_at: row.acknowledged_at,
        acknowledge_note: row.acknowledge_note,
        closed_by: row.closed_by,
        closed_at: row.closed_at,
        close_note: row.close_note,
    }
}

/// An alert id as sent: a malformed one is simply not found.
fn alert_id(raw: &str) -> Result<String, AppError> {
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| u.to_string())
        .map_err(|_| AppError::NotFound)
}

/// A note as typed: trimmed, empty is none; bounded, no control
/// characters but line breaks and tabs.
fn note(text: Option<String>) -> Result<Option<String>, AppError> {
    let Some(text) = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > NOTE_MAX
        || text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::Invalid(format!(
            "note: at most {NOTE_MAX} characters, no control characters"
        )));
    }
    Ok(Some(text))
}

impl App {
    /// User id → login name, for showing user keys.
    async fn user_names(&self) -> Result<HashMap<String, String>, AppError> {
        Ok(self
            .inner
            .org
            .list_users()
            .await?
            .into_iter()
            .map(|u| (u.id.to_string(), u.username))
            .collect())
    }

    /// The alerts in `status` (`open`, `acknowledged`, `closed`; `all` or
    /// none for every one), open first. The read is recorded.
    pub async fn alerts(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        status: Option<&str>,
    ) -> Result<Vec<AlertView>, AppError> {
        let (_, decided) = self
            .authorize_on_gateway(meta, caller, Action::AlertRead, AuditAction::AlertView)
            .await?;
        let status = match status.map(str::trim) {
            None | Some("" | "all") => None,
            Some(s) => Some(AlertStatus::parse(s).map_err(|_| {
                AppError::Invalid("status must be open, acknowledged, closed or all".into())
            })?),
        };
        let rows = self.inner.alerts.alerts(status, LIST_MAX).await?;
        let names = self.user_names().await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::AlertView,
            AuditObject::Alert(None),
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok(rows.into_iter().map(|r| view(r, &names)).collect())
    }

    /// One alert with its entries. The read is recorded.
    pub async fn alert(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        raw_id: &str,
    ) -> Result<AlertDetail, AppError> {
        let (_, decided) = self
            .authorize_on_gateway(meta, caller, Action::AlertRead, AuditAction::AlertView)
            .await?;
        let id = alert_id(raw_id)?;
        let row = self
            .inner
            .alerts
            .alert(&id)
            .await?
            .ok_or(AppError::NotFound)?;
        let hits = self.inner.alerts.alert_entries(&id, ENTRIES_MAX).await?;
        let truncated = row.entry_count > hits.len() as i64;
        let names = self.user_names().await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::AlertView,
            AuditObject::Alert(Some(id)),
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok(AlertDetail {
            alert: view(row, &names),
            entries: hits.iter().map(AuditEntryView::of).collect(),
            truncated,
        })
    }

    /// Acknowledges or closes an alert, with an optional note. `note` is
    /// the request body as parsed: a body that did not parse is refused
    /// only after the policy allowed the caller, so an outsider learns
    /// nothing from it and every denial is recorded alike.
    pub async fn change_alert(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        raw_id: &str,
        change: AlertChange,
        note_body: Result<Option<String>, AppError>,
    ) -> Result<AlertView, AppError> {
        let audit_action = match change {
            AlertChange::Acknowledge => AuditAction::AlertAcknowledge,
            AlertChange::Close => AuditAction::AlertClose,
        };
        let (user, decided) = self
            .authorize_on_gateway(meta, caller, Action::AlertManage, audit_action)
            .await?;
        let note = note(note_body?)?;
        let id = alert_id(raw_id)?;
        let record = Self::audit_decided(
            meta,
            caller,
            audit_action,
            AuditObject::Alert(Some(id.clone())),
            Outcome::Success,
            &decided,
        );
        let changed = self
            .inner
            .alerts
            .change_alert(
                &id,
                change,
                &user.user.id.to_string(),
                note.as_deref(),
                self.now(),
                &record,
            )
            .await?;
        let Some(row) = changed else {
            return Err(AppError::Refused(match change {
                AlertChange::Acknowledge => "only an open alert can be acknowledged".into(),
                AlertChange::Close => "the alert is already closed".into(),
            }));
        };
        Ok(view(row, &self.user_names().await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_bounded_and_ids_must_be_ids() {
        assert_eq!(note(None).unwrap(), None);
        assert_eq!(note(Some("  ".into())).unwrap(), None);
        assert_eq!(
            note(Some(" 本人に確認済み\n誤入力 ".into()))
                .unwrap()
                .as_deref(),
            Some("本人に確認済み\n誤入力")
        );
        assert!(note(Some("a\u{7}b".into())).is_err());
        assert!(note(Some("あ".repeat(NOTE_MAX + 1))).is_err());
        assert!(note(Some("あ".repeat(NOTE_MAX))).is_ok());
        assert!(matches!(alert_id("../etc"), Err(AppError::NotFound)));
        let id = uuid::Uuid::new_v4().to_string();
        assert_eq!(alert_id(&id.to_uppercase()).unwrap(), id);
    }
}
