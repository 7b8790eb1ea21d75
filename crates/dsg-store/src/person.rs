//! What the policy point reads about a person on every request, in one
//! round trip: their company's kind, the contracts they handle, their
//! duties, their roster status, their latest training, the contracts
//! they were trained for on designation, their protected-system consent and
//! their company roles. One query rather
//! than one per fact, because it is on the path of every request.

use dsg_core::{CompanyId, CompanyKind, CompanyRole, ContractId, Duty, RosterStatus, UserId};
use sqlx::{Any, Row};

use crate::{Store, StoreError};

/// A person's facts as of this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    /// Whether their company is the agency or a contractor; `None` if the
    /// company row is missing (the caller treats that as corruption).
    pub company_kind: Option<CompanyKind>,
    /// The contracts they are a designated handler of.
    pub handler_of: Vec<ContractId>,
    /// The contracts they are an agency participant of.
    pub participant_of: Vec<ContractId>,
    /// Their duties.
    pub duties: Vec<Duty>,
    /// Their roster status and latest training.
    pub standing: crate::Standing,
    /// The contracts they handle or participate in with a training on
    /// designation (course `designation`) dated on or after the day of that
    /// designation.
    pub designation_trained_for: Vec<ContractId>,
    /// The company roles they hold (経営者等, 総括者 …), each once.
    pub company_roles: Vec<CompanyRole>,
}

/// The condition, on a `handlers h` row, of a designation-course training
/// dated on or after the day of the designation. A training's
/// `completed_at` is the midnight its date began in the deployment's time
/// zone, so it is at or after the midnight the designation's day began
/// exactly when it is later than one day before the designation.
macro_rules! trained_on_designation {
    () => {
        "EXISTS (SELECT 1 FROM training_records t WHERE t.user_id = h.user_id \
         AND t.course = 'designation' AND t.completed_at > h.designated_at - 86400000)"
    };
}
pub(crate) use trained_on_designation;

impl Store {
    /// The facts of `user` (of `company`) the policy point needs, in one
    /// query: one tagged row per fact.
    pub async fn person_facts(
        &self,
        user: UserId,
        company: CompanyId,
    ) -> Result<PersonFacts, StoreError> {
        let rows = sqlx::query::<Any>(concat!(
            "SELECT 'kind' AS fact, kind AS value FROM companies WHERE id = $2 \
             UNION ALL SELECT 'contract', contract_id FROM handlers WHERE user_id = $1 \
             UNION ALL SELECT 'duty', duty FROM user_duties WHERE user_id = $1 \
             UNION ALL SELECT 'roster', status FROM roster_entries WHERE user_id = $1 \
             UNION ALL SELECT 'trained', CAST(MAX(completed_at) AS TEXT) \
               FROM training_records WHERE user_id = $1 \
             UNION ALL SELECT 'participant', contract_id FROM agency_participants \
               WHERE user_id = $1 \
             UNION ALL SELECT 'consent', status FROM system_use_consents WHERE user_id = $1 \
             UNION ALL SELECT 'role', role FROM company_roles \
               WHERE user_id = $1 AND revoked_at IS NULL \
             UNION ALL SELECT 'designation', h.contract_id FROM handlers h \
               WHERE h.user_id = $1 AND ",
            trained_on_designation!(),
            " UNION ALL SELECT 'designation', h.contract_id FROM agency_participants h \
               WHERE h.user_id = $1 AND ",
            trained_on_designation!()
        ))
        .bind(user.to_string())
        .bind(company.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut facts = PersonFacts {
            company_kind: None,
            handler_of: Vec::new(),
            participant_of: Vec::new(),
            duties: Vec::new(),
            standing: crate::Standing::default(),
            designation_trained_for: Vec::new(),
            company_roles: Vec::new(),
        };
        for row in &rows {
            let fact: String = row.try_get("fact")?;
            let Some(value) = row.try_get::<Option<String>, _>("value")? else {
                continue;
            };
            match fact.as_str() {
                "kind" => facts.company_kind = Some(CompanyKind::parse(&value)?),
                "contract" => facts.handler_of.push(value.parse()?),
                "participant" => facts.participant_of.push(value.parse()?),
                "designation" => facts.designation_trained_for.push(value.parse()?),
                "duty" => facts.duties.push(Duty::parse(&value)?),
                "consent" => facts.standing.consented = value == "consented",
                "role" => facts.company_roles.push(CompanyRole::parse(&value)?),
                "roster" => facts.standing.roster = Some(RosterStatus::parse(&value)?),
                "trained" => {
                    let at = value
                        .parse()
                        .map_err(|_| StoreError::Corrupt("training time".into()))?;
                    facts.standing.trained_at = Some(at);
                }
                other => return Err(StoreError::Corrupt(format!("person fact {other}"))),
            }
        }
        facts.duties.sort_by_key(|d| d.as_str());
        // A manager of two assets holds the role once.
        facts.company_roles.sort_by_key(|r| r.as_str());
        facts.company_roles.dedup();
        Ok(facts)
    }
}
