//! The policy point of one request, as the server did it (five lookups,
//! then decide) and as it does it now (the facts read as of the fact
//! generation, through the store's facts cache).

use anyhow::Context as _;
use dsg_policy::{
    AccessRequest, CompartmentFacts, Decision, DeviceFacts, Environment, PolicyEngine, Principal,
    Resource, TerminalFacts, UserFacts,
};
use dsg_store::{DeviceRow, FactGeneration, PersonRow, Store};

use crate::{RequestKeys, ENVIRONMENT, SESSION};

/// Reads the facts of one request from the store, as the server does per
/// request, and builds the policy question:
///
/// - `resolve_device`: the terminal by fingerprint, then its company (kind);
/// - `resolve_session` / `user_facts`: the user, then in one query
///   (`Store::person_facts`) their company's kind, the contracts they
///   handle, their duties, roster status and latest training;
/// - `authorize_compartment`: the compartment (joined with its contract).
///
/// The session row lookup and the rate-limited `touch_*` writes are not
/// here: the first happens with or without the policy point, the second at
/// most every 30 s per session and terminal.
pub async fn request_facts(
    store: &Store,
    keys: &RequestKeys,
    now_ms: i64,
) -> anyhow::Result<AccessRequest> {
    let device = match store.terminal_by_fingerprint(&keys.fingerprint).await? {
        Some(t) => {
            let kind = store
                .company(t.company_id)
                .await?
                .context("terminal without company")?
                .kind;
            DeviceFacts::Terminal(TerminalFacts {
                id: t.id,
                company: t.company_id,
                company_kind: kind,
                status: t.status,
                site: t.site.as_str().to_owned(),
                posture: t.posture_reported_at.map(|at| dsg_policy::PostureFacts {
                    age_secs: (now_ms - at) / 1000,
                    compliant: t.posture_compliant.unwrap_or(false),
                }),
            })
        }
        None => DeviceFacts::Unregistered,
    };
    let user = store.user(keys.user).await?.context("unknown user")?;
    let state = user.state(now_ms);
    let person = store.person_facts(user.id, user.company_id).await?;
    let facts = UserFacts {
        id: user.id,
        company: user.company_id,
        company_kind: person.company_kind.context("user without company")?,
        role: user.role,
        state,
        handler_of: person.handler_of,
        participant_of: person.participant_of,
        duties: person.duties,
        roster: person.standing.roster,
        training_age_secs: person
            .standing
            .trained_at
            .map(|at| (now_ms - at).max(0) / 1000),
        designation_trained_for: person.designation_trained_for,
        consented: person.standing.consented,
        company_roles: person.company_roles,
    };
    let resource = match &keys.compartment {
        None => Resource::Gateway,
        Some(raw) => match store.compartment(raw).await? {
            Some(c) => Resource::Compartment(CompartmentFacts {
                id: c.id,
                contract: c.contract_id,
                company: c.company_id,
                phase: dsg_core::CompartmentPhase::Active,
            }),
            None => Resource::MissingCompartment(raw.clone()),
        },
    };
    Ok(AccessRequest {
        principal: Principal::User(facts),
        action: keys.action,
        resource,
        session: SESSION,
        device,
        environment: Environment {
            source: Some(keys.source),
            ..ENVIRONMENT
        },
    })
}

/// The whole policy point of one request: [`request_facts`], then decide.
pub async fn facts_and_decide(
    store: &Store,
    engine: &PolicyEngine,
    keys: &RequestKeys,
    now_ms: i64,
) -> anyhow::Result<Decision> {
    let request = request_facts(store, keys, now_ms).await?;
    Ok(engine.decide(&request))
}

/// [`request_facts`] as the server does it now: the same facts, read as of
/// the fact generation `at` through the store's facts cache
/// (`Store::device_at`, `Store::person_at`, `Store::compartment_at`): from
/// memory while the generation holds, from the database (the same
/// queries as [`request_facts`]) when it moved.
pub async fn request_facts_at(
    store: &Store,
    keys: &RequestKeys,
    now_ms: i64,
    at: FactGeneration,
) -> anyhow::Result<AccessRequest> {
    let device = match store.device_at(at, &keys.fingerprint).await? {
        Some(DeviceRow {
            terminal: t,
            company_kind,
        }) => DeviceFacts::Terminal(TerminalFacts {
            id: t.id,
            company: t.company_id,
            company_kind,
            status: t.status,
            site: t.site.as_str().to_owned(),
            posture: t.posture_reported_at.map(|at| dsg_policy::PostureFacts {
                age_secs: (now_ms - at) / 1000,
                compliant: t.posture_compliant.unwrap_or(false),
            }),
        }),
        None => DeviceFacts::Unregistered,
    };
    let PersonRow {
        user,
        facts: person,
    } = store
        .person_at(at, keys.user)
        .await?
        .context("unknown user")?;
    let state = user.state(now_ms);
    let facts = UserFacts {
        id: user.id,
        company: user.company_id,
        company_kind: person.company_kind.context("user without company")?,
        role: user.role,
        state,
        handler_of: person.handler_of,
        participant_of: person.participant_of,
        duties: person.duties,
        roster: person.standing.roster,
        training_age_secs: person
            .standing
            .trained_at
            .map(|at| (now_ms - at).max(0) / 1000),
        designation_trained_for: person.designation_trained_for,
        consented: person.standing.consented,
        company_roles: person.company_roles,
    };
    let resource = match &keys.compartment {
        None => Resource::Gateway,
        Some(raw) => match store.compartment_at(at, raw).await? {
            Some(c) => Resource::Compartment(CompartmentFacts {
                id: c.id,
                contract: c.contract_id,
                company: c.company_id,
                phase: dsg_core::CompartmentPhase::Active,
            }),
            None => Resource::MissingCompartment(raw.clone()),
        },
    };
    Ok(AccessRequest {
        principal: Principal::User(facts),
        action: keys.action,
        resource,
        session: SESSION,
        device,
        environment: Environment {
            source: Some(keys.source),
            ..ENVIRONMENT
        },
    })
}

/// The whole policy point of one request as the server does it now, for a
/// request without a session to carry the generation: the generation read
/// on its own (one primary-key `SELECT`), then [`request_facts_at`], then
/// decide.
pub async fn facts_and_decide_at(
    store: &Store,
    engine: &PolicyEngine,
    keys: &RequestKeys,
    now_ms: i64,
) -> anyhow::Result<Decision> {
    let at = store.fact_generation().await?;
    let request = request_facts_at(store, keys, now_ms, at).await?;
    Ok(engine.decide(&request))
}

/// A request's start and policy point before: the session row, then
/// [`facts_and_decide`].
pub async fn session_then_facts(
    store: &Store,
    engine: &PolicyEngine,
    keys: &RequestKeys,
    now_ms: i64,
) -> anyhow::Result<Decision> {
    store
        .session(&keys.session)
        .await?
        .context("session not found")?;
    facts_and_decide(store, engine, keys, now_ms).await
}

/// A request's start and policy point now: the session row and the
/// generation in one query (`Store::session_at`), then
/// [`request_facts_at`] and decide.
pub async fn session_then_facts_at(
    store: &Store,
    engine: &PolicyEngine,
    keys: &RequestKeys,
    now_ms: i64,
) -> anyhow::Result<Decision> {
    let (session, at) = store.session_at(&keys.session).await?;
    session.context("session not found")?;
    let request = request_facts_at(store, keys, now_ms, at).await?;
    Ok(engine.decide(&request))
}
