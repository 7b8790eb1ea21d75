//! The store's one error type.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The configuration (URL) is unusable.
    #[error("database configuration: {0}")]
    Config(String),
    /// A uniqueness rule was broken; the text names what already exists.
    #[error("already exists: {0}")]
    Conflict(&'static str),
    /// A referenced row does not exist.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The compartment's quota would be exceeded.
    #[error("compartment quota exceeded")]
    QuotaExceeded,
    /// A stored value could not be read back (corruption or a newer schema).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A group-committed batch (of audit entries, or of the SQLite writer's
    /// units) could not begin or commit its transaction; every caller of the
    /// batch gets this (shared) error.
    #[error("batch not committed: {0}")]
    Batch(#[source] std::sync::Arc<sqlx::Error>),
    /// Migrations failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Whether the database refused a write because its volume is full
    /// (SQLite `SQLITE_FULL`, PostgreSQL `disk_full`).
    pub fn is_storage_full(&self) -> bool {
        match self {
            Self::Database(e) => is_full(e),
            Self::Batch(e) => is_full(e),
            _ => false,
        }
    }
}

fn is_full(e: &sqlx::Error) -> bool {
    match e {
        // SQLite reports extended codes; the primary code is the low byte.
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("53100") => true,
            Some(code) => code.parse::<u32>().is_ok_and(|c| c & 0xff == 13),
            None => false,
        },
        sqlx::Error::Io(io) => io.kind() == std::io::ErrorKind::StorageFull,
        _ => false,
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict("record"),
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                Self::NotFound("referenced record")
            }
            _ => Self::Database(e),
        }
    }
}

impl From<dsg_core::DomainError> for StoreError {
    fn from(e: dsg_core::DomainError) -> Self {
        Self::Corrupt(e.to_string())
    }
}
