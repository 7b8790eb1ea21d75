//! The optional webhook: each new alert is POSTed as JSON to
//! `[alerts] webhook_url` (a SOC's intake, a chat bridge). Best effort, by
//! design: the alert is already stored and listed, so a webhook that is
//! down is logged and the alert is not sent again; sending happens in a
//! task of its own, bounded in time and in number, so it never holds up
//! the watcher. With `[alerts] webhook_secret`, each POST is signed
//! (`X-Dsg-Timestamp`, `X-Dsg-Signature: sha256=<HMAC-SHA-256 of
//! "<timestamp>.<body>">`), so the receiver can tell the gateway's alerts
//! from anyone else's POSTs and refuse an old one sent again.

use std::sync::Arc;
use std::time::Duration;

use dsg_crypto::{hmac_sha256, SecretString};
use dsg_store::AlertRow;
use serde::Serialize;
use tokio::sync::Semaphore;

use dsg_app::config::{alerts_webhook_url, AlertsConfig};
use dsg_app::AppError;

/// Whole request, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Posts in flight at once; beyond that an alert is not sent (and logged).
const IN_FLIGHT: usize = 8;

/// What is sent: ids and times only, never names (the link leads to the
/// rest, behind the login).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(super) struct WebhookAlert {
    /// The alert's id.
    pub id: String,
    /// The rule's stable name.
    pub rule: String,
    /// How urgent (`high`, `medium` or `low`).
    pub severity: dsg_core::AlertSeverity,
    /// A user id or a source address.
    pub key: String,
    /// Time of the earliest entry (Unix ms).
    pub first_at: i64,
    /// Entries linked when it was raised.
    pub entry_count: i64,
    /// The alert's page, filled in when sent.
    pub link: String,
}

impl WebhookAlert {
    /// The payload of a new alert.
    pub(super) fn of(alert: &AlertRow) -> Self {
        Self {
            id: alert.id.clone(),
            rule: alert.rule.clone(),
            severity: alert.severity,
            key: alert.key.clone(),
            first_at: alert.first_at,
            entry_count: alert.entry_count,
            link: String::new(),
        }
    }
}

/// A configured webhook.
pub(super) struct Webhook {
    client: reqwest::Client,
    url: url::Url,
    /// `https://gateway/` for the alert's link.
    origin: String,
    /// The key each POST is signed with, when configured.
    secret: Option<SecretString>,
    permits: Arc<Semaphore>,
}

/// The signature headers of a POST of `body` at `timestamp` (Unix seconds):
/// HMAC-SHA-256 under `secret` of `"<timestamp>.<body>"`, in hex.
pub(super) fn signature(secret: &SecretString, timestamp: i64, body: &[u8]) -> String {
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    format!(
        "sha256={}",
        hex::encode(hmac_sha256(secret.expose().as_bytes(), &signed))
    )
}

impl Webhook {
    /// The webhook of `config`, if one is set. Fails when its CA file
    /// cannot be read or holds no certificate.
    pub(super) fn new(config: &AlertsConfig, origin: &str) -> Result<Option<Self>, AppError> {
        let Some(text) = &config.webhook_url else {
            return Ok(None);
        };
        let url = alerts_webhook_url(text).map_err(|e| AppError::Invalid(e.to_string()))?;
        let mut builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("dsg/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.webhook_ca {
            let pem = std::fs::read(path).map_err(|e| {
                AppError::Invalid(format!("alerts.webhook_ca {}: {e}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    AppError::Invalid(format!(
                        "alerts.webhook_ca {}: no PEM certificate",
                        path.display()
                    ))
                })?;
            builder = builder.tls_certs_only(certs);
        }
        let client = builder
            .build()
            .map_err(|e| AppError::Internal(format!("webhook client: {e}")))?;
        tracing::info!(
            host = url.host_str().unwrap_or_default(),
            "alerts go to a webhook too"
        );
        Ok(Some(Self {
            client,
            url,
            origin: origin.trim_end_matches('/').to_owned(),
            secret: config.webhook_secret.clone(),
            permits: Arc::new(Semaphore::new(IN_FLIGHT)),
        }))
    }

    /// Sends `alert` in the background, signed as of `now_ms` when a secret
    /// is configured; returns at once.
    pub(super) fn send(&self, mut alert: WebhookAlert, now_ms: i64) {
        let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() else {
            tracing::warn!(alert = %alert.id, "alert webhook busy; this alert is not sent");
            return;
        };
        alert.link = format!("{}/alerts/{}", self.origin, alert.id);
        let body = match serde_json::to_vec(&alert) {
            Ok(body) => body,
            Err(e) => {
                tracing::warn!(alert = %alert.id, error = %e, "alert webhook payload");
                return;
            }
        };
        let mut request = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        if let Some(secret) = &self.secret {
            let timestamp = now_ms.div_euclid(1000);
            request = request
                .header("x-dsg-timestamp", timestamp.to_string())
                .header("x-dsg-signature", signature(secret, timestamp, &body));
        }
        let request = request.body(body);
        tokio::spawn(async move {
            let _permit = permit;
            match request.send().await {
                Ok(r) if r.status().is_success() => {
                    tracing::debug!(alert = %alert.id, "alert sent to the webhook");
                }
                Ok(r) => {
                    tracing::warn!(
                        alert = %alert.id,
                        status = %r.status(),
                        "alert webhook refused the alert"
                    );
                }
                Err(e) => {
                    tracing::warn!(alert = %alert.id, error = %e, "alert webhook failed");
                }
            }
        });
    }
}
