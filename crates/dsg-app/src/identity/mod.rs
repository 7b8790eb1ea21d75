//! Identity: enrolment, multi-factor login, step-up, lockout, self-service
//! and account management. WebAuthn ceremonies are verified by `webauthn-rs`
//! (user verification required); TOTP and recovery codes by `dsg-identity`.

mod accounts;
mod attempts;
mod ceremony;
mod enrol;
mod login;
mod self_service;
mod step_up;

pub use accounts::{AccountView, FailureTrendDay, RecoveryUse, ResetView};
pub use ceremony::build_webauthn;
pub use dsg_core::AccountChange;
pub use enrol::{EnrolmentStarted, PasswordVerdict, TotpEnrolment};
pub use login::{LoginStep, SecondFactor};
pub use self_service::{AuthenticatorView, LoginHistoryEntry, LoginNotice, SessionView};

/// How many recovery codes an account holds.
pub(crate) const RECOVERY_CODES: usize = 10;
/// How long the password step of a login may wait for its second factor.
pub(crate) const SECOND_FACTOR_WINDOW_MS: i64 = 5 * 60_000;
/// How long a WebAuthn challenge may be answered.
pub(crate) const CEREMONY_WINDOW_MS: i64 = 5 * 60_000;
/// How long a recovery-code session lasts (it may only enrol).
pub(crate) const RECOVERY_SESSION_MS: i64 = 15 * 60_000;
/// Longest User-Agent kept with a session or login attempt.
const USER_AGENT_CHARS: usize = 200;

/// Keeps a short, printable prefix of a User-Agent header.
pub fn short_user_agent(raw: Option<&str>) -> Option<String> {
    raw.map(|ua| {
        ua.chars()
            .filter(|c| !c.is_control())
            .take(USER_AGENT_CHARS)
            .collect()
    })
}
