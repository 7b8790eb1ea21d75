//! The entity slice and context of one request, built from its facts: the
//! principal and its company, the resource, the terminal and its company,
//! and the request context.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use cedar_policy::{Context, Entity, EntityUid, RestrictedExpression};

use super::uid;
use dsg_core::CompartmentPhase;

use crate::request::{
    AccessRequest, DeviceFacts, EndRequestFacts, Environment, FileFacts, RoleDesignationFacts,
    SessionFacts, TerminalFacts, UserFacts,
};

/// The request context. `Request::new` validates it against the schema.
pub(super) fn request_context(
    request: &AccessRequest,
    terminal: Option<EntityUid>,
) -> Result<Context, String> {
    let session: &SessionFacts = &request.session;
    let environment: &Environment = &request.environment;
    let mut pairs = vec![
        (
            "mfa".to_owned(),
            RestrictedExpression::new_string(session.mfa.as_str().to_owned()),
        ),
        (
            "stepUpFresh".to_owned(),
            RestrictedExpression::new_bool(session.step_up_fresh),
        ),
        (
            "totpReachesData".to_owned(),
            RestrictedExpression::new_bool(session.totp_reaches_data),
        ),
        (
            "authAgeSeconds".to_owned(),
            RestrictedExpression::new_long(session.auth_age_secs.max(0)),
        ),
        (
            "sessionAgeSeconds".to_owned(),
            RestrictedExpression::new_long(session.session_age_secs.max(0)),
        ),
        (
            "certificatePresented".to_owned(),
            RestrictedExpression::new_bool(!matches!(request.device, DeviceFacts::None)),
        ),
        (
            "hour".to_owned(),
            RestrictedExpression::new_long(i64::from(environment.hour)),
        ),
        (
            "weekday".to_owned(),
            RestrictedExpression::new_long(i64::from(environment.weekday)),
        ),
        (
            "agencyTerminalsAccepted".to_owned(),
            RestrictedExpression::new_bool(environment.agency_terminals_accepted),
        ),
    ];
    if let Some(max) = environment.posture_max_age_secs {
        pairs.push((
            "postureMaxAgeSeconds".to_owned(),
            RestrictedExpression::new_long(max),
        ));
    }
    if environment.roster_confirmation_required {
        pairs.push((
            "rosterConfirmationRequired".to_owned(),
            RestrictedExpression::new_bool(true),
        ));
    }
    if let Some(max) = environment.training_max_age_secs {
        pairs.push((
            "trainingMaxAgeSeconds".to_owned(),
            RestrictedExpression::new_long(max),
        ));
    }
    if environment.designation_training_required {
        pairs.push((
            "designationTrainingRequired".to_owned(),
            RestrictedExpression::new_bool(true),
        ));
    }
    if environment.consent_required {
        pairs.push((
            "systemUseConsentRequired".to_owned(),
            RestrictedExpression::new_bool(true),
        ));
    }
    if let Some(terminal) = terminal {
        pairs.push((
            "terminal".to_owned(),
            RestrictedExpression::new_entity_uid(terminal),
        ));
    }
    if let Some(source) = environment.source {
        pairs.push(("sourceAddress".to_owned(), ip_expression(source)));
    }
    Context::from_pairs(pairs).map_err(|e| e.to_string())
}

/// How many client addresses each thread keeps the expression of.
pub(super) const IP_EXPRESSIONS_KEPT: usize = 64;

thread_local! {
    /// The `ip("…")` expressions of the addresses this thread saw last.
    /// `RestrictedExpression::new_ip` runs Cedar's parser on the name `ip`
    /// each time, which was a tenth of a decision; a client sends many
    /// requests from one address. The expression is a function of the
    /// address alone, so nothing here can go stale.
    static IP_EXPRESSIONS: RefCell<Vec<(IpAddr, RestrictedExpression)>> =
        const { RefCell::new(Vec::new()) };
}

/// `RestrictedExpression::new_ip(address)`, remembered per thread.
fn ip_expression(address: IpAddr) -> RestrictedExpression {
    IP_EXPRESSIONS.with_borrow_mut(|kept| {
        if let Some((_, expression)) = kept.iter().find(|(a, _)| *a == address) {
            return expression.clone();
        }
        let expression = RestrictedExpression::new_ip(address.to_string());
        if kept.len() >= IP_EXPRESSIONS_KEPT {
            kept.remove(0);
        }
        kept.push((address, expression.clone()));
        expression
    })
}

pub(super) fn terminal_entities(terminal: &TerminalFacts) -> Result<(Entity, Entity), String> {
    let company = uid("Dsg::Company", &terminal.company.to_string())?;
    let mut attrs = HashMap::from([
        (
            "company".to_owned(),
            RestrictedExpression::new_entity_uid(company.clone()),
        ),
        (
            "status".to_owned(),
            RestrictedExpression::new_string(terminal.status.as_str().to_owned()),
        ),
        (
            "site".to_owned(),
            RestrictedExpression::new_string(terminal.site.clone()),
        ),
    ]);
    // Absent until the terminal reports (the schema makes both optional).
    if let Some(posture) = terminal.posture {
        attrs.insert(
            "postureAgeSeconds".to_owned(),
            RestrictedExpression::new_long(posture.age_secs.max(0)),
        );
        attrs.insert(
            "postureCompliant".to_owned(),
            RestrictedExpression::new_bool(posture.compliant),
        );
    }
    let entity = Entity::new(
        uid("Dsg::Terminal", &terminal.id.to_string())?,
        attrs,
        HashSet::from([company.clone()]),
    )
    .map_err(|e| e.to_string())?;
    let company_entity = company_entity(
        &terminal.company.to_string(),
        terminal.company_kind.as_str(),
    )?;
    Ok((entity, company_entity))
}

/// Adds `entity` unless the slice has it already (the principal's company
/// is often the resource's or the terminal's too).
pub(super) fn push_new(entities: &mut Vec<Entity>, entity: Entity) {
    if !entities.iter().any(|e| e.uid() == entity.uid()) {
        entities.push(entity);
    }
}

pub(super) fn company_entity(id: &str, kind: &str) -> Result<Entity, String> {
    let attrs = HashMap::from([(
        "kind".to_owned(),
        RestrictedExpression::new_string(kind.to_owned()),
    )]);
    Entity::new(uid("Dsg::Company", id)?, attrs, HashSet::new()).map_err(|e| e.to_string())
}

pub(super) fn user_entities(user: &UserFacts) -> Result<(Entity, Entity), String> {
    let company = uid("Dsg::Company", &user.company.to_string())?;
    let handler_of = user
        .handler_of
        .iter()
        .map(|c| uid("Dsg::Contract", &c.to_string()).map(RestrictedExpression::new_entity_uid))
        .collect::<Result<Vec<_>, _>>()?;
    let mut attrs = HashMap::from([
        (
            "company".to_owned(),
            RestrictedExpression::new_entity_uid(company.clone()),
        ),
        (
            "role".to_owned(),
            RestrictedExpression::new_string(user.role.as_str().to_owned()),
        ),
        (
            "status".to_owned(),
            RestrictedExpression::new_string(user.state.as_str().to_owned()),
        ),
        (
            "handlerOf".to_owned(),
            RestrictedExpression::new_set(handler_of),
        ),
        (
            "duties".to_owned(),
            RestrictedExpression::new_set(
                user.duties
                    .iter()
                    .map(|d| RestrictedExpression::new_string(d.as_str().to_owned())),
            ),
        ),
    ]);
    if let Some(roster) = user.roster {
        attrs.insert(
            "rosterStatus".to_owned(),
            RestrictedExpression::new_string(roster.as_str().to_owned()),
        );
    }
    if let Some(age) = user.training_age_secs {
        attrs.insert(
            "trainingAgeSeconds".to_owned(),
            RestrictedExpression::new_long(age.max(0)),
        );
    }
    let designation_trained_for = user
        .designation_trained_for
        .iter()
        .map(|c| uid("Dsg::Contract", &c.to_string()).map(RestrictedExpression::new_entity_uid))
        .collect::<Result<Vec<_>, _>>()?;
    attrs.insert(
        "designationTrainedFor".to_owned(),
        RestrictedExpression::new_set(designation_trained_for),
    );
    // Only the agency's staff are ever designated; a contractor's user
    // carries no such attribute, as in decision records of version 7.
    if !user.participant_of.is_empty() {
        let participant_of = user
            .participant_of
            .iter()
            .map(|c| uid("Dsg::Contract", &c.to_string()).map(RestrictedExpression::new_entity_uid))
            .collect::<Result<Vec<_>, _>>()?;
        attrs.insert(
            "participantOf".to_owned(),
            RestrictedExpression::new_set(participant_of),
        );
    }
    attrs.insert(
        "systemUseConsented".to_owned(),
        RestrictedExpression::new_bool(user.consented),
    );
    attrs.insert(
        "companyRoles".to_owned(),
        roles_expression(&user.company_roles),
    );
    let user_entity = Entity::new(
        uid("Dsg::User", &user.id.to_string())?,
        attrs,
        HashSet::from([company.clone()]),
    )
    .map_err(|e| e.to_string())?;
    let company_entity = company_entity(&user.company.to_string(), user.company_kind.as_str())?;
    Ok((user_entity, company_entity))
}

pub(super) fn compartment_entity(
    id: &str,
    company: &str,
    contract: &str,
    phase: Option<CompartmentPhase>,
) -> Result<Entity, String> {
    let mut attrs = HashMap::from([
        (
            "company".to_owned(),
            RestrictedExpression::new_entity_uid(uid("Dsg::Company", company)?),
        ),
        (
            "contract".to_owned(),
            RestrictedExpression::new_entity_uid(uid("Dsg::Contract", contract)?),
        ),
    ]);
    if let Some(phase) = phase {
        attrs.insert("phase".to_owned(), phase_expression(phase));
    }
    Entity::new(uid("Dsg::Compartment", id)?, attrs, HashSet::new()).map_err(|e| e.to_string())
}

fn phase_expression(phase: CompartmentPhase) -> RestrictedExpression {
    RestrictedExpression::new_string(phase.as_str().to_owned())
}

/// A file, child of its compartment, with the compartment's company and
/// contract.
pub(super) fn file_entity(
    file: &FileFacts,
    compartment: EntityUid,
    company: &str,
    contract: &str,
) -> Result<Entity, String> {
    let attrs = HashMap::from([
        (
            "compartment".to_owned(),
            RestrictedExpression::new_entity_uid(compartment.clone()),
        ),
        (
            "company".to_owned(),
            RestrictedExpression::new_entity_uid(uid("Dsg::Company", company)?),
        ),
        (
            "contract".to_owned(),
            RestrictedExpression::new_entity_uid(uid("Dsg::Contract", contract)?),
        ),
        (
            "status".to_owned(),
            RestrictedExpression::new_string(file.status.as_str().to_owned()),
        ),
        ("phase".to_owned(), phase_expression(file.compartment.phase)),
    ]);
    Entity::new(
        uid("Dsg::File", &file.id.to_string())?,
        attrs,
        HashSet::from([compartment]),
    )
    .map_err(|e| e.to_string())
}

fn roles_expression(roles: &[dsg_core::CompanyRole]) -> RestrictedExpression {
    RestrictedExpression::new_set(
        roles
            .iter()
            .map(|r| RestrictedExpression::new_string(r.as_str().to_owned())),
    )
}

/// A company role designation, with its company.
pub(super) fn role_designation_entities(
    facts: &RoleDesignationFacts,
) -> Result<(Entity, Entity), String> {
    let company = company_entity(&facts.company.to_string(), facts.company_kind.as_str())?;
    let attrs = HashMap::from([
        (
            "company".to_owned(),
            RestrictedExpression::new_entity_uid(company.uid()),
        ),
        (
            "person".to_owned(),
            RestrictedExpression::new_entity_uid(uid("Dsg::User", &facts.person.to_string())?),
        ),
        (
            "role".to_owned(),
            RestrictedExpression::new_string(facts.role.as_str().to_owned()),
        ),
        ("heldRoles".to_owned(), roles_expression(&facts.held_roles)),
        (
            "outsideAuditedUnit".to_owned(),
            RestrictedExpression::new_bool(facts.outside_audited_unit),
        ),
        (
            "independentAuditors".to_owned(),
            RestrictedExpression::new_long(facts.independent_auditors.max(0)),
        ),
        (
            "auditors".to_owned(),
            RestrictedExpression::new_long(facts.auditors.max(0)),
        ),
    ]);
    let entity = Entity::new(
        uid("Dsg::RoleDesignation", &facts.id)?,
        attrs,
        HashSet::new(),
    )
    .map_err(|e| e.to_string())?;
    Ok((entity, company))
}

/// A request about a contract's end, with its compartment (for the
/// compartment's phase).
pub(super) fn end_request_entities(facts: &EndRequestFacts) -> Result<(Entity, Entity), String> {
    let c = &facts.compartment;
    let (company, contract) = (c.company.to_string(), c.contract.to_string());
    let compartment = compartment_entity(&c.id.to_string(), &company, &contract, Some(c.phase))?;
    let attrs = HashMap::from([
        (
            "compartment".to_owned(),
            RestrictedExpression::new_entity_uid(compartment.uid()),
        ),
        (
            "company".to_owned(),
            RestrictedExpression::new_entity_uid(uid("Dsg::Company", &company)?),
        ),
        (
            "contract".to_owned(),
            RestrictedExpression::new_entity_uid(uid("Dsg::Contract", &contract)?),
        ),
        (
            "kind".to_owned(),
            RestrictedExpression::new_string(facts.kind.as_str().to_owned()),
        ),
        (
            "requestedBy".to_owned(),
            RestrictedExpression::new_entity_uid(uid(
                "Dsg::User",
                &facts.requested_by.to_string(),
            )?),
        ),
        ("phase".to_owned(), phase_expression(c.phase)),
    ]);
    let entity = Entity::new(uid("Dsg::EndRequest", &facts.id)?, attrs, HashSet::new())
        .map_err(|e| e.to_string())?;
    Ok((entity, compartment))
}
