//! Every transition of a terminal or media request, software request or
//! any kind on the one path, writes exactly one audit entry with its
//! timeline line, and a transition decided in a state the application is
//! no longer in writes nothing: random sequences of steps by random people,
//! decided by the workflow engine as the use cases decide them, applied by
//! the store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use std::sync::OnceLock;

use dsg_core::membership_change::{
    ChangeAction, ChangeKind, ChangeState, MembershipChange, MembershipChangeForm,
};
use dsg_core::requests::{
    ApprovalAction, ApprovalRequest, ApprovalState, MediaForm, MediaType, Operation,
};
use dsg_core::workflow::{transition, Actor, Party, Workflow};
use dsg_core::{
    AuditAction, AuditObject, AuditRecord, Company, CompanyId, CompanyKind, Duty, Outcome, Role,
    UserId,
};
use dsg_store::{
    ApplicationRow, ChangeEffect, MediaRequestRow, MembershipChangeRow, NewUser, RequestEffect,
    Store, Transition,
};
use proptest::prelude::*;

struct Fixture {
    rt: tokio::runtime::Runtime,
    store: Store,
    company: CompanyId,
    requester: UserId,
    operator: UserId,
    _dir: tempfile::TempDir,
}

fn record(action: AuditAction, object: &str) -> AuditRecord {
    AuditRecord {
        request_id: uuid_like(),
        actor: None,
        source: None,
        terminal: None,
        action,
        object: AuditObject::Application(object.to_owned()),
        outcome: Outcome::Success,
        reason: "test".into(),
        decision: None,
    }
}

fn uuid_like() -> String {
    CompanyId::random().to_string()
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let (store, company, requester, operator) = rt.block_on(async {
            let store = Store::connect(&url).await.unwrap();
            let mut ids = Vec::new();
            for (name, kind) in [("A", CompanyKind::Contractor), ("庁", CompanyKind::Agency)] {
                let company = Company {
                    id: CompanyId::random(),
                    name: name.into(),
                    kind,
                    created_at: 1,
                };
                store
                    .create_company(&company, 1, &record(AuditAction::AdminView, "c"))
                    .await
                    .unwrap();
                let user = NewUser {
                    id: UserId::random(),
                    company_id: company.id,
                    username: format!("u{name}"),
                    display_name: name.into(),
                    role: if kind == CompanyKind::Agency {
                        Role::Operator
                    } else {
                        Role::Member
                    },
                    valid_until: None,
                };
                store
                    .create_user(
                        &user,
                        (&format!("token-{name}"), 2),
                        1,
                        &record(AuditAction::AdminView, "u"),
                    )
                    .await
                    .unwrap();
                ids.push((company.id, user.id));
            }
            (store, ids[0].0, ids[0].1, ids[1].1)
        });
        Fixture {
            rt,
            store,
            company,
            requester,
            operator,
            _dir: dir,
        }
    })
}

/// The entries of one application.
async fn entries(store: &Store, id: &str) -> usize {
    store
        .recent_audit(1_000_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.object_id.as_deref() == Some(id))
        .count()
}

fn who(index: u8, f: &Fixture) -> (Actor, UserId) {
    match index % 3 {
        // The company's administrator who filed it.
        0 => (
            Actor {
                party: Some(Party::Company),
                role: Role::Member,
                duties: vec![Duty::SecurityAdmin],
                is_requester: true,
            },
            f.requester,
        ),
        // An agency operator.
        1 => (
            Actor {
                party: Some(Party::Agency),
                role: Role::Operator,
                duties: Vec::new(),
                is_requester: false,
            },
            f.operator,
        ),
        // Someone of no party to it.
        _ => (
            Actor {
                party: None,
                role: Role::Member,
                duties: vec![Duty::SecurityAdmin],
                is_requester: false,
            },
            f.requester,
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_transition_writes_exactly_one_entry(
        moves in proptest::collection::vec((0usize..5, 0u8..3, any::<bool>()), 1..12),
    ) {
        let f = fixture();
        f.rt.block_on(async {
            let id = uuid_like();
            let form = MediaForm {
                operation: Operation::Register,
                media_id: format!("USB-{id}"),
                media_type: Some(MediaType::UsbMemory),
                capacity_mb: 1000,
                purpose: "搬入".into(),
                permitted_users: vec![f.requester],
                reason: String::new(),
            };
            let row = MediaRequestRow {
                application: ApplicationRow {
                    id: id.clone(),
                    kind: "media".into(),
                    company_id: f.company,
                    requested_by: f.requester,
                    state: "submitted".into(),
                    reason: "awaiting_agency".into(),
                    submitted_at: 10,
                    due_on: None,
                    updated_at: 10,
                    closed_at: None,
                },
                form,
            };
            f.store
                .file_media_request(&row, &record(AuditAction::ApplicationFile, &id))
                .await
                .unwrap();
            let mut state = ApprovalState::Submitted;
            let mut written = 1;
            for (action, person, stale) in moves {
                let action = ApprovalAction::ALL[action];
                let (actor, user) = who(person, f);
                let Ok(next) = transition::<ApprovalRequest>(state, action, &actor) else {
                    continue;
                };
                // Decided in a state it has left (someone else moved it
                // first): nothing is written.
                let from = if stale {
                    ApprovalState::ALL
                        .iter()
                        .copied()
                        .find(|s| *s != state)
                        .unwrap()
                } else {
                    state
                };
                let effect = if action == ApprovalAction::Approve {
                    RequestEffect::ListMedium(f.company)
                } else {
                    RequestEffect::None
                };
                let moved = f
                    .store
                    .transition_request(
                        &Transition {
                            id: &id,
                            from: from.as_str(),
                            action: action.as_str(),
                            to: next.as_str(),
                            actor: user,
                            reason: "r",
                            due_on: None,
                            closes: ApprovalRequest::is_final(next),
                        },
                        &effect,
                        100,
                        &record(action.audited_as(), &id),
                    )
                    .await
                    .unwrap();
                prop_assert_eq!(moved, !stale);
                if moved {
                    state = next;
                    written += 1;
                }
                prop_assert_eq!(entries(&f.store, &id).await, written);
                prop_assert_eq!(
                    f.store.application_steps(&id).await.unwrap().len(),
                    written
                );
                let stored = f.store.media_request(&id).await.unwrap().unwrap();
                prop_assert_eq!(stored.application.state.as_str(), state.as_str());
            }
            let listed = f
                .store
                .removable_media(Some(f.company))
                .await
                .unwrap()
                .iter()
                .any(|m| m.registered_by == id);
            prop_assert_eq!(listed, state == ApprovalState::Approved);
            Ok(())
        })?;
    }

    #[test]
    fn every_change_transition_writes_exactly_one_entry(
        moves in proptest::collection::vec((0usize..7, 0u8..3, any::<bool>()), 1..12),
    ) {
        let f = fixture();
        f.rt.block_on(async {
            let id = uuid_like();
            let new_name = format!("新社名 {id}");
            let row = MembershipChangeRow {
                application: ApplicationRow {
                    id: id.clone(),
                    kind: "change".into(),
                    company_id: f.company,
                    requested_by: f.requester,
                    state: "submitted".into(),
                    reason: "awaiting_agency".into(),
                    submitted_at: 10,
                    due_on: None,
                    updated_at: 10,
                    closed_at: None,
                },
                form: MembershipChangeForm {
                    change: ChangeKind::CompanyName,
                    site: String::new(),
                    new_name: new_name.clone(),
                    details: "社名変更".into(),
                },
                disposals: Vec::new(),
            };
            f.store
                .file_membership_change(&row, &record(AuditAction::ApplicationFile, &id))
                .await
                .unwrap();
            let mut state = ChangeState::Submitted;
            let mut written = 1;
            for (action, person, stale) in moves {
                let action = ChangeAction::ALL[action];
                let (actor, user) = who(person, f);
                let Ok(next) = transition::<MembershipChange>(state, action, &actor) else {
                    continue;
                };
                let from = if stale {
                    ChangeState::ALL
                        .iter()
                        .copied()
                        .find(|s| *s != state)
                        .unwrap()
                } else {
                    state
                };
                // The rename's own entry names the company, not the
                // application: the application still has one per step.
                let effect = if next == ChangeState::Completed {
                    let mut rename = record(AuditAction::CompanyRename, &id);
                    rename.object = AuditObject::Company(Some(f.company));
                    ChangeEffect::Rename {
                        company: f.company,
                        name: new_name.clone(),
                        record: Box::new(rename),
                    }
                } else {
                    ChangeEffect::None
                };
                let moved = f
                    .store
                    .transition_membership_change(
                        &Transition {
                            id: &id,
                            from: from.as_str(),
                            action: action.as_str(),
                            to: next.as_str(),
                            actor: user,
                            reason: "r",
                            due_on: None,
                            closes: MembershipChange::is_final(next),
                        },
                        &effect,
                        100,
                        &record(action.audited_as(), &id),
                    )
                    .await
                    .unwrap();
                prop_assert_eq!(moved.is_some(), !stale);
                if moved.is_some() {
                    state = next;
                    written += 1;
                }
                prop_assert_eq!(entries(&f.store, &id).await, written);
                prop_assert_eq!(
                    f.store.application_steps(&id).await.unwrap().len(),
                    written
                );
                let stored = f.store.membership_change(&id).await.unwrap().unwrap();
                prop_assert_eq!(stored.application.state.as_str(), state.as_str());
            }
            let name = f.store.company(f.company).await.unwrap().unwrap().name;
            prop_assert_eq!(name == new_name, state == ChangeState::Completed);
            Ok(())
        })?;
    }
}
