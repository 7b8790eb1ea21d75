//! The use cases' read views as the API sends them (`dsg-proto` types).

use dsg_proto::{alerts, audit, policies, records};

/// An alert.
pub fn alert(a: dsg_app::AlertView) -> alerts::Alert {
    alerts::Alert {
        id: a.id,
        rule: a.rule,
        key: a.key,
        key_kind: a.key_kind,
        key_name: a.key_name,
        severity: a.severity.as_str().to_owned(),
        status: a.status.as_str().to_owned(),
        first_at: a.first_at,
        last_at: a.last_at,
        entry_count: a.entry_count,
        created_at: a.created_at,
        acknowledged_by: a.acknowledged_by,
        acknowledged_at: a.acknowledged_at,
        acknowledge_note: a.acknowledge_note,
        closed_by: a.closed_by,
        closed_at: a.closed_at,
        close_note: a.close_note,
    }
}

/// An alert with its entries.
pub fn alert_detail(d: dsg_app::AlertDetail) -> alerts::AlertDetail {
    alerts::AlertDetail {
        alert: alert(d.alert),
        entries: d.entries.into_iter().map(audit_hit).collect(),
        truncated: d.truncated,
    }
}

/// A policy version.
pub fn policy_version(v: dsg_app::PolicyVersionView) -> policies::PolicyVersion {
    policies::PolicyVersion {
        version: v.version,
        status: v.status,
        origin: v.origin,
        summary: v.summary,
        based_on: v.based_on,
        proposed_by: v.proposed_by,
        proposed_at: v.proposed_at,
        decided_by: v.decided_by,
        decided_at: v.decided_at,
        activated_at: v.activated_at,
        digest: v.digest,
        policies: v.policies,
    }
}

/// A what-if replay.
pub fn what_if(r: dsg_app::WhatIfReport) -> policies::WhatIfReport {
    policies::WhatIfReport {
        version: r.version,
        replayed: r.replayed as u64,
        flips: r
            .flips
            .into_iter()
            .map(|f| policies::DecisionFlip {
                event_id: f.event_id,
                occurred_at: f.occurred_at,
                actor: f.actor,
                action: f.action,
                object_type: f.object_type,
                object_id: f.object_id,
                was_allowed: f.was_allowed,
                was_policies: f.was_policies,
                now_allowed: f.now_allowed,
                now_policies: f.now_policies,
            })
            .collect(),
        unreadable: r.unreadable as u64,
    }
}

/// A recorded decision.
pub fn decision(d: dsg_app::DecisionRecordView) -> policies::DecisionRecord {
    policies::DecisionRecord {
        event_id: d.event_id,
        occurred_at: d.occurred_at,
        actor: d.actor,
        action: d.action,
        object_type: d.object_type,
        object_id: d.object_id,
        outcome: d.outcome,
        reason: d.reason,
        policy_version: d.policy_version,
        allowed: d.allowed,
        slice: d.slice.map(decision_slice),
        digest_matches: d.digest_matches,
    }
}

/// The answer to an audit search.
pub fn audit_search(r: dsg_app::AuditSearchResult) -> audit::AuditSearchResult {
    audit::AuditSearchResult {
        scope: match r.scope {
            dsg_app::AuditScope::All => audit::AuditScope::All,
            dsg_app::AuditScope::Company { company } => audit::AuditScope::Company { company },
        },
        entries: r.entries.into_iter().map(audit_hit).collect(),
        truncated: r.truncated,
    }
}

/// An entry's inclusion proof.
pub fn inclusion_proof(p: dsg_app::InclusionProofView) -> audit::InclusionProof {
    audit::InclusionProof {
        leaf_index: p.leaf_index,
        tree_size: p.tree_size,
        leaf_hash: p.leaf_hash,
        root: p.root,
        path: p.path,
        entry: proven_entry(p.entry),
        checkpoint: p.checkpoint.map(signed_checkpoint),
    }
}

fn entity(e: dsg_app::EntityRef) -> policies::EntityRef {
    policies::EntityRef {
        kind: e.kind,
        id: e.id,
    }
}

fn decision_slice(s: dsg_app::DecisionSlice) -> policies::DecisionSlice {
    policies::DecisionSlice {
        format: s.format,
        principal: entity(s.principal),
        action: entity(s.action),
        resource: entity(s.resource),
        context: serde_json::Value::Object(s.context),
        entities: s
            .entities
            .into_iter()
            .map(serde_json::Value::Object)
            .collect(),
    }
}

fn audit_entry(e: dsg_app::ExportEntry) -> audit::AuditEntry {
    audit::AuditEntry {
        id: e.id,
        occurred_at: e.occurred_at,
        request_id: e.request_id,
        actor: e.actor,
        source: e.source,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id,
        outcome: e.outcome,
        reason: e.reason,
        terminal: e.terminal,
        decision: e.decision,
        company: e.company,
    }
}

/// A found entry.
pub fn audit_hit(h: dsg_app::AuditEntryView) -> audit::AuditHit {
    audit::AuditHit {
        seq: h.seq,
        entry: audit_entry(h.entry),
    }
}

fn proven_entry(p: dsg_app::ProvenEntry) -> audit::ProvenEntry {
    match p {
        dsg_app::ProvenEntry::Entry { seq, salt, entry } => {
            audit::ProvenEntry::Entry(audit::EntryLine {
                seq,
                salt,
                entry: audit_entry(entry),
            })
        }
        dsg_app::ProvenEntry::Expired {
            seq,
            leaf_hash,
            id,
            occurred_at,
            company,
            expired_at,
        } => audit::ProvenEntry::Expired(audit::ExpiredLine {
            seq,
            leaf_hash,
            id,
            occurred_at,
            company,
            expired_at,
        }),
    }
}

fn signed_checkpoint(c: dsg_app::SignedCheckpoint) -> audit::SignedCheckpoint {
    audit::SignedCheckpoint {
        checkpoint: audit::Checkpoint {
            log_id: c.checkpoint.log_id,
            tree_size: c.checkpoint.tree_size,
            root: hex::encode(c.checkpoint.root),
            timestamp_ms: c.checkpoint.timestamp_ms,
            retention_days: c.checkpoint.retention_days,
        },
        signature: hex::encode(c.signature),
    }
}

fn roster_line(l: dsg_app::RosterLine) -> records::RosterLine {
    records::RosterLine {
        status: l.status.to_owned(),
        details: records::RosterDetails {
            full_name: l.details.full_name,
            birth_date: l.details.birth_date.to_string(),
            department: l.details.department,
            position: l.details.position,
            nationality: l.details.nationality,
            undertaking_date: l.details.undertaking_date.to_string(),
        },
        submitted_by: l.submitted_by,
        submitted_at: l.submitted_at,
        confirmed_by: l.confirmed_by,
        confirmed_at: l.confirmed_at,
        removed_at: l.removed_at,
    }
}

/// A company's records.
pub fn company_records(r: dsg_app::CompanyRecords) -> records::CompanyRecords {
    records::CompanyRecords {
        company_id: r.company_id,
        company_name: r.company_name,
        people: r
            .people
            .into_iter()
            .map(|p| records::PersonRecords {
                user_id: p.user_id,
                username: p.username,
                display_name: p.display_name,
                roster: p.roster.map(roster_line),
                last_trained_on: p.last_trained_on.map(|d| d.to_string()),
                training_current: p.training_current,
                consent: p.consent.map(|c| records::ConsentLine {
                    consented: c.consented,
                    consent: records::SystemUseConsent {
                        signed_on: c.consent.signed_on,
                        protected_system: c.consent.protected_system,
                        monitored: c.consent.monitored,
                        liability: c.consent.liability,
                    },
                    recorded_by: c.recorded_by,
                    recorded_at: c.recorded_at,
                    withdrawn_at: c.withdrawn_at,
                }),
                offers: records::RecordOffers {
                    submit: p.offers.submit,
                    remove: p.offers.remove,
                    record_training: p.offers.record_training,
                    confirm: p.offers.confirm,
                },
            })
            .collect(),
        contracts: r
            .contracts
            .into_iter()
            .map(|c| records::ContractRoster {
                contract_id: c.contract_id,
                number: c.number.to_string(),
                title: c.title,
                handlers: c.handlers,
            })
            .collect(),
        trainings: r
            .trainings
            .into_iter()
            .map(|t| records::TrainingEntry {
                id: t.id,
                user_id: t.user_id,
                course: t.course.to_owned(),
                completed_on: t.completed_on.to_string(),
                notes: records::TrainingNotes {
                    topics: t.notes.topics,
                    instructor: t.notes.instructor,
                },
                covered_topics: t
                    .covered_topics
                    .map(|topics| topics.into_iter().map(str::to_owned).collect()),
                recorded_by: t.recorded_by,
                recorded_at: t.recorded_at,
            })
            .collect(),
        roles: r
            .roles
            .into_iter()
            .map(|e| records::RoleEntry {
                id: e.id,
                user_id: e.user_id,
                role: e.role.to_owned(),
                unit: e.details.unit,
                asset: e.details.asset,
                audited_unit: e.details.audited_unit,
                designated_by: e.designated_by,
                designated_at: e.designated_at,
                revoked_at: e.revoked_at,
            })
            .collect(),
        consent_required: r.consent_required,
        roster_required: r.roster_required,
        training_valid_days: r.training_valid_days,
        designation_training_required: r.designation_training_required,
    }
}
