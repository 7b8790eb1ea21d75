//! Reading the log through the policy point: the agency (operators and
//! auditors) reads all of it, a contractor's security administrator the
//! entries concerning their company. Every read is itself recorded.

use dsg_core::{AuditAction, AuditActionFilter, AuditObject, CompanyId, CompanyKind, Outcome};
use dsg_policy::{Action, CompanyFacts, Resource};
use dsg_store::{AuditHit, AuditQuery};
use serde::Serialize;
use serde_json::Value;

use dsg_audit::{hex32, TreeLevels};

use super::audit_log::{entry_json, log_id};
use super::audit_proofs::InclusionProofView;
use super::audit_views::AuditEntryView;
use super::{App, AppError, Caller, Decided, RequestMeta, SessionUser};

/// Format label of a search export's header line.
pub(crate) const SEARCH_EXPORT_FORMAT_V1: &str = "dsg-audit-search-export/v1";
/// Most entries one search returns.
pub(crate) const SEARCH_MAX: i64 = 1000;
/// Entries returned when the search names no limit.
pub(crate) const SEARCH_DEFAULT: i64 = 200;
/// The window searched when no start is given: the last seven days.
const DEFAULT_WINDOW_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// A search as a caller asks for it (every field optional).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSearch {
    /// From (inclusive, Unix ms); default seven days before `until`.
    pub from: Option<i64>,
    /// Until (exclusive, Unix ms); default now.
    pub until: Option<i64>,
    /// Only entries concerning this company.
    pub company: Option<String>,
    /// Only this acting user.
    pub actor: Option<String>,
    /// An action (`file.download`) or a family ending in a dot (`auth.`).
    pub action: Option<String>,
    /// `success`, `denied` or `failure`.
    pub outcome: Option<String>,
    /// Only entries about this object id.
    pub object: Option<String>,
    /// Only entries about this contract, its compartment or its files.
    pub contract: Option<String>,
    /// How many (default 200, at most 1000).
    pub limit: Option<i64>,
}

/// What the caller may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum AuditScope {
    /// The whole log.
    All,
    /// One company's entries.
    Company {
        /// The company.
        company: String,
    },
}

/// The answer to a search.
#[derive(Debug, Clone, Serialize)]
pub struct AuditSearchResult {
    /// What the caller may read (the search was narrowed to it).
    #[serde(flatten)]
    pub scope: AuditScope,
    /// Newest first.
    pub entries: Vec<AuditEntryView>,
    /// Whether more entries matched than were returned.
    pub truncated: bool,
}

fn empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// An id filter: `Some(None)` for none, `Some(Some(id))` for an id in the
/// form the log stores it, `None` when the text is no such id (it matches
/// no entry; a differently written UUID did not match before either).
fn stored_id<T: std::str::FromStr + std::fmt::Display>(raw: Option<&str>) -> Option<Option<T>> {
    match raw {
        None => Some(None),
        Some(raw) => raw
            .parse::<T>()
            .ok()
            .filter(|id| id.to_string() == raw)
            .map(Some),
    }
}

impl App {
    /// Decides `action` on `resource`; a denial is recorded against
    /// `object` and answered like any other denial.
    pub(super) async fn authorize_on(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (action, resource): (Action, Resource),
        audit_action: AuditAction,
        object: AuditObject,
    ) -> Result<(Box<SessionUser>, Decided), AppError> {
        super::recorded_pair(action, audit_action);
        let decision = self.decide(caller, action, resource.clone());
        if let (Caller::User(user), true) = (caller, decision.allowed) {
            return Ok((user.clone(), decision));
        }
        let step_up = self.step_up_would_allow(caller, action, resource);
        let record = Self::audit_decided(
            meta,
            caller,
            audit_action,
            object,
            Outcome::Denied,
            &decision,
        );
        self.record(&record).await?;
        Err(match caller {
            Caller::Anonymous => AppError::Unauthenticated,
            Caller::User(_) if step_up => AppError::StepUpRequired,
            Caller::User(_) => AppError::Forbidden,
        })
    }

    /// The widest scope the caller may read, decided by the policy: the
    /// whole log, else their own company's part. A denial is recorded.
    async fn audit_scope(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        action: Action,
        audit_action: AuditAction,
    ) -> Result<(AuditScope, Decided), AppError> {
        let whole = self.decide(caller, action, Resource::Gateway);
        if whole.allowed && matches!(caller, Caller::User(_)) {
            return Ok((AuditScope::All, whole));
        }
        let own = match caller {
            Caller::User(user) => Some(&user.facts),
            Caller::Anonymous => None,
        };
        let resource = match own {
            Some(facts) => Resource::Company(CompanyFacts {
                id: facts.company,
                kind: facts.company_kind,
            }),
            None => Resource::Gateway,
        };
        let object = AuditObject::Company(own.map(|f| f.company));
        let (_, decided) = self
            .authorize_on(meta, caller, (action, resource), audit_action, object)
            .await?;
        let company = own.map(|f| f.company.to_string()).unwrap_or_default();
        Ok((AuditScope::Company { company }, decided))
    }

    /// Searches the log within what the caller may read. A company reader
    /// asking for another company is answered not-found.
    pub async fn audit_search(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        search: AuditSearch,
    ) -> Result<AuditSearchResult, AppError> {
        let (scope, hits, truncated) = self.searched(meta, caller, search).await?;
        Ok(AuditSearchResult {
            scope,
            entries: hits.iter().map(AuditEntryView::of).collect(),
            truncated,
        })
    }

    /// The search's entries as JSON Lines, each (once a signed checkpoint
    /// covers it) with its salt and inclusion proof in that checkpoint,
    /// which the header carries with the public key: every line can be
    /// checked offline on its own (format `dsg-audit-search-export/v1`).
    pub async fn audit_search_export(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        search: AuditSearch,
    ) -> Result<Vec<String>, AppError> {
        let (scope, hits, truncated) = self.searched(meta, caller, search).await?;
        let inner = &*self.inner;
        let key = inner.audit_log.audit_key().await?;
        let checkpoint = inner.audit_log.latest_checkpoint().await?;
        let size = checkpoint.as_ref().map_or(0, |c| c.tree_size);
        let levels = if hits.iter().any(|h| h.seq.is_some_and(|s| s < size)) {
            let leaves = inner
                .audit_log
                .leaf_hashes()
                .await?
                .into_iter()
                .take(usize::try_from(size).unwrap_or(0))
                .map(|(_, h)| {
                    hex32(&h).ok_or_else(|| AppError::Internal("malformed leaf hash".into()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let levels = TreeLevels::new(leaves);
            let root = levels
                .root(u64::try_from(size).unwrap_or(0))
                .map_err(|e| AppError::Internal(e.to_string()))?;
            if checkpoint
                .as_ref()
                .is_some_and(|c| c.root != hex::encode(root))
            {
                return Err(AppError::Internal(
                    "the stored leaves do not match the newest checkpoint: the log was altered"
                        .into(),
                ));
            }
            Some(levels)
        } else {
            None
        };
        let signed: Value = match &checkpoint {
            Some(c) => serde_json::from_str(&c.signed)
                .map_err(|e| AppError::Internal(format!("stored checkpoint: {e}")))?,
            None => Value::Null,
        };
        let mut header = serde_json::json!({
            "type": "header", "format": SEARCH_EXPORT_FORMAT_V1,
            "log_id": key.as_ref().map(|k| log_id(&k.id)),
            "public_key": key.as_ref().map(|k| k.public_key.clone()),
            "checkpoint": signed, "truncated": truncated,
        });
        if let (Some(map), Ok(Value::Object(scope))) =
            (header.as_object_mut(), serde_json::to_value(&scope))
        {
            map.extend(scope);
        }
        let mut lines = vec![header.to_string()];
        for hit in &hits {
            let mut line = hit_json(hit);
            if let (Some(seq), Some(levels), Some(map)) = (hit.seq, &levels, line.as_object_mut()) {
                if seq < size {
                    let path = levels
                        .inclusion_proof(
                            u64::try_from(seq).unwrap_or(0),
                            u64::try_from(size).unwrap_or(0),
                        )
                        .map_err(|e| AppError::Internal(e.to_string()))?;
                    map.insert("salt".into(), Value::from(hit.salt.clone()));
                    map.insert(
                        "proof".into(),
                        serde_json::json!({
                            "tree_size": size,
                            "path": path.iter().map(hex::encode).collect::<Vec<_>>(),
                        }),
                    );
                }
            }
            lines.push(line.to_string());
        }
        Ok(lines)
    }

    /// The search itself: the caller's scope, the hits (newest first) and
    /// whether more matched. The read is recorded.
    async fn searched(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        search: AuditSearch,
    ) -> Result<(AuditScope, Vec<AuditHit>, bool), AppError> {
        let (scope, decided) = self
            .audit_scope(meta, caller, Action::AuditRead, AuditAction::AuditRead)
            .await?;
        let company = match (&scope, empty(search.company)) {
            (AuditScope::All, wanted) => wanted,
            (AuditScope::Company { company }, None) => Some(company.clone()),
            (AuditScope::Company { company }, Some(wanted)) if &wanted == company => Some(wanted),
            (AuditScope::Company { .. }, Some(_)) => return Err(AppError::NotFound),
        };
        let until = search.until.unwrap_or_else(|| self.now().saturating_add(1));
        let from = search
            .from
            .unwrap_or(until.saturating_sub(DEFAULT_WINDOW_MS));
        // A rule relating two fields, which no request schema can state.
        if from >= until {
            return Err(AppError::Refused("from must be before until".into()));
        }
        let outcome = match empty(search.outcome) {
            None => None,
            Some(o) => Some(Outcome::parse(&o).ok_or_else(|| {
                AppError::Invalid("outcome must be success, denied or failure".into())
            })?),
        };
        let limit = search.limit.unwrap_or(SEARCH_DEFAULT);
        if !(1..=SEARCH_MAX).contains(&limit) {
            return Err(AppError::Invalid(format!(
                "limit must be between 1 and {SEARCH_MAX}"
            )));
        }
        // A filter that names no id or action in its stored form matches no
        // entry: the search is answered empty (and still recorded).
        let filters = (
            stored_id(company.as_deref()),
            stored_id(empty(search.actor).as_deref()),
            empty(search.action).map_or(Some(None), |a| AuditActionFilter::parse(&a).map(Some)),
            stored_id(empty(search.contract).as_deref()),
        );
        let query = match filters {
            (Some(company), Some(actor), Some(action), Some(contract)) => Some(AuditQuery {
                from_ms: from,
                until_ms: until,
                company,
                actor,
                action,
                outcome,
                object_id: empty(search.object),
                contract,
                limit: limit + 1,
            }),
            _ => None,
        };
        let mut hits = match query {
            Some(query) => self.inner.audit_log.search_audit(&query).await?,
            None => Vec::new(),
        };
        let truncated = hits.len() as i64 > limit;
        hits.truncate(usize::try_from(limit).unwrap_or(0));
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::AuditRead,
            company.map_or(AuditObject::Company(None), AuditObject::RequestedCompany),
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok((scope, hits, truncated))
    }

    /// A company's verifiable extract, for those the policy lets read it.
    /// Taking it is recorded, in that company's own sub-log.
    pub async fn audit_extract_for(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company: &str,
    ) -> Result<Vec<String>, AppError> {
        let id: CompanyId = company.trim().parse().map_err(|_| AppError::NotFound)?;
        // A missing company is decided on as a contractor nobody belongs to.
        let found = self.inner.org.company(id).await?;
        let resource = Resource::Company(CompanyFacts {
            id,
            kind: found.as_ref().map_or(CompanyKind::Contractor, |c| c.kind),
        });
        let object = AuditObject::Company(Some(id));
        let (_, decided) = self
            .authorize_named(
                meta,
                caller,
                (Action::AuditExtract, resource),
                found.as_ref().map(|c| c.id),
                AuditAction::AuditExtract,
                object.clone(),
            )
            .await?;
        if found.is_none() {
            return Err(AppError::NotFound);
        }
        let lines = self.audit_company_extract(id).await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::AuditExtract,
            object,
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok(lines)
    }

    /// The inclusion proof of the entry at `seq` in the newest checkpoint,
    /// for a caller who may read that entry.
    pub async fn audit_entry_proof(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        seq: u64,
    ) -> Result<InclusionProofView, AppError> {
        let (scope, decided) = self
            .audit_scope(meta, caller, Action::AuditRead, AuditAction::AuditRead)
            .await?;
        let index = i64::try_from(seq).map_err(|_| AppError::NotFound)?;
        let entry = self
            .inner
            .audit_log
            .sequenced_event(index)
            .await?
            .ok_or(AppError::NotFound)?;
        if let AuditScope::Company { company } = &scope {
            if entry.event.company_id.as_deref() != Some(company.as_str()) {
                return Err(AppError::NotFound);
            }
        }
        let proof = self.audit_inclusion_proof(seq, None).await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::AuditRead,
            AuditObject::AuditEntry(entry.event.id),
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok(proof)
    }
}

/// A found entry as a line of the search export, to which its salt and
/// proof are added when it has one.
pub(super) fn hit_json(hit: &AuditHit) -> Value {
    let mut v = entry_json(&dsg_store::SequencedEvent {
        seq: hit.seq.unwrap_or(-1),
        salt: String::new(),
        leaf_hash: String::new(),
        expired_at: None,
        event: hit.event.clone(),
    });
    if let Some(map) = v.as_object_mut() {
        map.remove("salt");
        map.remove("type");
        map.insert("seq".into(), hit.seq.map_or(Value::Null, Value::from));
    }
    v
}

/// Names for the ids in entries, limited to what the reader may know:
/// the whole directory for the agency, one's own company for a company.
#[derive(Debug, Clone, Default)]
pub struct AuditDirectory {
    /// Company id → name.
    pub companies: std::collections::HashMap<String, String>,
    /// User id → username.
    pub users: std::collections::HashMap<String, String>,
}

impl App {
    /// The names the reader of `scope` is entitled to see. Entries carry
    /// ids only; names are resolved here, at view time.
    pub async fn audit_directory(&self, scope: &AuditScope) -> Result<AuditDirectory, AppError> {
        let inner = &*self.inner;
        let within = |company: &str| match scope {
            AuditScope::All => true,
            AuditScope::Company { company: own } => own == company,
        };
        let mut directory = AuditDirectory::default();
        for c in inner.org.list_companies().await? {
            let id = c.id.to_string();
            if within(&id) {
                directory.companies.insert(id, c.name);
            }
        }
        for u in inner.org.list_users().await? {
            if within(&u.company_id.to_string()) {
                directory.users.insert(u.id.to_string(), u.username);
            }
        }
        Ok(directory)
    }
}
