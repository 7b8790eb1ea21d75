//! Time is a port so that expiry, lockout and audit times are testable.

/// A source of the current time, in Unix milliseconds.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}
