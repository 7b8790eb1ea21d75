//! What a page may offer a person: the policy point that decides an action,
//! asked without acting. Nothing is recorded, since nothing is accessed;
//! when the person presses the button, the use case decides again and
//! records. The UI shows a link or a button only when this says yes, so it
//! never re-implements a rule of the policy and cannot drift from it.

use dsg_core::{
    Company, CompanyId, CompanyKind, CompanyRole, Compartment, Duty, FileRecord, User, UserId,
};
use dsg_policy::{
    Action, ChangeRequestFacts, CompanyFacts, CompartmentFacts, FileFacts, Resource,
    RoleDesignationFacts, UserFacts,
};
use dsg_store::RoleRow;
use uuid::Uuid;

use super::{App, AppError, Caller};

/// The pages of the header's navigation a person may open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Navigation {
    /// The administrative registers (`/admin`).
    pub admin: bool,
    /// The audit log (`/audit`): the whole of it, or the own company's.
    pub audit_log: bool,
    /// The alerts of the log's analysis rules (`/alerts`).
    pub alerts: bool,
    /// The handler roster and training records (`/records`).
    pub records: bool,
    /// The policy register (`/admin/policies`).
    pub policies: bool,
    /// The terminal register (`/admin/terminals`).
    pub terminals: bool,
    /// Who can reach what (`/admin/access`).
    pub access_review: bool,
    /// Applications and the inbox (`/applications`).
    pub applications: bool,
    /// Membership applications (`/memberships`), the service provider's
    /// staff included.
    pub memberships: bool,
}

/// The forms and buttons of the administrative registers (`/admin`, its
/// accounts and terminals) a person may use: each one the action its use
/// case decides on the gateway.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdminOffers {
    /// Register a contractor company.
    pub create_company: bool,
    /// Change a company's registered name.
    pub rename_company: bool,
    /// Create an account.
    pub create_user: bool,
    /// Register a contract.
    pub create_contract: bool,
    /// Open a contract's compartment.
    pub open_compartment: bool,
    /// Designate a handler.
    pub designate_handler: bool,
    /// Remove a handler.
    pub remove_handler: bool,
    /// Unlock, disable, enable an account; enrolment links; ask for an
    /// authenticator reset.
    pub manage_accounts: bool,
    /// Register a terminal or issue it a new certificate.
    pub register_terminal: bool,
    /// Quarantine a terminal.
    pub quarantine_terminal: bool,
    /// Release a terminal from quarantine.
    pub release_terminal: bool,
    /// Revoke a terminal.
    pub revoke_terminal: bool,
}

/// The duties a page may offer to grant to one person, and those of theirs
/// it may offer to withdraw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DutyOffers {
    /// Duties the person does not hold and may be granted by the caller.
    pub grant: Vec<Duty>,
    /// Duties the person holds and the caller may withdraw.
    pub revoke: Vec<Duty>,
}

/// What a page may offer on one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileOffers {
    /// Upload a new version.
    pub upload: bool,
    /// Mark it for disposal.
    pub delete: bool,
}

/// What a page may offer on a company's roles (第5-2(3)).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RoleOffers {
    /// The roles the caller may designate someone to, as far as who
    /// designates is concerned (whether the person may hold the role with
    /// their others is decided when the form is sent), by name.
    pub designate: Vec<&'static str>,
    /// The designations in force the caller may withdraw, as they stand.
    pub revoke: Vec<String>,
}

/// A contractor company that is not the caller's, for questions asked
/// before any particular company is chosen ("may this person read a
/// contractor's records at all?"). The policy sees only its kind and that
/// it is nobody's own company.
fn some_contractor() -> Resource {
    Resource::Company(CompanyFacts {
        id: CompanyId::from_uuid(Uuid::nil()),
        kind: CompanyKind::Contractor,
    })
}

impl App {
    /// Whether `caller` may take `action` on `resource`, now or right after
    /// a step-up (a button for it is worth showing: pressing it asks for
    /// the step-up first).
    pub fn permits(&self, caller: &Caller, action: Action, resource: Resource) -> bool {
        self.decide(caller, action, resource.clone()).allowed
            || self.step_up_would_allow(caller, action, resource)
    }

    /// The navigation the header shows this caller.
    pub fn navigation(&self, caller: &Caller) -> Navigation {
        let Caller::User(user) = caller else {
            return Navigation::default();
        };
        let own = Resource::Company(CompanyFacts {
            id: user.facts.company,
            kind: user.facts.company_kind,
        });
        let on_gateway = |action| self.permits(caller, action, Resource::Gateway);
        Navigation {
            admin: on_gateway(Action::AdminRead),
            audit_log: on_gateway(Action::AuditRead)
                || self.permits(caller, Action::AuditRead, own.clone()),
            alerts: on_gateway(Action::AlertRead),
            records: self.permits(caller, Action::RecordsRead, own)
                || self.permits(caller, Action::RecordsRead, some_contractor()),
            policies: on_gateway(Action::PolicyRead),
            terminals: on_gateway(Action::TerminalRead),
            access_review: on_gateway(Action::AccessReview),
            applications: self.may_file_application(caller) || self.may_read_applications(caller),
            memberships: self.may_file_application(caller) || self.may_read_memberships(caller),
        }
    }

    /// Whether `caller` may acknowledge and close alerts.
    pub fn may_manage_alerts(&self, caller: &Caller) -> bool {
        self.permits(caller, Action::AlertManage, Resource::Gateway)
    }

    /// Whether `caller` may approve or reject the proposal `version`, made
    /// by `proposed_by` (nobody approves their own).
    pub fn may_decide_policy(&self, caller: &Caller, version: i64, proposed_by: UserId) -> bool {
        self.permits(
            caller,
            Action::PolicyApprove,
            Resource::ChangeRequest(ChangeRequestFacts {
                id: format!("policy-v{version}"),
                requested_by: proposed_by,
            }),
        )
    }

    /// Whether `caller` may take `action` on the records of the person
    /// `target` (enter a roster line, remove it, record a training).
    pub fn may_keep_records_of(&self, caller: &Caller, action: Action, target: &UserFacts) -> bool {
        self.permits(caller, action, Resource::Account(target.clone()))
    }

    /// Whether `caller` may confirm the roster line of `user` in its
    /// version `submitted_at`, submitted by `submitted_by` (the agency,
    /// someone other than the submitter).
    pub fn may_confirm_roster(
        &self,
        caller: &Caller,
        user: UserId,
        submitted_at: i64,
        submitted_by: UserId,
    ) -> bool {
        self.permits(
            caller,
            Action::RosterConfirm,
            Resource::ChangeRequest(ChangeRequestFacts {
                id: format!("roster:{user}:{submitted_at}"),
                requested_by: submitted_by,
            }),
        )
    }

    /// The forms and buttons of the administrative registers `caller` may
    /// use.
    pub fn admin_offers(&self, caller: &Caller) -> AdminOffers {
        let on_gateway = |action| self.permits(caller, action, Resource::Gateway);
        AdminOffers {
            create_company: on_gateway(Action::CompanyCreate),
            rename_company: on_gateway(Action::CompanyRename),
            create_user: on_gateway(Action::UserCreate),
            create_contract: on_gateway(Action::ContractCreate),
            open_compartment: on_gateway(Action::CompartmentOpen),
            designate_handler: on_gateway(Action::HandlerDesignate),
            remove_handler: on_gateway(Action::HandlerRemove),
            manage_accounts: on_gateway(Action::AccountManage),
            register_terminal: on_gateway(Action::TerminalRegister),
            quarantine_terminal: on_gateway(Action::TerminalQuarantine),
            release_terminal: on_gateway(Action::TerminalRelease),
            revoke_terminal: on_gateway(Action::TerminalRevoke),
        }
    }

    /// The duties `caller` may grant to `user` (who holds `held`) or
    /// withdraw: allowed by the policy point on that person (nobody assigns
    /// their own) and, for a grant, by the domain's rule of who may hold
    /// the duty ([`Duty::check_holder`]), as the use case checks both.
    pub(crate) async fn duty_offers(
        &self,
        caller: &Caller,
        user: &User,
        held: &[Duty],
    ) -> Result<DutyOffers, AppError> {
        if !matches!(caller, Caller::User(_)) {
            return Ok(DutyOffers::default());
        }
        let target = self.user_facts(user, user.state(self.now())).await?;
        let on = |action| self.permits(caller, action, Resource::Account(target.clone()));
        let (may_grant, may_revoke) = (on(Action::DutyGrant), on(Action::DutyRevoke));
        Ok(DutyOffers {
            grant: Duty::ALL
                .iter()
                .copied()
                .filter(|d| may_grant && !held.contains(d))
                .filter(|d| d.check_holder(target.company_kind, target.role).is_ok())
                .collect(),
            revoke: held.iter().copied().filter(|_| may_revoke).collect(),
        })
    }

    /// Whether `caller` may approve the authenticator reset `id` asked for
    /// by `requested_by` (a second operator: nobody approves their own).
    pub fn may_approve_reset(&self, caller: &Caller, id: &str, requested_by: &str) -> bool {
        let Ok(requested_by) = requested_by.parse() else {
            return false;
        };
        self.permits(
            caller,
            Action::AccountResetApprove,
            Resource::ChangeRequest(ChangeRequestFacts {
                id: id.to_owned(),
                requested_by,
            }),
        )
    }

    /// Whether `caller` may take the verifiable extract of `company` (an
    /// id as the page has it), decided on the company as the use case
    /// decides it.
    pub async fn may_take_extract(&self, caller: &Caller, company: &str) -> Result<bool, AppError> {
        let Ok(id) = company.trim().parse::<CompanyId>() else {
            return Ok(false);
        };
        let Some(found) = self.inner.org.company(id).await? else {
            return Ok(false);
        };
        Ok(self.permits(
            caller,
            Action::AuditExtract,
            Resource::Company(CompanyFacts {
                id,
                kind: found.kind,
            }),
        ))
    }

    /// What `caller` may do on the roles of `company`, whose designations
    /// are `rows`: the roles offered ([`Self::designatable_roles`]), and
    /// the withdrawals, each asked on the designation as it stands, as the
    /// use case asks it.
    pub(crate) async fn role_offers(
        &self,
        caller: &Caller,
        company: &Company,
        rows: &[RoleRow],
    ) -> Result<RoleOffers, AppError> {
        if !matches!(caller, Caller::User(_)) {
            return Ok(RoleOffers::default());
        }
        let designate = self
            .designatable_roles(caller, company)
            .into_iter()
            .map(CompanyRole::as_str)
            .collect();
        let auditors = self.auditors(company.id).await?;
        let mut revoke = Vec::new();
        for row in rows.iter().filter(|r| r.revoked_at.is_none()) {
            let counts = self
                .inner
                .records
                .role_counts(row.user_id, company.id)
                .await?;
            let asked = RoleDesignationFacts {
                id: row.id.to_string(),
                company: company.id,
                company_kind: company.kind,
                person: row.user_id,
                role: row.role,
                held_roles: self
                    .held_roles(company.id, row.user_id, Some(row.id))
                    .await?,
                outside_audited_unit: row.outside_audited_unit,
                independent_auditors: counts.independent_auditors,
                auditors,
            };
            if self.permits(caller, Action::RoleRevoke, Resource::RoleDesignation(asked)) {
                revoke.push(row.id.to_string());
            }
        }
        Ok(RoleOffers { designate, revoke })
    }

    /// The roles `caller` may designate in `company` as far as who
    /// designates is concerned: asked on a person holding no other role (a
    /// responsible manager: one who is a manager), with an audit department
    /// already independent.
    fn designatable_roles(&self, caller: &Caller, company: &Company) -> Vec<CompanyRole> {
        CompanyRole::ALL
            .iter()
            .copied()
            .filter(|&role| {
                let held_roles = if role == CompanyRole::ResponsibleManager {
                    vec![CompanyRole::Manager]
                } else {
                    Vec::new()
                };
                let asked = RoleDesignationFacts {
                    id: "offer".to_owned(),
                    company: company.id,
                    company_kind: company.kind,
                    person: UserId::from_uuid(Uuid::nil()),
                    role,
                    held_roles,
                    outside_audited_unit: true,
                    independent_auditors: 1,
                    auditors: 1,
                };
                self.permits(
                    caller,
                    Action::RoleDesignate,
                    Resource::RoleDesignation(asked),
                )
            })
            .collect()
    }

    /// Whether `caller` is offered the form that designates roles in
    /// `company` (an id as the page has it).
    pub async fn role_designation_offered(
        &self,
        caller: &Caller,
        company: &str,
    ) -> Result<bool, AppError> {
        let Ok(id) = company.trim().parse::<CompanyId>() else {
            return Ok(false);
        };
        let Some(found) = self.inner.org.company(id).await? else {
            return Ok(false);
        };
        Ok(!self.designatable_roles(caller, &found).is_empty())
    }

    /// Whether `caller` may store a new file in `compartment`.
    pub fn may_upload_to(&self, caller: &Caller, compartment: &Compartment) -> bool {
        self.permits(
            caller,
            Action::FileUpload,
            Resource::Compartment(compartment_facts(compartment, self.today())),
        )
    }

    /// What `caller` may do with `file` (a new version, disposal), decided
    /// on the file as it stands (a file awaiting disposal takes neither).
    pub async fn file_offers(
        &self,
        caller: &Caller,
        file: &FileRecord,
    ) -> Result<FileOffers, AppError> {
        let Some(compartment) = self
            .inner
            .org
            .compartment(&file.compartment_id.to_string())
            .await?
        else {
            return Ok(FileOffers::default());
        };
        let resource = Resource::File(FileFacts {
            id: file.id,
            compartment: compartment_facts(&compartment, self.today()),
            status: file.status,
        });
        Ok(FileOffers {
            upload: self.permits(caller, Action::FileUpload, resource.clone()),
            delete: self.permits(caller, Action::FileDelete, resource),
        })
    }
}

/// A compartment as the policy sees it.
fn compartment_facts(compartment: &Compartment, today: dsg_core::CalendarDate) -> CompartmentFacts {
    super::contract_end::compartment_facts(compartment, today)
}
