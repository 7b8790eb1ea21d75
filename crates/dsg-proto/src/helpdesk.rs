//! Help-desk tickets (ヘルプデスク): `/api/v1/tickets`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::ApplicationStep;

/// Body of `POST /api/v1/tickets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    /// The company it is filed for; the caller's own when absent (the desk
    /// names one).
    #[serde(default)]
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub company_id: Option<String>,
    /// `account`, `terminal`, `network`, `software`, `compartment` or
    /// `other`.
    #[schema(pattern = "^(?:account|terminal|network|software|compartment|other)$")]
    pub category: String,
    /// `urgent`, `high`, `normal` or `low`: sets the service levels.
    #[schema(pattern = "^(?:urgent|high|normal|low)$")]
    pub priority: String,
    /// One line. Never protected information.
    #[schema(min_length = 1, max_length = 200)]
    pub subject: String,
    /// The question. Never protected information: link a file instead.
    #[schema(min_length = 1, max_length = 4000)]
    pub body: String,
    /// A compartment file to point the desk to, by id (its content is
    /// never copied; the filer must be able to read it).
    #[serde(default)]
    pub linked_file: Option<FileLink>,
}

/// A compartment file, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileLink {
    /// The compartment.
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub compartment_id: String,
    /// The file.
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub file_id: String,
}

/// Body of `POST /api/v1/tickets/{id}/{action}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketStepBody {
    /// The message (required for `answer`, `request_info` and `reply`). At
    /// most 4000 characters; no control characters but line breaks and
    /// tabs.
    #[serde(default)]
    #[schema(
        max_length = 4000,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub message: String,
}

/// A ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ticket {
    /// Its id.
    pub id: String,
    /// The company it belongs to.
    pub company_id: String,
    /// Who filed it.
    pub requested_by: String,
    /// `open`, `answered`, `waiting_on_requester`, `resolved` or `closed`.
    pub state: String,
    /// Its category.
    pub category: String,
    /// Its priority.
    pub priority: String,
    /// One line.
    pub subject: String,
    /// The question.
    pub body: String,
    /// When it was filed (Unix ms).
    pub submitted_at: i64,
    /// When the first answer is due (Unix ms).
    pub first_response_due_at: i64,
    /// When the resolution is due (Unix ms).
    pub resolution_due_at: i64,
    /// When the desk first acted.
    pub first_response_at: Option<i64>,
    /// When it was resolved.
    pub resolved_at: Option<i64>,
    /// The first answer is or was late.
    pub first_response_overdue: bool,
    /// The resolution is or was late.
    pub resolution_overdue: bool,
    /// When it closed.
    pub closed_at: Option<i64>,
    /// The linked compartment file, shown only to whom may read it.
    pub linked_file: Option<FileLink>,
    /// The steps the caller may take now.
    pub actions: Vec<String>,
    /// The thread: each step with its message, oldest first (empty in
    /// lists).
    pub steps: Vec<ApplicationStep>,
}

/// Tickets the caller may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketList {
    /// Newest first.
    pub tickets: Vec<Ticket>,
}
