//! Calls that read the log, its alerts and decisions, and manage
//! accounts.

use reqwest::{Method, StatusCode};

use dsg_proto::alerts::{Alert, AlertDetail, AlertList, AlertNote};
use dsg_proto::audit::{AuditSearch, AuditSearchResult, Duty, DutyGranted, InclusionProof};
use dsg_proto::files::User;
use dsg_proto::identity::{AccountList, ResetRequested};
use dsg_proto::policies::DecisionRecord;

use crate::content::percent;
use crate::{ApiClient, ClientError};

/// The query string of a search (its fields that are set).
fn search_query(search: &AuditSearch) -> String {
    let numbers = [
        ("from", search.from),
        ("until", search.until),
        ("limit", search.limit),
    ];
    let texts = [
        ("company", &search.company),
        ("actor", &search.actor),
        ("action", &search.action),
        ("outcome", &search.outcome),
        ("object", &search.object),
        ("contract", &search.contract),
    ];
    let pairs: Vec<String> = numbers
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
        .chain(
            texts
                .iter()
                .filter_map(|(k, v)| v.as_deref().map(|v| format!("{k}={}", percent(v)))),
        )
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

impl ApiClient {
    /// `GET /api/v1/audit/entries`: what the caller may read, newest first.
    pub async fn audit_entries(
        &mut self,
        search: &AuditSearch,
    ) -> Result<AuditSearchResult, ClientError> {
        self.get(&format!("/api/v1/audit/entries{}", search_query(search)))
            .await
    }

    /// `GET /api/v1/audit/entries/{seq}/proof`
    pub async fn audit_proof(&mut self, seq: u64) -> Result<InclusionProof, ClientError> {
        self.get(&format!("/api/v1/audit/entries/{seq}/proof"))
            .await
    }

    /// `GET /api/v1/alerts?status=`: `open` without a status.
    pub async fn alerts(&mut self, status: Option<&str>) -> Result<AlertList, ClientError> {
        let query = status
            .map(|s| format!("?status={}", percent(s)))
            .unwrap_or_default();
        self.get(&format!("/api/v1/alerts{query}")).await
    }

    /// `GET /api/v1/alerts/{id}`
    pub async fn alert(&mut self, id: &str) -> Result<AlertDetail, ClientError> {
        self.get(&format!("/api/v1/alerts/{id}")).await
    }

    /// `POST /api/v1/alerts/{id}/{change}` (`acknowledge`, `close`).
    pub async fn change_alert(
        &mut self,
        id: &str,
        change: &str,
        note: &AlertNote,
    ) -> Result<Alert, ClientError> {
        self.post(
            &format!("/api/v1/alerts/{id}/{change}"),
            note,
            StatusCode::OK,
        )
        .await
    }

    /// `GET /api/v1/admin/decisions/{event_id}`
    pub async fn decision_record(&mut self, event_id: &str) -> Result<DecisionRecord, ClientError> {
        self.get(&format!("/api/v1/admin/decisions/{event_id}"))
            .await
    }

    /// `POST /api/v1/admin/users/{id}/duties`
    pub async fn grant_duty(
        &mut self,
        user: &str,
        duty: &Duty,
    ) -> Result<DutyGranted, ClientError> {
        self.post(
            &format!("/api/v1/admin/users/{user}/duties"),
            duty,
            StatusCode::CREATED,
        )
        .await
    }

    /// `GET /api/v1/admin/accounts`
    pub async fn accounts(&mut self) -> Result<AccountList, ClientError> {
        self.get("/api/v1/admin/accounts").await
    }

    /// `POST /api/v1/admin/accounts/{id}/{change}` (`unlock`, `disable`,
    /// `enable`).
    pub async fn change_account(&mut self, id: &str, change: &str) -> Result<User, ClientError> {
        let req = self.request(
            Method::POST,
            &format!("/api/v1/admin/accounts/{id}/{change}"),
        );
        self.answer(req, StatusCode::OK).await
    }

    /// `POST /api/v1/admin/accounts/{id}/reset`: asks for an authenticator
    /// reset, which a second operator approves.
    pub async fn request_reset(&mut self, id: &str) -> Result<ResetRequested, ClientError> {
        let req = self.request(Method::POST, &format!("/api/v1/admin/accounts/{id}/reset"));
        self.answer(req, StatusCode::CREATED).await
    }
}
