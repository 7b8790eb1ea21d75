//! Disposal of files marked for it (第6-6): the list awaiting disposal, a
//! disposal's record, its confirmation by another person.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::files::File;

/// A recorded disposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Disposal {
    pub id: String,
    pub file_id: String,
    /// `crypto_shred`, `shredding`, `physical_destruction` or `wipe`.
    pub method: String,
    pub place: String,
    pub performed_by: String,
    pub performed_at: i64,
    /// Set once another person confirmed it.
    pub checked_by: Option<String>,
    pub checked_at: Option<i64>,
}

/// A file awaiting disposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DisposalCandidate {
    pub file: File,
    /// Its versions still holding a key.
    pub versions: u32,
    /// Who marked it for disposal.
    pub deleted_by: Option<String>,
    pub deleted_at: Option<i64>,
    /// Its disposal, once recorded (awaiting its checker).
    pub disposal: Option<Disposal>,
}

/// `GET /api/v1/compartments/{cid}/disposals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DisposalList {
    pub marking: String,
    pub candidates: Vec<DisposalCandidate>,
}

/// Body of `POST /api/v1/compartments/{cid}/files/{fid}/disposal`: how and
/// where the performer (the caller, now) disposed of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewDisposal {
    /// A file kept in a compartment is disposed of by destroying its key.
    #[schema(pattern = "^crypto_shred$")]
    pub method: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub place: String,
}
