//! `/audit/proofs/{seq}`: an entry's inclusion proof as a page: whether it
//! holds (checked as a verifier would, `App::check_inclusion`), under
//! which signed checkpoint, with the JSON to download for an offline
//! check.

use axum::extract::Path;
use axum::response::Response;
use maud::html;

use super::labels::{action_label, outcome_badge};
use super::layout::{badge, error_page, ok, page_in, Marked, Tone};
use super::Text;
use crate::http::context::Ctx;
use dsg_app::{AppError, ProofCheck, ProvenEntry};

/// `GET /audit/proofs/{seq}`
pub(super) async fn proof_page(ctx: Ctx, Path(seq): Path<String>) -> Response {
    let lang = ctx.lang;
    let Ok(seq) = seq.parse::<u64>() else {
        return error_page(&ctx, AppError::NotFound);
    };
    let proof = match ctx.app.audit_entry_proof(&ctx.meta, &ctx.caller, seq).await {
        Ok(p) => p,
        Err(e) => return error_page(&ctx, e),
    };
    let check = match ctx.app.check_inclusion(&proof).await {
        Ok(c) => c,
        Err(e) => return error_page(&ctx, e),
    };
    let (tone, verdict, state) = match check {
        ProofCheck::Verified => (Tone::Success, Text::ProofVerified, "verified"),
        ProofCheck::NotYetSigned => (Tone::Info, Text::ProofNotYetSigned, "unsigned"),
        ProofCheck::Failed => (Tone::Danger, Text::ProofFailed, "failed"),
    };
    let body = html! {
        p id="proof-check" data-state=(state) { (badge(tone, lang.t(verdict))) }
        div class="table-scroll" tabindex="0" {
            table id="proof" {
                tbody {
                    @match &proof.entry {
                        ProvenEntry::Entry { entry, .. } => {
                            tr { th scope="row" { (lang.t(Text::Time)) } td { (ctx.zone().when(entry.occurred_at)) } }
                            tr { th scope="row" { (lang.t(Text::Action)) } td title=(entry.action) { (action_label(&entry.action, lang)) } }
                            tr { th scope="row" { (lang.t(Text::Outcome)) } td { (outcome_badge(&entry.outcome, lang)) } }
                        }
                        ProvenEntry::Expired { occurred_at, .. } => {
                            tr { th scope="row" { (lang.t(Text::Time)) } td { (ctx.zone().when(*occurred_at)) } }
                        }
                    }
                    tr { th scope="row" { (lang.t(Text::ProofLeaf)) } td { "#" (proof.leaf_index) " / " (proof.tree_size) } }
                    tr { th scope="row" { (lang.t(Text::ProofRoot)) } td { code { (proof.root) } } }
                    tr { th scope="row" { (lang.t(Text::ProofCheckpoint)) } td id="proof-checkpoint" {
                        @match &proof.checkpoint {
                            Some(c) => { (ctx.zone().when(c.checkpoint.timestamp_ms)) " — " (lang.t(Text::ProofTreeSize)) " " (c.checkpoint.tree_size) }
                            None => { (lang.t(Text::ProofNoCheckpoint)) }
                        }
                    } }
                }
            }
        }
        p { a id="proof-json" download={ "dsg-proof-" (seq) ".json" } href={ "/api/v1/audit/entries/" (seq) "/proof" } { (lang.t(Text::ProofDownload)) } }
        p class="note" { (lang.t(Text::ProofOffline)) }
    };
    let title = format!("{} #{seq}", lang.t(Text::Proof));
    ok(page_in(
        &ctx,
        &[
            ("/", lang.t(Text::Home)),
            ("/audit", lang.t(Text::AuditLog)),
        ],
        &title,
        Marked::Plain,
        body,
    ))
}
