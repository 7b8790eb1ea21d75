//! The closed sets of values some path and query parameters take, and the
//! raw bodies of uploads and downloads: schemas only, since the handlers
//! read these values as text (an unknown one is answered 404 or 400, as
//! the document says).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An account's status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountChange {
    Unlock,
    Disable,
    Enable,
}

/// A terminal's status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TerminalChange {
    Quarantine,
    Release,
    Revoke,
}

/// A policy version's status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyChange {
    Approve,
    Reject,
    Rollback,
}

/// An alert's status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertChange {
    Acknowledge,
    Close,
}

/// Which alerts a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatusFilter {
    Open,
    Acknowledged,
    Closed,
    All,
}

/// An audit entry's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Denied,
    Failure,
}

/// The form of an access review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewFormat {
    Json,
    Csv,
}

/// Raw bytes: a file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(pub Vec<u8>);

/// A text download (CSV, JSON Lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct Text(pub String);

/// A step on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStepAction {
    Approve,
    Return,
    Reject,
    Resubmit,
    Withdraw,
}

/// A step on a change request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStepAction {
    Complete,
    Return,
    RequireSiteCheck,
    PassSiteCheck,
    Reject,
    Resubmit,
    Withdraw,
}

/// A step on a help-desk ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStepAction {
    Answer,
    RequestInfo,
    Resolve,
    Reply,
    Reopen,
    Close,
}

/// A step on a membership application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MembershipStepAction {
    Accept,
    Reject,
    PassCheck,
    FindDeficiencies,
    AcceptAuditResult,
    ReportRemediation,
    CompleteSurvey,
    CompleteLineWorks,
    CompleteRouter,
    CompleteTerminalSetup,
    RequestFinalCheck,
    Withdraw,
}
