//! Reading the records: a company's roster and trainings (page, API,
//! CSV), the directory of companies whose records the caller may read.
//! Every read is decided by the policy point and recorded.

use dsg_core::{AuditAction, AuditObject, CompanyId, CompanyKind, ContractId, Outcome, UserId};
use dsg_policy::{Action, CompanyFacts, Resource};
use serde::Serialize;

use dsg_store::RosterRow;

use super::{RosterLine, TrainingEntry};
use crate::admin::parse_id;
use crate::{App, AppError, Caller, RequestMeta};

/// One person of a company, with their roster line and training standing.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRecords {
    /// The person.
    pub user_id: String,
    /// Their login name.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// Their roster line, if they have one.
    pub roster: Option<RosterLine>,
    /// The day of their latest training, if any.
    pub last_trained_on: Option<String>,
    /// Whether that training is recent enough where the deployment requires
    /// one (always true where it does not).
    pub training_current: bool,
    /// Their written consent as a protected-system user, if recorded.
    pub consent: Option<super::ConsentEntry>,
    /// What the reader may do with this person's records.
    pub offers: RecordOffers,
}

/// What the reader of a company's records may do with one person's: asked
/// of the policy point without acting (the use case decides again, and
/// records, when it is done). The page shows only these buttons.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct RecordOffers {
    /// Enter or change the person's roster line.
    pub submit: bool,
    /// Take the person off the roster.
    pub remove: bool,
    /// Record a training the person took.
    pub record_training: bool,
    /// Confirm the line awaiting confirmation (not the submitter's own).
    pub confirm: bool,
    /// Record the person's written consent as a protected-system user.
    pub record_consent: bool,
    /// Withdraw their consent in force.
    pub withdraw_consent: bool,
}

/// Why a company's records are read: on a page (or the API), or downloaded
/// as a file, whole or for one contract. All are decided alike and
/// recorded under their own action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordsRead {
    /// Shown (`records.view`).
    View,
    /// Downloaded as CSV (`records.export`).
    Export,
    /// One contract's roster downloaded as CSV (`records.export`, the
    /// contract in the entry's reason).
    ExportContract(ContractId),
}

impl RecordsRead {
    fn audit_action(self) -> AuditAction {
        match self {
            Self::View => AuditAction::RecordsView,
            Self::Export | Self::ExportContract(_) => AuditAction::RecordsExport,
        }
    }
}

/// One contract of the company and its designated handlers: the standard's
/// roster is submitted per contract.
#[derive(Debug, Clone, Serialize)]
pub struct ContractRoster {
    /// The contract.
    pub contract_id: String,
    /// Its number as printed.
    pub number: String,
    /// Its subject.
    pub title: String,
    /// The user ids of its designated handlers.
    pub handlers: Vec<String>,
}

/// A company's records as its administrator or the agency sees them.
#[derive(Debug, Clone, Serialize)]
pub struct CompanyRecords {
    /// The company.
    pub company_id: String,
    /// Its name.
    pub company_name: String,
    /// Everyone of the company, with their standing.
    pub people: Vec<PersonRecords>,
    /// The company's contracts and who handles each.
    pub contracts: Vec<ContractRoster>,
    /// Every training recorded, newest first.
    pub trainings: Vec<TrainingEntry>,
    /// The company's role designations (withdrawn ones included), oldest first.
    pub roles: Vec<super::RoleEntry>,
    /// What the reader may do on the company's roles.
    pub role_offers: crate::RoleOffers,
    /// Whether this deployment requires a protected-system user's consent for data.
    pub consent_required: bool,
    /// Whether this deployment requires a confirmed roster line for data.
    pub roster_required: bool,
    /// The longest a training stays current for data, in days, where required.
    pub training_valid_days: Option<u32>,
    /// Whether a contract's data needs the handler's training on designation.
    pub designation_training_required: bool,
}

impl App {
    /// A company's roster and training records, opened, for its security
    /// administrator or the agency. The read is recorded. A contractor
    /// asking for another company is answered not-found.
    pub async fn company_records(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company_id: &str,
        purpose: RecordsRead,
    ) -> Result<CompanyRecords, AppError> {
        let company_id: CompanyId = parse_id(company_id, "company")?;
        let object = AuditObject::Company(Some(company_id));
        let audit_action = purpose.audit_action();
        let company = self
            .authorize_records_read(meta, caller, company_id, audit_action, object)
            .await?;
        let inner = &*self.inner;
        // The contract asked for, checked before anything is opened.
        let mut contracts = Vec::new();
        for contract in inner.org.contracts_of_company(company_id).await? {
            let handlers = inner.org.handlers(contract.id).await?;
            contracts.push(ContractRoster {
                contract_id: contract.id.to_string(),
                number: contract.number.to_string(),
                title: contract.title,
                handlers: handlers.iter().map(|h| h.user_id.to_string()).collect(),
            });
        }
        let reason = match purpose {
            RecordsRead::ExportContract(contract) => {
                let contract = contract.to_string();
                if !contracts.iter().any(|c| c.contract_id == contract) {
                    // Allowed to read the company, but it has no such
                    // contract: recorded, and answered like any missing id.
                    let none = Self::audit(
                        meta,
                        caller,
                        audit_action,
                        AuditObject::Company(Some(company_id)),
                        Outcome::Failure,
                        format!("no contract {contract} of the company"),
                    );
                    self.record(&none).await?;
                    return Err(AppError::NotFound);
                }
                format!("contract={contract}")
            }
            RecordsRead::View | RecordsRead::Export => String::new(),
        };
        let lines = inner.records.roster(Some(company_id)).await?;
        let trainings = inner.records.trainings(company_id).await?;
        let consents = inner.records.consents(company_id).await?;
        let mut people = Vec::new();
        for user in inner.org.users_of_company(company_id).await? {
            let roster = lines
                .iter()
                .find(|l| l.user_id == user.id)
                .map(|l| self.open_roster_line(l))
                .transpose()?;
            let last = trainings.iter().find(|t| t.user_id == user.id);
            let consent = consents
                .iter()
                .find(|c| c.user_id == user.id)
                .map(|c| self.open_consent(c))
                .transpose()?;
            let in_force = consent.as_ref().is_some_and(|c| c.consented);
            let offers = self
                .record_offers(caller, &user, roster.as_ref(), in_force)
                .await?;
            people.push(PersonRecords {
                user_id: user.id.to_string(),
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                roster,
                last_trained_on: last.map(|t| t.completed_on.clone()),
                training_current: self.training_current(last.map(|t| t.completed_at)),
                consent,
                offers,
            });
        }
        let trainings = trainings
            .iter()
            .map(|t| self.open_training(t))
            .collect::<Result<Vec<_>, _>>()?;
        let role_rows = inner.records.company_roles(company_id).await?;
        let role_offers = self.role_offers(caller, &company, &role_rows).await?;
        let roles = role_rows
            .iter()
            .map(|r| self.open_role(r))
            .collect::<Result<Vec<_>, _>>()?;
        let zero_trust = &self.inner.config.zero_trust;
        let record = Self::audit(
            meta,
            caller,
            audit_action,
            AuditObject::Company(Some(company_id)),
            Outcome::Success,
            reason,
        );
        self.record(&record).await?;
        Ok(CompanyRecords {
            company_id: company_id.to_string(),
            company_name: company.name,
            people,
            contracts,
            trainings,
            roles,
            role_offers,
            consent_required: zero_trust.require_system_use_consent,
            roster_required: zero_trust.require_confirmed_roster,
            training_valid_days: (zero_trust.training_valid_days > 0)
                .then_some(zero_trust.training_valid_days),
            designation_training_required: zero_trust.require_designation_training,
        })
    }

    /// The companies whose records the caller may read: every contractor
    /// for the agency, their own for a contractor's security administrator.
    /// With the roster lines awaiting confirmation in each.
    pub async fn records_directory(
        &self,
        caller: &Caller,
    ) -> Result<Vec<(dsg_core::Company, usize)>, AppError> {
        let inner = &*self.inner;
        let waiting = inner.records.roster_awaiting_confirmation().await?;
        let mut out = Vec::new();
        for company in inner.org.list_companies().await? {
            if company.kind != CompanyKind::Contractor {
                continue;
            }
            let resource = Resource::Company(CompanyFacts {
                id: company.id,
                kind: company.kind,
            });
            if !self.decide(caller, Action::RecordsRead, resource).allowed {
                continue;
            }
            let waiting = waiting.get(&company.id).copied().unwrap_or(0);
            out.push((company, waiting));
        }
        Ok(out)
    }

    pub(crate) async fn authorize_records_read(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company_id: CompanyId,
        audit_action: AuditAction,
        object: AuditObject,
    ) -> Result<dsg_core::Company, AppError> {
        let company = self.inner.org.company(company_id).await?;
        let kind = company.as_ref().map_or(CompanyKind::Contractor, |c| c.kind);
        self.authorize_named(
            meta,
            caller,
            (
                Action::RecordsRead,
                Resource::Company(CompanyFacts {
                    id: company_id,
                    kind,
                }),
            ),
            company.as_ref().map(|c| c.id),
            audit_action,
            object,
        )
        .await?;
        company.ok_or(AppError::NotFound)
    }

    /// A roster line the caller may read (they may read its company's
    /// records); a denial is recorded under `audit_action`.
    pub(super) async fn readable_roster_line(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        user_id: &str,
        audit_action: AuditAction,
    ) -> Result<(RosterRow, CompanyId), AppError> {
        let user_id: UserId = parse_id(user_id, "user")?;
        let user = self.inner.org.user(user_id).await?;
        // A missing person: a company nobody belongs to, decided on alike.
        let company = user
            .as_ref()
            .map_or_else(CompanyId::random, |u| u.company_id);
        let object = AuditObject::User(user_id);
        self.authorize_records_read(meta, caller, company, audit_action, object)
            .await?;
        let row = self
            .inner
            .records
            .roster_entry(user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((row, company))
    }

    /// What `caller` may do with the records of `user`, whose roster line
    /// is `line`.
    async fn record_offers(
        &self,
        caller: &Caller,
        user: &dsg_core::User,
        line: Option<&RosterLine>,
        consented: bool,
    ) -> Result<RecordOffers, AppError> {
        let facts = self.user_facts(user, user.state(self.now())).await?;
        let may = |action| self.may_keep_records_of(caller, action, &facts);
        let confirm = line
            .filter(|l| l.status == "submitted")
            .and_then(|l| Some((l.submitted_at, l.submitted_by.parse::<UserId>().ok()?)))
            .is_some_and(|(at, by)| self.may_confirm_roster(caller, user.id, at, by));
        Ok(RecordOffers {
            submit: may(Action::RosterSubmit),
            remove: line.is_some_and(|l| l.status != "removed") && may(Action::RosterRemove),
            record_training: may(Action::TrainingRecord),
            confirm,
            record_consent: may(Action::ConsentRecord),
            withdraw_consent: consented && may(Action::ConsentWithdraw),
        })
    }
}
