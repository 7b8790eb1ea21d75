use proptest::prelude::*;

use super::*;
use crate::workflow::properties::{check_declarations, check_run};
use crate::workflow::{actions_for, transition, Actor};
use crate::Role;

fn agency() -> Actor {
    Actor {
        party: Some(Party::Agency),
        role: Role::Operator,
        duties: vec![],
        is_requester: false,
    }
}

fn admin() -> Actor {
    Actor {
        party: Some(Party::Company),
        role: Role::Member,
        duties: vec![Duty::SecurityAdmin],
        is_requester: true,
    }
}

fn provider(duty: Duty) -> Actor {
    Actor {
        party: Some(Party::Provider),
        role: Role::Member,
        duties: vec![duty],
        is_requester: false,
    }
}

fn run(moves: &[(MembershipAction, Actor)]) -> Result<MembershipState, DomainError> {
    let mut state = MembershipState::Submitted;
    for (action, actor) in moves {
        state = transition::<MembershipApplication>(state, *action, actor)?;
    }
    Ok(state)
}

use MembershipAction as A;
use MembershipState as S;

#[test]
fn the_declarations_agree() {
    check_declarations::<MembershipApplication>();
    for state in MembershipApplication::STATES {
        assert_eq!(
            state.step().is_none(),
            MembershipApplication::is_final(*state)
        );
    }
}

#[test]
fn the_whole_membership_with_a_site_check_remedied() {
    let state = run(&[
        (A::Accept, agency()),
        (A::FindDeficiencies, agency()),
        (A::ReportRemediation, admin()),
        (A::PassCheck, agency()),
        (A::CompleteSurvey, provider(Duty::SiteSurvey)),
        (A::CompleteLineWorks, provider(Duty::SiteSurvey)),
        (A::CompleteRouter, provider(Duty::SiteSurvey)),
        (A::CompleteTerminalSetup, provider(Duty::TerminalSetup)),
        (A::RequestFinalCheck, admin()),
        (A::FindDeficiencies, agency()),
        (A::ReportRemediation, admin()),
        (A::PassCheck, agency()),
    ]);
    assert_eq!(state, Ok(S::Completed));
}

#[test]
fn an_audit_result_stands_in_for_the_site_check() {
    assert_eq!(
        run(&[(A::Accept, agency()), (A::AcceptAuditResult, agency())]),
        Ok(S::LineSurvey)
    );
    // Only at the site check: not in place of the final one.
    assert!(MembershipApplication::step(S::FinalCheck, A::AcceptAuditResult).is_none());
}

#[test]
fn each_step_belongs_to_its_owner() {
    // The provider's survey staff do not set terminals up, nor the reverse.
    assert!(transition::<MembershipApplication>(
        S::TerminalSetup,
        A::CompleteTerminalSetup,
        &provider(Duty::SiteSurvey)
    )
    .is_err());
    assert!(transition::<MembershipApplication>(
        S::LineSurvey,
        A::CompleteSurvey,
        &provider(Duty::TerminalSetup)
    )
    .is_err());
    // The company does not pass its own site check, the provider neither.
    let mut company_operator = admin();
    company_operator.role = Role::Operator;
    for actor in [company_operator, provider(Duty::SiteSurvey)] {
        assert!(transition::<MembershipApplication>(S::SiteCheck, A::PassCheck, &actor).is_err());
    }
    // An operator who filed it on the company's behalf does not accept it.
    let mut own = agency();
    own.is_requester = true;
    assert!(transition::<MembershipApplication>(S::Submitted, A::Accept, &own).is_err());
    // What each is offered at the site check.
    assert_eq!(
        actions_for::<MembershipApplication>(S::SiteCheck, &agency()),
        [A::PassCheck, A::FindDeficiencies, A::AcceptAuditResult]
    );
    assert_eq!(
        actions_for::<MembershipApplication>(S::SiteCheck, &admin()),
        [A::Withdraw]
    );
    assert!(
        actions_for::<MembershipApplication>(S::SiteCheck, &provider(Duty::SiteSurvey)).is_empty()
    );
}

#[test]
fn the_states_walk_the_seven_steps_in_order() {
    let path = [
        S::Submitted,
        S::SiteCheck,
        S::LineSurvey,
        S::LineWorks,
        S::RouterInstallation,
        S::TerminalSetup,
        S::FinalCheck,
    ];
    let steps: Vec<u8> = path
        .iter()
        .filter_map(|s| s.step())
        .map(MembershipStep::number)
        .collect();
    assert_eq!(steps, [1, 2, 3, 4, 5, 6, 7]);
}

fn form() -> MembershipForm {
    MembershipForm {
        company_name: "株式会社テスト".into(),
        company_address: "東京都千代田区1-1".into(),
        site_name: "本社".into(),
        site_prefecture: "東京都".into(),
        site_address: "千代田区1-1".into(),
        contact: "保護 太郎 03-0000-0000".into(),
        contracts_evidence: "特約条項付き契約 A-1".into(),
        facility_evidence: "第8準拠の取扱施設".into(),
        equipment_evidence: "仕様書どおり".into(),
        location_evidence: "東京都内".into(),
        audit_result: String::new(),
        schedule_wish: String::new(),
    }
}

#[test]
fn the_form_needs_every_requirement_and_a_site_in_japan() {
    assert!(form().validate().is_ok());
    let mut abroad = form();
    abroad.site_prefecture = "California".into();
    assert!(abroad.validate().is_err());
    for blank in 0..4 {
        let mut f = form();
        let field = match blank {
            0 => &mut f.contracts_evidence,
            1 => &mut f.facility_evidence,
            2 => &mut f.equipment_evidence,
            _ => &mut f.location_evidence,
        };
        *field = "  ".into();
        assert!(f.validate().is_err(), "requirement {blank}");
    }
}

fn start() -> impl Strategy<Value = MembershipState> {
    proptest::sample::select(MembershipApplication::STATES.to_vec())
}

/// Anyone of any party, including the provider's duties.
fn anyone() -> impl Strategy<Value = Actor> {
    (
        proptest::option::of(proptest::sample::select(Party::ALL.to_vec())),
        prop_oneof![Just(Role::Operator), Just(Role::Member)],
        proptest::sample::subsequence(
            vec![
                Duty::Auditor,
                Duty::SecurityAdmin,
                Duty::SiteSurvey,
                Duty::TerminalSetup,
            ],
            0..=4,
        ),
        any::<bool>(),
    )
        .prop_map(|(party, role, duties, is_requester)| Actor {
            party,
            role,
            duties,
            is_requester,
        })
}

proptest! {
    /// No sequence of actions by anyone leaves the machine's declared
    /// steps, and a final state accepts nothing.
    #[test]
    fn random_runs_stay_on_the_machine(
        start in start(),
        moves in proptest::collection::vec((0usize..24, anyone()), 0..40),
    ) {
        let visited = check_run::<MembershipApplication>(start, &moves)?;
        for state in &visited {
            if MembershipApplication::is_final(*state) {
                for action in MembershipApplication::ACTIONS {
                    prop_assert!(MembershipApplication::step(*state, *action).is_none());
                }
            }
        }
    }
}
