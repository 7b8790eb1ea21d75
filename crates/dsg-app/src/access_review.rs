//! "Who has access" (zero trust, access review): for a compartment, the
//! people who could reach it now and from which terminals, with why; for a
//! person, every compartment they could reach.
//!
//! The answer comes from the policy point itself, never from a second
//! reading of the rules: for each candidate person and each of the
//! terminals they could use, the engine in force decides `file.read` on the
//! compartment with the person's real facts (company, role, account state
//! now, contracts handled), the terminal's real facts from the register, a
//! best-case session (WebAuthn, fresh step-up: "after logging in properly")
//! and the environment of now. A person has access if at least one of
//! those decisions allows it. The request without any terminal is decided
//! too, so a policy that stopped requiring a terminal shows up as such.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use dsg_core::{
    AccountState, AuditAction, AuditObject, Company, CompanyId, CompanyKind, Compartment,
    CompartmentId, ContractId, Duty, MfaMethod, Outcome, Terminal, TerminalId, TerminalStatus,
    User, UserId,
};
use dsg_policy::{
    AccessRequest, Action, CompartmentFacts, DeviceFacts, Environment, Principal, Resource,
    SessionFacts, TerminalFacts, UserFacts,
};

use dsg_store::Standing;

use super::policies::ActivePolicy;
use super::{App, AppError, Caller, RequestMeta};

/// Most policy decisions one review may take (people × terminals, or
/// compartments × terminals); beyond it the review is refused rather than
/// left to run for minutes.
pub const MAX_REVIEW_DECISIONS: usize = 250_000;

/// A terminal from which someone could reach a compartment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalRef {
    /// The terminal.
    pub id: TerminalId,
    /// Its asset name.
    pub name: String,
    /// Where it is kept.
    pub site: String,
}

/// One reason in an access review's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The person is a designated handler of the compartment's contract.
    HandlerOf(String),
    /// The person is a designated agency participant of the contract.
    ParticipantOf(String),
    /// The policies that allowed it (`@id`s).
    AllowedBy(Vec<String>),
    /// The policy allows it even without a registered terminal.
    NoTerminalNeeded,
    /// The account is not active now.
    Account(AccountState),
    /// The person's company has no active registered terminal (none they
    /// could use).
    NoActiveTerminal,
    /// One of the terminals they could use is quarantined or revoked.
    TerminalNotActive {
        /// The terminal's name.
        name: String,
        /// Its status.
        status: TerminalStatus,
    },
    /// Their handler-roster line is missing, awaiting confirmation or
    /// removed, and the deployment requires a confirmed one.
    RosterUnconfirmed,
    /// Their security training is missing or too old, and the deployment
    /// requires a current one.
    TrainingLapsed,
    /// No training on designation is recorded for the contract since they
    /// were designated, and the deployment requires one.
    DesignationUntrained,
    /// The policies that denied it (`@id`s, or `default-deny`).
    DeniedBy(Vec<String>),
}

impl Why {
    /// The reason in words, in Japanese or English.
    pub fn text(&self, japanese: bool) -> String {
        match (self, japanese) {
            (Self::HandlerOf(n), true) => format!("契約 {n} の取扱者"),
            (Self::HandlerOf(n), false) => format!("handler of contract {n}"),
            (Self::ParticipantOf(n), true) => format!("契約 {n} の官側参加者"),
            (Self::ParticipantOf(n), false) => format!("agency participant of contract {n}"),
            (Self::AllowedBy(p), true) => format!("許可したポリシー: {}", p.join(", ")),
            (Self::AllowedBy(p), false) => format!("allowed by policy: {}", p.join(", ")),
            (Self::NoTerminalNeeded, true) => "登録端末なしでも許可される".to_owned(),
            (Self::NoTerminalNeeded, false) => {
                "allowed even without a registered terminal".to_owned()
            }
            (Self::Account(s), true) => format!("アカウントが有効ではない（{}）", s.as_str()),
            (Self::Account(s), false) => format!("account is not active ({})", s.as_str()),
            (Self::NoActiveTerminal, true) => "利用できる有効な登録端末がない".to_owned(),
            (Self::NoActiveTerminal, false) => {
                "no active registered terminal they could use".to_owned()
            }
            (Self::TerminalNotActive { name, status }, true) => {
                let state = match status {
                    TerminalStatus::Quarantined => "隔離中",
                    TerminalStatus::Revoked => "登録取消",
                    TerminalStatus::Active => "有効",
                };
                format!("端末 {name} は{state}（{}）", status.as_str())
            }
            (Self::TerminalNotActive { name, status }, false) => {
                format!("terminal {name} is {}", status.as_str())
            }
            (Self::RosterUnconfirmed, true) => "取扱者名簿への記載が確認されていない".to_owned(),
            (Self::RosterUnconfirmed, false) => {
                "not on the handler roster as confirmed by the agency".to_owned()
            }
            (Self::TrainingLapsed, true) => "情報セキュリティ教育が未受講または期限切れ".to_owned(),
            (Self::TrainingLapsed, false) => "security training missing or lapsed".to_owned(),
            (Self::DesignationUntrained, true) => "指定時の教育が未記録".to_owned(),
            (Self::DesignationUntrained, false) => {
                "no training on designation recorded for this contract".to_owned()
            }
            (Self::DeniedBy(p), true) => format!("拒否したポリシー: {}", p.join(", ")),
            (Self::DeniedBy(p), false) => format!("denied by policy: {}", p.join(", ")),
        }
    }
}

/// One person in a compartment's review.
#[derive(Debug, Clone)]
pub struct AccessEntry {
    /// The person.
    pub user_id: UserId,
    /// Their login name.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// Their company.
    pub company_id: CompanyId,
    /// Its name.
    pub company_name: String,
    /// Their account state now.
    pub account_state: AccountState,
    /// Whether they are a designated handler of the compartment's contract.
    pub handler: bool,
    /// Whether they could reach the compartment now.
    pub allowed: bool,
    /// The terminals they could reach it from.
    pub terminals: Vec<TerminalRef>,
    /// Why (or why not).
    pub why: Vec<Why>,
}

/// Who could reach a compartment now. Lists everyone allowed, and the
/// designated handlers who could not, with the reason.
#[derive(Debug, Clone)]
pub struct CompartmentAccess {
    /// The compartment.
    pub compartment_id: CompartmentId,
    /// Its contract.
    pub contract_id: ContractId,
    /// The contract's number.
    pub contract_number: String,
    /// The contract's subject.
    pub contract_title: String,
    /// The contractor.
    pub company_id: CompanyId,
    /// Its name.
    pub company_name: String,
    /// The policy version that decided.
    pub policy_version: i64,
    /// Allowed people first, then handlers without access; by login name.
    pub entries: Vec<AccessEntry>,
}

/// One compartment in a person's review.
#[derive(Debug, Clone)]
pub struct CompartmentReach {
    /// The compartment.
    pub compartment_id: CompartmentId,
    /// Its contract.
    pub contract_id: ContractId,
    /// The contract's number.
    pub contract_number: String,
    /// The contract's subject.
    pub contract_title: String,
    /// The contractor.
    pub company_id: CompanyId,
    /// Its name.
    pub company_name: String,
    /// Whether the person is a designated handler of the contract.
    pub handler: bool,
    /// Whether the person could reach it now.
    pub allowed: bool,
    /// The terminals they could reach it from.
    pub terminals: Vec<TerminalRef>,
    /// Why (or why not).
    pub why: Vec<Why>,
}

/// What a person could reach now. Lists every compartment allowed, and
/// those of contracts they handle that they could not reach, with the
/// reason.
#[derive(Debug, Clone)]
pub struct PersonAccess {
    /// The person.
    pub user_id: UserId,
    /// Their login name.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// Their company.
    pub company_id: CompanyId,
    /// Its name.
    pub company_name: String,
    /// Their account state now.
    pub account_state: AccountState,
    /// The policy version that decided.
    pub policy_version: i64,
    /// Allowed compartments first, then handled ones without access; by
    /// contract number.
    pub compartments: Vec<CompartmentReach>,
}

/// The answer for one person and one compartment.
#[derive(Debug, Clone)]
struct Reach {
    allowed: bool,
    terminals: Vec<TerminalRef>,
    why: Vec<Why>,
}

/// Everything the decisions of one review are made on.
struct Review {
    policy: Arc<ActivePolicy>,
    environment: Environment,
    session: SessionFacts,
    kinds: HashMap<CompanyId, CompanyKind>,
    duties: HashMap<UserId, Vec<Duty>>,
    /// Everyone's roster status and latest training.
    standings: HashMap<UserId, Standing>,
    /// For everyone, the contracts they were trained for on designation.
    designation_trained: HashMap<UserId, Vec<ContractId>>,
    terminals: Vec<Terminal>,
    /// When the review is made (for the age of posture reports).
    now_ms: i64,
}

impl Review {
    /// The registered terminals a person of `company` could use: their
    /// company's, and the agency's where the deployment accepts them.
    /// Revoked terminals are final and left out; quarantined ones are
    /// decided on (and denied), so the reason names them.
    fn candidates(&self, company: CompanyId) -> impl Iterator<Item = &Terminal> {
        let agency_ok = self.environment.agency_terminals_accepted;
        self.terminals.iter().filter(move |t| {
            t.status != TerminalStatus::Revoked
                && (t.company_id == company
                    || (agency_ok && self.kinds.get(&t.company_id) == Some(&CompanyKind::Agency)))
        })
    }

    fn count(&self, company: CompanyId) -> usize {
        self.candidates(company).count() + 1
    }

    fn decide(
        &self,
        user: &UserFacts,
        compartment: &CompartmentFacts,
        device: DeviceFacts,
    ) -> dsg_policy::Decision {
        let request = AccessRequest {
            principal: Principal::User(user.clone()),
            action: Action::FileRead,
            resource: Resource::Compartment(compartment.clone()),
            session: self.session,
            device,
            environment: self.environment,
        };
        let decision = self.policy.engine.decide(&request);
        if !decision.errors.is_empty() {
            tracing::warn!(errors = ?decision.errors, "policy evaluation errors in an access review");
        }
        decision
    }

    /// Whether `user` could reach `compartment` now, from which terminals,
    /// and why.
    fn reach(&self, user: &UserFacts, compartment: &CompartmentFacts, number: &str) -> Reach {
        let handler = user.handler_of.contains(&compartment.contract);
        let mut terminals = Vec::new();
        let mut allowed_by = BTreeSet::new();
        let mut denied_by = BTreeSet::new();
        let mut any_active = false;
        let mut not_active = Vec::new();
        for t in self.candidates(user.company) {
            let device = DeviceFacts::Terminal(TerminalFacts {
                id: t.id,
                company: t.company_id,
                company_kind: self
                    .kinds
                    .get(&t.company_id)
                    .copied()
                    .unwrap_or(CompanyKind::Contractor),
                status: t.status,
                site: t.site.as_str().to_owned(),
                posture: super::terminals::posture_facts(t, self.now_ms),
            });
            if t.status == TerminalStatus::Active {
                any_active = true;
            } else {
                not_active.push(Why::TerminalNotActive {
                    name: t.name.as_str().to_owned(),
                    status: t.status,
                });
            }
            let decision = self.decide(user, compartment, device);
            if decision.allowed {
                terminals.push(TerminalRef {
                    id: t.id,
                    name: t.name.as_str().to_owned(),
                    site: t.site.as_str().to_owned(),
                });
                allowed_by.extend(decision.policies);
            } else {
                denied_by.extend(decision.policies);
            }
        }
        let bare = self.decide(user, compartment, DeviceFacts::None);
        let mut why = Vec::new();
        if handler {
            why.push(Why::HandlerOf(number.to_owned()));
        }
        if user.participant_of.contains(&compartment.contract) {
            why.push(Why::ParticipantOf(number.to_owned()));
        }
        let allowed = bare.allowed || !terminals.is_empty();
        if allowed {
            if bare.allowed {
                allowed_by.extend(bare.policies);
                why.push(Why::NoTerminalNeeded);
            }
            why.push(Why::AllowedBy(allowed_by.into_iter().collect()));
        } else {
            denied_by.extend(bare.policies);
            if user.state != AccountState::Active {
                why.push(Why::Account(user.state));
            }
            if !any_active {
                why.push(Why::NoActiveTerminal);
            }
            why.extend(not_active);
            if denied_by.contains("handler-on-confirmed-roster") {
                why.push(Why::RosterUnconfirmed);
            }
            if denied_by.contains("handler-training-current") {
                why.push(Why::TrainingLapsed);
            }
            if denied_by.contains("handler-trained-on-designation") {
                why.push(Why::DesignationUntrained);
            }
            if denied_by.is_empty() {
                denied_by.insert("default-deny".to_owned());
            }
            why.push(Why::DeniedBy(denied_by.into_iter().collect()));
        }
        Reach {
            allowed,
            terminals,
            why,
        }
    }
}

/// A review's shared facts and the registers it reads.
struct Basis {
    review: Review,
    companies: HashMap<CompanyId, Company>,
    handled: HashMap<UserId, Designated>,
}

/// The contracts a person is designated on: as a contractor's handler, or
/// as an agency participant.
#[derive(Debug, Clone, Default)]
struct Designated {
    handler_of: Vec<ContractId>,
    participant_of: Vec<ContractId>,
}

/// A person as the policy sees them, from the registers read for the review.
fn facts(
    user: &User,
    now_ms: i64,
    kinds: &HashMap<CompanyId, CompanyKind>,
    duties: &HashMap<UserId, Vec<Duty>>,
    standings: &HashMap<UserId, Standing>,
    handled: &HashMap<UserId, Designated>,
    designation_trained: &HashMap<UserId, Vec<ContractId>>,
) -> UserFacts {
    let standing = standings.get(&user.id).copied().unwrap_or_default();
    let (roster, training_age_secs) = super::records::standing_facts(standing, now_ms);
    UserFacts {
        id: user.id,
        company: user.company_id,
        company_kind: kinds
            .get(&user.company_id)
            .copied()
            .unwrap_or(CompanyKind::Contractor),
        role: user.role,
        state: user.state(now_ms),
        handler_of: handled
            .get(&user.id)
            .map(|d| d.handler_of.clone())
            .unwrap_or_default(),
        participant_of: handled
            .get(&user.id)
            .map(|d| d.participant_of.clone())
            .unwrap_or_default(),
        duties: duties.get(&user.id).cloned().unwrap_or_default(),
        roster,
        training_age_secs,
        designation_trained_for: designation_trained
            .get(&user.id)
            .cloned()
            .unwrap_or_default(),
        consented: standing.consented,
        // Roles decide who designates roles, never who reaches data.
        company_roles: Vec::new(),
    }
}

fn too_large(decisions: usize) -> AppError {
    AppError::Invalid(format!(
        "this review would take {decisions} policy decisions (at most {MAX_REVIEW_DECISIONS})"
    ))
}

/// Runs a review's decisions off the async workers.
async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| AppError::Internal(format!("access review: {e}")))
}

impl App {
    /// The registers a reviewer chooses from (companies, people, contracts,
    /// compartments): for operators and auditors, as the policy decides
    /// `access.review`. The read is recorded like the operators' overview.
    pub async fn access_review_directory(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<super::AdminOverview, AppError> {
        self.authorize_admin(meta, caller, Action::AccessReview, AuditAction::AdminView)
            .await?;
        self.registers().await
    }

    /// The facts every decision of a review shares, and the registers.
    async fn review_basis(&self) -> Result<Basis, AppError> {
        let inner = &*self.inner;
        let companies: HashMap<CompanyId, Company> = inner
            .org
            .list_companies()
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut handled: HashMap<UserId, Designated> = HashMap::new();
        for (contract, user) in inner.org.handler_designations().await? {
            handled.entry(user).or_default().handler_of.push(contract);
        }
        for (contract, user) in inner.org.participant_designations().await? {
            handled
                .entry(user)
                .or_default()
                .participant_of
                .push(contract);
        }
        let mut duties: HashMap<UserId, Vec<Duty>> = HashMap::new();
        for (user, duty) in inner.duties.all_duties().await? {
            duties.entry(user).or_default().push(duty);
        }
        let review = Review {
            policy: self.policy(),
            environment: self.environment(&Caller::Anonymous),
            session: SessionFacts {
                mfa: MfaMethod::Webauthn,
                step_up_fresh: true,
                totp_reaches_data: self.inner.config.auth.totp_reaches_protected_data,
                auth_age_secs: 0,
                session_age_secs: 0,
            },
            kinds: companies.iter().map(|(id, c)| (*id, c.kind)).collect(),
            duties,
            standings: inner.records.standings().await?,
            designation_trained: inner.records.designation_trainings().await?,
            now_ms: self.now(),
            terminals: inner.terminals.terminals(None).await?,
        };
        Ok(Basis {
            review,
            companies,
            handled,
        })
    }

    /// Who could reach a compartment now, from which terminals and why
    /// (agency operators). The review is recorded.
    pub async fn compartment_access(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
    ) -> Result<CompartmentAccess, AppError> {
        let (_, decided) = self
            .authorize_admin(
                meta,
                caller,
                Action::AccessReview,
                AuditAction::AccessReview,
            )
            .await?;
        let inner = &*self.inner;
        let compartment: Compartment = inner
            .org
            .compartment(compartment_id.trim())
            .await?
            .ok_or(AppError::NotFound)?;
        let contract = inner
            .org
            .contract(compartment.contract_id)
            .await?
            .ok_or_else(|| AppError::Internal("compartment without contract".into()))?;
        let Basis {
            review,
            companies,
            handled,
        } = self.review_basis().await?;
        let now = self.now();
        // The compartment's company and the agency: anyone else is decided
        // on by the same rules, but the shipped policy never lets another
        // company's people in; a review of them all would cost people ×
        // terminals for nothing. (A person review covers every company.)
        let people: Vec<User> = inner
            .org
            .list_users()
            .await?
            .into_iter()
            .filter(|u| {
                u.company_id == compartment.company_id
                    || review.kinds.get(&u.company_id) == Some(&CompanyKind::Agency)
            })
            .collect();
        let decisions: usize = people.iter().map(|u| review.count(u.company_id)).sum();
        if decisions > MAX_REVIEW_DECISIONS {
            return Err(too_large(decisions));
        }
        let target = super::contract_end::compartment_facts(&compartment, self.today());
        let number = contract.number.to_string();
        let kinds = review.kinds.clone();
        let duties = review.duties.clone();
        let standings = review.standings.clone();
        let designation_trained = review.designation_trained.clone();
        let policy_version = review.policy.version;
        let reached: Vec<(User, UserFacts, Reach)> = blocking(move || {
            people
                .into_iter()
                .map(|u| {
                    let f = facts(
                        &u,
                        now,
                        &kinds,
                        &duties,
                        &standings,
                        &handled,
                        &designation_trained,
                    );
                    let reach = review.reach(&f, &target, &number);
                    (u, f, reach)
                })
                .collect()
        })
        .await?;
        let company_name = |id: &CompanyId| {
            companies
                .get(id)
                .map(|c| c.name.clone())
                .unwrap_or_default()
        };
        let mut entries: Vec<AccessEntry> = reached
            .into_iter()
            .filter_map(|(u, f, reach)| {
                // Designated on it, as a handler or an agency participant.
                let handler = f.handler_of.contains(&compartment.contract_id)
                    || f.participant_of.contains(&compartment.contract_id);
                (reach.allowed || handler).then(|| AccessEntry {
                    user_id: u.id,
                    company_name: company_name(&u.company_id),
                    company_id: u.company_id,
                    username: u.username,
                    display_name: u.display_name,
                    account_state: f.state,
                    handler,
                    allowed: reach.allowed,
                    terminals: reach.terminals,
                    why: reach.why,
                })
            })
            .collect();
        entries.sort_by(|a, b| {
            b.allowed
                .cmp(&a.allowed)
                .then_with(|| a.username.cmp(&b.username))
        });
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::AccessReview,
            AuditObject::Compartment(compartment.id),
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok(CompartmentAccess {
            compartment_id: compartment.id,
            contract_id: contract.id,
            contract_number: contract.number.to_string(),
            contract_title: contract.title,
            company_name: company_name(&compartment.company_id),
            company_id: compartment.company_id,
            policy_version,
            entries,
        })
    }

    /// Every compartment a person could reach now, from which terminals and
    /// why (agency operators). Every compartment of every company is
    /// decided on, so a policy that lets someone outside the contractor in
    /// shows up. The review is recorded.
    pub async fn person_access(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        user_id: &str,
    ) -> Result<PersonAccess, AppError> {
        let (_, decided) = self
            .authorize_admin(
                meta,
                caller,
                Action::AccessReview,
                AuditAction::AccessReview,
            )
            .await?;
        let inner = &*self.inner;
        let user_id: UserId = user_id.trim().parse().map_err(|_| AppError::NotFound)?;
        let user = inner.org.user(user_id).await?.ok_or(AppError::NotFound)?;
        let Basis {
            review,
            companies,
            handled,
        } = self.review_basis().await?;
        let contracts: HashMap<ContractId, dsg_core::Contract> = inner
            .org
            .list_contracts()
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let compartments = inner.org.list_compartments().await?;
        let decisions = compartments.len() * review.count(user.company_id);
        if decisions > MAX_REVIEW_DECISIONS {
            return Err(too_large(decisions));
        }
        let person = facts(
            &user,
            self.now(),
            &review.kinds,
            &review.duties,
            &review.standings,
            &handled,
            &review.designation_trained,
        );
        let policy_version = review.policy.version;
        let numbers: HashMap<ContractId, String> = contracts
            .iter()
            .map(|(id, c)| (*id, c.number.to_string()))
            .collect();
        let subject = person.clone();
        let today = self.today();
        let reached: Vec<(Compartment, Reach)> = blocking(move || {
            compartments
                .into_iter()
                .map(|m| {
                    let target = super::contract_end::compartment_facts(&m, today);
                    let number = numbers.get(&m.contract_id).map_or("", String::as_str);
                    let reach = review.reach(&subject, &target, number);
                    (m, reach)
                })
                .collect()
        })
        .await?;
        let company_name = |id: &CompanyId| {
            companies
                .get(id)
                .map(|c| c.name.clone())
                .unwrap_or_default()
        };
        let mut reachable: Vec<CompartmentReach> = reached
            .into_iter()
            .filter_map(|(m, reach)| {
                let handler = person.handler_of.contains(&m.contract_id)
                    || person.participant_of.contains(&m.contract_id);
                let contract = contracts.get(&m.contract_id);
                (reach.allowed || handler).then(|| CompartmentReach {
                    compartment_id: m.id,
                    contract_id: m.contract_id,
                    contract_number: contract.map(|c| c.number.to_string()).unwrap_or_default(),
                    contract_title: contract.map(|c| c.title.clone()).unwrap_or_default(),
                    company_name: company_name(&m.company_id),
                    company_id: m.company_id,
                    handler,
                    allowed: reach.allowed,
                    terminals: reach.terminals,
                    why: reach.why,
                })
            })
            .collect();
        reachable.sort_by(|a, b| {
            b.allowed
                .cmp(&a.allowed)
                .then_with(|| a.contract_number.cmp(&b.contract_number))
        });
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::AccessReview,
            AuditObject::User(user.id),
            Outcome::Success,
            &decided,
        );
        self.record(&record).await?;
        Ok(PersonAccess {
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            company_name: company_name(&user.company_id),
            company_id: user.company_id,
            account_state: person.state,
            policy_version,
            compartments: reachable,
        })
    }
}
