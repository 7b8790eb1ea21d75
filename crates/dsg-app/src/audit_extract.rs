//! A company's verifiable extract of the log (format and offline check:
//! [`dsg_audit::verify_extract`]).

use dsg_audit::{hex32, inclusion_proof, root, CompanyHead, Hash, EXTRACT_FORMAT_V1};
use dsg_core::CompanyId;
use serde_json::{json, Value};

use super::audit_log::{entry_json, log_id};
use super::{App, AppError};

impl App {
    /// The extract of `company`'s sub-log up to its newest head that a
    /// signed checkpoint covers. The caller decides who may have it.
    pub async fn audit_company_extract(&self, company: CompanyId) -> Result<Vec<String>, AppError> {
        let inner = &*self.inner;
        let key = inner.audit_log.audit_key().await?.ok_or_else(no_head)?;
        let checkpoint = inner
            .audit_log
            .latest_checkpoint()
            .await?
            .ok_or_else(no_head)?;
        let company_id = company.to_string();
        let head_entry = inner
            .audit_log
            .company_head_before(&company_id, checkpoint.tree_size)
            .await?
            .ok_or_else(no_head)?;
        let head = CompanyHead::parse(&head_entry.event.reason)
            .map_err(|e| AppError::Internal(format!("stored company head: {e}")))?;
        let size = i64::try_from(head.size).map_err(|_| AppError::Internal("head size".into()))?;
        let entries = inner.audit_log.company_sub_log(&company_id, size).await?;
        if entries.len() as u64 != head.size {
            return Err(AppError::Internal(format!(
                "company {company_id}: the head covers {} entries, {} are stored; \
                 run audit-export and audit-verify",
                head.size,
                entries.len()
            )));
        }
        let leaves = self.signed_leaves(checkpoint.tree_size).await?;
        let index = u64::try_from(head_entry.seq).map_err(|_| AppError::Internal("seq".into()))?;
        let path =
            inclusion_proof(&leaves, index).map_err(|e| AppError::Internal(e.to_string()))?;
        if hex::encode(root(&leaves)) != checkpoint.root {
            return Err(AppError::Internal(
                "the stored leaves do not match the newest checkpoint: the log was altered".into(),
            ));
        }
        let signed: Value = serde_json::from_str(&checkpoint.signed)
            .map_err(|e| AppError::Internal(format!("stored checkpoint: {e}")))?;
        let mut lines = vec![json!({
            "type": "header", "format": EXTRACT_FORMAT_V1, "log_id": log_id(&key.id),
            "public_key": key.public_key, "company": company_id,
        })
        .to_string()];
        lines.extend(entries.iter().map(|e| entry_json(e).to_string()));
        lines.push(
            json!({
                "type": "head", "entry": entry_json(&head_entry),
                "tree_size": checkpoint.tree_size,
                "path": path.iter().map(hex::encode).collect::<Vec<_>>(),
            })
            .to_string(),
        );
        lines.push(json!({ "type": "checkpoint", "signed": signed }).to_string());
        Ok(lines)
    }

    /// The first `size` stored leaf hashes.
    async fn signed_leaves(&self, size: i64) -> Result<Vec<Hash>, AppError> {
        let stored = self.inner.audit_log.leaf_hashes().await?;
        let mut leaves = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        for (index, (seq, hash)) in (0i64..size).zip(stored) {
            if seq != index {
                return Err(AppError::Internal(format!(
                    "audit leaf {index} is missing: the log was altered"
                )));
            }
            leaves.push(hex32(&hash).ok_or_else(|| {
                AppError::Internal(format!("audit leaf {seq} has a malformed hash"))
            })?);
        }
        Ok(leaves)
    }
}

fn no_head() -> AppError {
    AppError::Refused(
        "this company's log has no signed head yet: it is made at the next checkpoint".into(),
    )
}
