//! WebAuthn: the relying party and the ceremonies waiting for a browser.

use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{PasskeyAuthentication, PasskeyRegistration, Url};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use super::super::{App, AppError};
use crate::config::Config;
use dsg_store::PendingCeremony;

/// Builds the relying party from the configuration. Without an explicit
/// `auth.rp_origin`, any port of `https://<rp_id>` is accepted (the listen
/// port may be chosen by the OS); with one, the origin must match exactly.
pub fn build_webauthn(config: &Config) -> Result<Webauthn, AppError> {
    let rp_id = config.rp_id();
    let explicit = config.auth.rp_origin.is_some();
    let origin = Url::parse(&config.rp_origin())
        .map_err(|e| AppError::Internal(format!("rp origin: {e}")))?;
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("dsg").allow_any_port(!explicit).build())
        .map_err(|e| AppError::Internal(format!("webauthn relying party: {e}")))
}

/// A ceremony started for a session, answerable once before it expires.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum Ceremony {
    /// The second step of a login.
    Login { state: PasskeyAuthentication },
    /// A step-up re-authentication.
    StepUp { state: PasskeyAuthentication },
    /// Registering a passkey.
    Register {
        state: PasskeyRegistration,
        name: String,
    },
    /// A TOTP seed shown to the user, waiting for a first code to confirm
    /// it (sealed under the master key).
    Totp { sealed_secret: String },
}

impl App {
    pub(super) async fn start_ceremony(
        &self,
        token_hash: &str,
        ceremony: &Ceremony,
    ) -> Result<(), AppError> {
        let state = serde_json::to_string(ceremony)
            .map_err(|e| AppError::Internal(format!("ceremony state: {e}")))?;
        self.inner
            .sessions
            .set_ceremony(
                token_hash,
                &PendingCeremony {
                    state,
                    expires_at: self.now() + super::CEREMONY_WINDOW_MS,
                },
            )
            .await?;
        Ok(())
    }

    /// Takes the session's ceremony (answerable once, whatever the outcome).
    /// A missing or expired one refuses the second factor.
    pub(super) async fn take_ceremony(&self, token_hash: &str) -> Result<Ceremony, AppError> {
        let pending = self
            .inner
            .sessions
            .take_ceremony(token_hash)
            .await?
            .ok_or(AppError::SecondFactorRefused)?;
        if self.now() >= pending.expires_at {
            return Err(AppError::SecondFactorRefused);
        }
        serde_json::from_str(&pending.state)
            .map_err(|e| AppError::Internal(format!("ceremony state: {e}")))
    }
}
