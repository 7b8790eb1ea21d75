//! Posture reports (端末の状態): a registered terminal reports its measures
//! (disk encryption, firewall, signatures, updates) over its own client
//! certificate. The report is decided by the policy point like everything
//! else (`terminal-reports-its-posture`), stored with its audit entry, and
//! becomes the terminal's `postureAgeSeconds` / `postureCompliant`, which
//! the `terminal-posture-for-data` policy checks where the deployment
//! requires it (`zero_trust.posture_max_age_hours`).

use dsg_core::{AuditAction, AuditObject, Outcome, PostureReport};
use dsg_policy::{Action, Resource};

use super::policies::with_decision;
use super::{App, AppError, Caller, Device, RequestMeta};

/// What the gateway made of a report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PostureReceipt {
    /// The terminal.
    pub terminal: String,
    /// Whether it met the measures.
    pub compliant: bool,
    /// When it was received (Unix ms).
    pub reported_at: i64,
}

impl App {
    /// Records the posture `report` of the terminal the request came from.
    pub async fn report_posture(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        device: &Device,
        report: PostureReport,
    ) -> Result<PostureReceipt, AppError> {
        let now = self.now();
        let facts = device.facts(now);
        let dsg_policy::DeviceFacts::Terminal(terminal) = facts.clone() else {
            // No registered terminal to report for: nothing to decide on.
            let record = Self::audit(
                meta,
                caller,
                AuditAction::TerminalPostureReport,
                AuditObject::Terminal(None),
                Outcome::Denied,
                "terminal_required",
            );
            self.record(&record).await?;
            return Err(AppError::Forbidden);
        };
        let object = AuditObject::Terminal(Some(terminal.id));
        let decided = self.decide_with(
            caller,
            Action::TerminalReport,
            Resource::Terminal(terminal.clone()),
            self.session_facts(caller),
            facts,
        );
        if !decided.allowed {
            let record = Self::audit_decided(
                meta,
                caller,
                AuditAction::TerminalPostureReport,
                object,
                Outcome::Denied,
                &decided,
            );
            self.record(&record).await?;
            return Err(AppError::Forbidden);
        }
        report.validate()?;
        let compliant = report.compliant(now);
        let json = serde_json::to_string(&report)
            .map_err(|e| AppError::Internal(format!("posture report: {e}")))?;
        let record = with_decision(
            Self::audit(
                meta,
                caller,
                AuditAction::TerminalPostureReport,
                object,
                Outcome::Success,
                format!("{};compliant={compliant}", decided.reason()),
            ),
            &decided,
        );
        self.inner
            .terminals
            .record_posture(terminal.id, now, &json, compliant, &record)
            .await?;
        Ok(PostureReceipt {
            terminal: terminal.id.to_string(),
            compliant,
            reported_at: now,
        })
    }
}
