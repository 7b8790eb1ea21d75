//! The operator's registers: companies, users, contracts, compartments and
//! handler designations.

use dsg_core::names::label;
use dsg_core::{
    AuditAction, AuditObject, CalendarDate, Company, CompanyId, CompanyKind, Compartment,
    CompartmentId, Contract, ContractId, ContractNumber, Outcome, Role, User, UserId, Username,
};
use dsg_crypto::{random_token, token_hash, SecretString};
use dsg_policy::Action;
use dsg_store::{HandlerRow, NewUser};

use super::policies::with_decision;
use super::{App, AppError, Caller, RequestMeta};

/// Input for registering a company.
#[derive(Debug, Clone)]
pub struct NewCompany {
    /// Registered name.
    pub name: String,
}

/// Input for registering a user.
#[derive(Debug)]
pub struct NewUserInput {
    /// The user's organisation.
    pub company_id: String,
    /// Login name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// `operator` or `member`.
    pub role: String,
    /// Last day the account may be used (`YYYY-MM-DD`, e.g. the contract's
    /// end), if limited.
    pub valid_until: Option<String>,
}

/// A registered account and its one-time enrolment link token.
#[derive(Debug)]
pub struct IssuedAccount {
    /// The account, pending enrolment.
    pub user: User,
    /// The enrolment token (for `/enrol?token=…`), shown once.
    pub enrolment_token: SecretString,
}

/// Input for registering a contract.
#[derive(Debug, Clone)]
pub struct NewContract {
    /// The contractor.
    pub company_id: String,
    /// Contract number.
    pub number: String,
    /// Subject.
    pub title: String,
    /// First day.
    pub starts_on: String,
    /// Last day.
    pub ends_on: String,
    /// Carries the information-security special clause.
    pub special_clause: bool,
}

pub(super) fn parse_id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, AppError> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::Invalid(format!("{what} is not a valid id")))
}

impl App {
    /// Creates the agency and its first operator on an empty database. Used
    /// by `dsg init` / first start; no session is involved.
    pub async fn bootstrap(
        &self,
        agency_name: &str,
        username: &str,
    ) -> Result<IssuedAccount, AppError> {
        let meta = RequestMeta {
            request_id: dsg_core::RequestId::new().to_string(),
            source: None,
            user_agent: None,
            terminal: None,
            certificate: None,
        };
        let now = self.now();
        let company = Company {
            id: CompanyId::random(),
            name: label("company name", agency_name, 200)?,
            kind: CompanyKind::Agency,
            created_at: now,
        };
        let record = Self::audit(
            &meta,
            &Caller::Anonymous,
            AuditAction::Bootstrap,
            AuditObject::Company(Some(company.id)),
            Outcome::Success,
            "first-start",
        );
        self.inner
            .org
            .create_company(&company, now, &record)
            .await?;
        self.insert_user(
            &meta,
            &Caller::Anonymous,
            company.id,
            username,
            username,
            Role::Operator,
            None,
        )
        .await
    }

    #[allow(clippy::too_many_arguments, reason = "the fields of one new account")]
    #[allow(clippy::too_many_arguments, reason = "the fields of one account")]
    async fn insert_user(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company_id: CompanyId,
        username: &str,
        display_name: &str,
        role: Role,
        valid_until: Option<i64>,
    ) -> Result<IssuedAccount, AppError> {
        let username = Username::parse(username)?;
        let display_name = label("display name", display_name, 100)?;
        let now = self.now();
        let new = NewUser {
            id: UserId::random(),
            company_id,
            username: username.as_str().to_owned(),
            display_name: display_name.clone(),
            role,
            valid_until,
        };
        let record = Self::audit(
            meta,
            caller,
            AuditAction::UserCreate,
            AuditObject::User(new.id),
            Outcome::Success,
            // The role is in the entry so the analysis rules see a new
            // operator account (a privilege change).
            format!(
                "agency-operator-administers;enrolment-link-issued;role={}",
                role.as_str()
            ),
        );
        let token = random_token(self.inner.rng.as_ref())?;
        self.inner
            .org
            .create_user(
                &new,
                (&token_hash(token.expose()), self.enrolment_expiry(now)),
                now,
                &record,
            )
            .await?;
        Ok(IssuedAccount {
            user: User {
                id: new.id,
                company_id,
                username: new.username,
                display_name,
                role,
                status: dsg_core::AccountStatus::Active,
                created_at: now,
                enrolled_at: None,
                valid_until,
                locked_until: None,
            },
            enrolment_token: token,
        })
    }

    /// Registers a contractor company.
    pub async fn create_company(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        input: NewCompany,
    ) -> Result<Company, AppError> {
        let (_, decision) = self
            .authorize_admin(
                meta,
                caller,
                Action::CompanyCreate,
                AuditAction::CompanyCreate,
            )
            .await?;
        let now = self.now();
        let company = Company {
            id: CompanyId::random(),
            name: label("company name", &input.name, 200)?,
            kind: CompanyKind::Contractor,
            created_at: now,
        };
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::CompanyCreate,
            AuditObject::Company(Some(company.id)),
            Outcome::Success,
            &decision,
        );
        self.inner
            .org
            .create_company(&company, now, &record)
            .await?;
        Ok(company)
    }

    /// Changes the registered name of the company `id` (the agency's own
    /// included); recorded with the decision.
    pub async fn rename_company(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
        name: &str,
    ) -> Result<Company, AppError> {
        let (_, decision) = self
            .authorize_admin(
                meta,
                caller,
                Action::CompanyRename,
                AuditAction::CompanyRename,
            )
            .await?;
        let id: CompanyId = parse_id(id, "company")?;
        let mut company = self
            .inner
            .org
            .company(id)
            .await?
            .ok_or(AppError::NotFound)?;
        company.name = label("company name", name, 200)?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::CompanyRename,
            AuditObject::Company(Some(id)),
            Outcome::Success,
            &decision,
        );
        self.inner
            .org
            .rename_company(id, &company.name, self.now(), &record)
            .await?;
        Ok(company)
    }

    /// Registers a user of a company.
    pub async fn create_user(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        input: NewUserInput,
    ) -> Result<IssuedAccount, AppError> {
        self.authorize_admin(meta, caller, Action::UserCreate, AuditAction::UserCreate)
            .await?;
        let company_id: CompanyId = parse_id(&input.company_id, "company")?;
        let company = self
            .inner
            .org
            .company(company_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let role = Role::parse(&input.role)?;
        role.check_company(company.kind)?;
        let valid_until = match input.valid_until.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(day) => Some(end_of_day_ms(
                "valid until",
                day,
                self.inner.config.zero_trust.utc_offset_minutes,
            )?),
        };
        self.insert_user(
            meta,
            caller,
            company_id,
            &input.username,
            &input.display_name,
            role,
            valid_until,
        )
        .await
    }

    /// Registers a contract.
    pub async fn create_contract(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        input: NewContract,
    ) -> Result<Contract, AppError> {
        let (_, decision) = self
            .authorize_admin(
                meta,
                caller,
                Action::ContractCreate,
                AuditAction::ContractCreate,
            )
            .await?;
        let company_id: CompanyId = parse_id(&input.company_id, "company")?;
        let company = self
            .inner
            .org
            .company(company_id)
            .await?
            .ok_or(AppError::NotFound)?;
        company.kind.check_contract_party()?;
        let starts_on = CalendarDate::parse("start date", &input.starts_on)?;
        let ends_on = CalendarDate::parse("end date", &input.ends_on)?;
        Contract::check_period(&starts_on, &ends_on)?;
        let now = self.now();
        let contract = Contract {
            id: ContractId::random(),
            company_id,
            number: ContractNumber::parse(&input.number)?,
            title: label("title", &input.title, 300)?,
            starts_on,
            ends_on,
            special_clause: input.special_clause,
            created_at: now,
        };
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::ContractCreate,
            AuditObject::Contract(contract.id),
            Outcome::Success,
            &decision,
        );
        self.inner
            .org
            .create_contract(&contract, now, &record)
            .await?;
        Ok(contract)
    }

    /// Opens the compartment of a special-clause contract.
    pub async fn open_compartment(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        contract_id: &str,
    ) -> Result<Compartment, AppError> {
        let (_, decision) = self
            .authorize_admin(
                meta,
                caller,
                Action::CompartmentOpen,
                AuditAction::CompartmentOpen,
            )
            .await?;
        let contract_id: ContractId = parse_id(contract_id, "contract")?;
        let contract = self
            .inner
            .org
            .contract(contract_id)
            .await?
            .ok_or(AppError::NotFound)?;
        contract.check_compartment()?;
        let now = self.now();
        let id = CompartmentId::random();
        let quota =
            i64::try_from(self.inner.config.limits.compartment_quota_bytes).unwrap_or(i64::MAX);
        let compartment = Compartment {
            id,
            contract_id,
            company_id: contract.company_id,
            wrapped_key: self.new_compartment_key(id)?,
            key_version: 1,
            quota_bytes: quota,
            used_bytes: 0,
            created_at: now,
            end: dsg_core::CompartmentEnd {
                ends_on: contract.ends_on,
                kept_until: None,
                closed_at: None,
            },
        };
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::CompartmentOpen,
            AuditObject::Compartment(id),
            Outcome::Success,
            &decision,
        );
        self.inner
            .org
            .open_compartment(&compartment, now, &record)
            .await?;
        Ok(compartment)
    }

    /// Removes a handler designation.
    pub async fn remove_handler(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        contract_id: &str,
        user_id: &str,
    ) -> Result<(), AppError> {
        let (_, decision) = self
            .authorize_admin(
                meta,
                caller,
                Action::HandlerRemove,
                AuditAction::HandlerRemove,
            )
            .await?;
        let contract_id: ContractId = parse_id(contract_id, "contract")?;
        let user_id: UserId = parse_id(user_id, "user")?;
        let record = with_decision(
            Self::audit(
                meta,
                caller,
                AuditAction::HandlerRemove,
                AuditObject::Contract(contract_id),
                Outcome::Success,
                format!("{};user={user_id}", decision.reason()),
            ),
            &decision,
        );
        // The account follows the rosters: removed from its last contract,
        // it is disabled and its sessions end in the same transaction.
        let disable = Self::audit(
            meta,
            caller,
            AuditAction::AccountDisable,
            AuditObject::User(user_id),
            Outcome::Success,
            "roster:removed-from-last-contract",
        );
        self.inner
            .org
            .remove_handler(contract_id, user_id, self.now(), &record, Some(&disable))
            .await?;
        Ok(())
    }

    /// Everything an operator's overview shows.
    pub async fn admin_overview(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<AdminOverview, AppError> {
        self.authorize_admin(meta, caller, Action::AdminRead, AuditAction::AdminView)
            .await?;
        self.registers().await
    }

    /// Every company, account, contract and compartment; the caller has
    /// been authorized already.
    pub(super) async fn registers(&self) -> Result<AdminOverview, AppError> {
        let inner = &*self.inner;
        Ok(AdminOverview {
            companies: inner.org.list_companies().await?,
            users: inner.org.list_users().await?,
            contracts: inner.org.list_contracts().await?,
            compartments: inner.org.list_compartments().await?,
        })
    }

    /// The handlers of a contract (operators only).
    pub async fn contract_handlers(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        contract_id: &str,
    ) -> Result<(Contract, Vec<HandlerRow>), AppError> {
        self.authorize_admin(meta, caller, Action::AdminRead, AuditAction::AdminView)
            .await?;
        let contract_id: ContractId = parse_id(contract_id, "contract")?;
        let contract = self
            .inner
            .org
            .contract(contract_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let handlers = self.inner.org.handlers(contract_id).await?;
        Ok((contract, handlers))
    }
}

/// The registers as an operator sees them.
#[derive(Debug, Clone)]
pub struct AdminOverview {
    /// All organisations.
    pub companies: Vec<Company>,
    /// All accounts.
    pub users: Vec<User>,
    /// All contracts.
    pub contracts: Vec<Contract>,
    /// All compartments (metadata only; operators do not see contents).
    pub compartments: Vec<Compartment>,
}

/// The first millisecond after the given day in the deployment's time zone
/// (`zero_trust.utc_offset_minutes` east of UTC; JST by default): an
/// account valid until that day stops at its end there.
fn end_of_day_ms(field: &'static str, day: &str, utc_offset_minutes: i32) -> Result<i64, AppError> {
    let next = CalendarDate::parse(field, day)?
        .next_day()
        .ok_or_else(|| AppError::Invalid(format!("{field} is out of range")))?;
    Ok(next.start_unix_ms_at(utc_offset_minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_last_valid_day_ends_at_local_midnight() {
        // 2027-04-01T00:00+09:00 is 2027-03-31T15:00Z.
        let jst = end_of_day_ms("d", "2027-03-31", 540).unwrap();
        assert_eq!(jst, 1_806_505_200_000);
        // The same day in UTC ends nine hours later.
        assert_eq!(
            end_of_day_ms("d", "2027-03-31", 0).unwrap(),
            jst + 9 * 3_600_000
        );
        assert!(end_of_day_ms("d", "2027-02-29", 540).is_err());
    }
}
