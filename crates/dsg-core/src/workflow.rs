//! The one engine every application between the agency, the service
//! provider and a company runs on (申請: membership, terminal, software,
//! media …). An application type declares its states and actions as enums
//! and, as code, which transitions exist, which party and which holder may
//! take each, and which states are final; [`transition`] is the only way
//! from one state to the next. The policy point decides whether this person
//! may act on this application at all (company isolation, the deciding
//! policy recorded); the machine decides whether the step exists in the
//! state the application is in.

use crate::{DomainError, Duty, Role};

/// The three parties applications pass between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// The procurement agency (its DSG office, 情報システム管理室).
    Agency,
    /// The service provider that builds and runs the network and terminals
    /// (サービス提供事業者).
    Provider,
    /// The company the application belongs to. A user of another company
    /// is no party to it.
    Company,
}

impl Party {
    /// Every party.
    pub const ALL: [Party; 3] = [Self::Agency, Self::Provider, Self::Company];

    /// The stable name (API, inbox).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::Provider => "provider",
            Self::Company => "company",
        }
    }
}

/// Who within a party may take a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Holder {
    /// An operator of that party (the agency's gateway operators).
    Operator,
    /// Someone holding the duty (a company's protected-system
    /// administrator, 保護システム管理者).
    Duty(Duty),
    /// Anyone of that party (a company's users on their own help-desk
    /// tickets).
    Anyone,
}

/// Whether the person who filed the application may take a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    /// Only someone else: decisions. Nobody decides their own application.
    Excluded,
    /// Anyone the step names, the requester included (resubmitting,
    /// withdrawing).
    Allowed,
}

/// One allowed transition: where it leads and who may take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<S> {
    /// The state after it.
    pub next: S,
    /// The party that takes it.
    pub party: Party,
    /// Who within that party.
    pub holder: Holder,
    /// Whether the requester may take it.
    pub requester: Requester,
}

/// The person acting, as the machine sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Their party to this application (`None`: a user of another company,
    /// no party at all).
    pub party: Option<Party>,
    /// Their role.
    pub role: Role,
    /// Their duties.
    pub duties: Vec<Duty>,
    /// Whether they filed the application.
    pub is_requester: bool,
}

impl Actor {
    /// Whether they are the holder `holder` names.
    pub fn holds(&self, holder: Holder) -> bool {
        match holder {
            Holder::Operator => self.role == Role::Operator,
            Holder::Duty(duty) => self.duties.contains(&duty),
            Holder::Anyone => true,
        }
    }
}

/// An application type: its states, actions and transitions, as code.
pub trait Workflow {
    /// Where an application stands.
    type State: Copy + Eq + std::fmt::Debug + 'static;
    /// What a party does to it.
    type Action: Copy + Eq + std::fmt::Debug + 'static;

    /// Every state.
    const STATES: &'static [Self::State];
    /// Every action.
    const ACTIONS: &'static [Self::Action];

    /// The transition `action` takes from `state`, if the machine has one.
    /// A final state has none.
    fn step(state: Self::State, action: Self::Action) -> Option<Step<Self::State>>;

    /// Whether nothing more happens to an application in `state`.
    fn is_final(state: Self::State) -> bool;

    /// Whom an application in `state` waits for (the step's owner, whose
    /// inbox shows it), `None` in a final state. Others may have steps
    /// too (a company may withdraw what waits for the agency), but the
    /// application does not wait for them.
    fn waits_for(state: Self::State) -> Option<(Party, Holder)>;
}

/// The state after `actor` takes `action` in `state`, or why not: the
/// state does not allow it, the actor is not the party or holder the step
/// names, or they filed the application and the step decides it.
pub fn transition<W: Workflow>(
    state: W::State,
    action: W::Action,
    actor: &Actor,
) -> Result<W::State, DomainError> {
    let step = W::step(state, action).ok_or(DomainError::refused(
        "the application's state does not allow this",
    ))?;
    if actor.party != Some(step.party) || !actor.holds(step.holder) {
        return Err(DomainError::refused(
            "this step belongs to another party or duty",
        ));
    }
    if step.requester == Requester::Excluded && actor.is_requester {
        return Err(DomainError::refused("nobody decides their own application"));
    }
    Ok(step.next)
}

/// Whether an application in `state` waits for `actor` (their inbox).
pub fn waits_for_actor<W: Workflow>(state: W::State, actor: &Actor) -> bool {
    W::waits_for(state)
        .is_some_and(|(party, holder)| actor.party == Some(party) && actor.holds(holder))
}

/// The actions `actor` may take in `state` (what a page offers, besides
/// what the policy point allows).
pub fn actions_for<W: Workflow>(state: W::State, actor: &Actor) -> Vec<W::Action> {
    W::ACTIONS
        .iter()
        .copied()
        .filter(|a| transition::<W>(state, *a, actor).is_ok())
        .collect()
}

#[cfg(test)]
pub(crate) mod properties {
    //! Properties every application type's machine must have, checked over
    //! random sequences of actions by random people.

    use proptest::prelude::*;

    use super::*;

    /// A random person: any party or none, any role, any duties,
    /// requester or not.
    pub(crate) fn actor() -> impl Strategy<Value = Actor> {
        (
            proptest::option::of(proptest::sample::select(Party::ALL.to_vec())),
            prop_oneof![Just(Role::Operator), Just(Role::Member)],
            proptest::sample::subsequence(vec![Duty::Auditor, Duty::SecurityAdmin], 0..=2),
            any::<bool>(),
        )
            .prop_map(|(party, role, duties, is_requester)| Actor {
                party,
                role,
                duties,
                is_requester,
            })
    }

    /// Runs `moves` from `start`: every accepted move is a step the machine
    /// declares, taken by the party and holder it names and never by the
    /// requester where excluded; every refused one leaves the state as it
    /// was; a final state accepts nothing. Returns the states visited.
    pub(crate) fn check_run<W: Workflow>(
        start: W::State,
        moves: &[(usize, Actor)],
    ) -> Result<Vec<W::State>, TestCaseError> {
        let mut state = start;
        let mut visited = vec![state];
        for (index, actor) in moves {
            let action = W::ACTIONS[index % W::ACTIONS.len()];
            let declared = W::step(state, action);
            match transition::<W>(state, action, actor) {
                Ok(next) => {
                    let step = declared.ok_or_else(|| {
                        TestCaseError::fail(format!("{state:?} --{action:?}--> undeclared"))
                    })?;
                    prop_assert!(!W::is_final(state), "{:?} is final but moved", state);
                    prop_assert_eq!(next, step.next);
                    prop_assert_eq!(actor.party, Some(step.party));
                    prop_assert!(actor.holds(step.holder));
                    prop_assert!(!(step.requester == Requester::Excluded && actor.is_requester));
                    prop_assert!(W::STATES.contains(&next));
                    state = next;
                    visited.push(state);
                }
                Err(_) => {
                    if let Some(step) = declared {
                        // Refused only for who asked, never for a step that
                        // exists and was asked by the right person.
                        let entitled = actor.party == Some(step.party)
                            && actor.holds(step.holder)
                            && !(step.requester == Requester::Excluded && actor.is_requester);
                        prop_assert!(!entitled, "{:?} refused to {:?}", action, actor);
                    }
                }
            }
        }
        Ok(visited)
    }

    /// The declarations agree with themselves: a final state has no step
    /// and no owner; every other state has an owner with a step of its
    /// own there; every step leads to a declared state.
    pub(crate) fn check_declarations<W: Workflow>() {
        for state in W::STATES {
            let steps: Vec<_> = W::ACTIONS
                .iter()
                .filter_map(|a| W::step(*state, *a))
                .collect();
            assert_eq!(W::is_final(*state), steps.is_empty(), "{state:?}");
            match W::waits_for(*state) {
                None => assert!(W::is_final(*state), "{state:?} waits for nobody"),
                Some((party, holder)) => assert!(
                    steps.iter().any(|s| s.party == party && s.holder == holder),
                    "{state:?} waits for someone with no step"
                ),
            }
            for step in steps {
                assert!(W::STATES.contains(&step.next));
            }
        }
    }
}
