//! The facts a decision is made on, in domain types.

use dsg_core::{
    AccountState, CompanyId, CompanyKind, CompartmentId, ContractId, MfaMethod, Role, UserId,
};

/// Every action the policy decides on. The names match the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See that a compartment exists and open it.
    CompartmentView,
    /// List a compartment's files.
    FileList,
    /// Download a file or list its versions.
    FileRead,
    /// Upload a file or a new version.
    FileUpload,
    /// Mark a file for disposal.
    FileDelete,
    /// Read the administrative registers.
    AdminRead,
    /// Register a company.
    CompanyCreate,
    /// Register a user.
    UserCreate,
    /// Register a contract.
    ContractCreate,
    /// Open a contract's compartment.
    CompartmentOpen,
    /// Designate a handler.
    HandlerDesignate,
    /// Remove a handler.
    HandlerRemove,
    /// Unlock, disable, enable an account, or ask for its authenticators to be reset.
    AccountManage,
    /// Approve another operator's authenticator reset.
    AccountResetApprove,
    /// Register an authenticator for oneself.
    SelfEnrol,
    /// See and manage one's own sessions, authenticators and login history.
    SelfManage,
}

impl Action {
    /// The action's id in the schema.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CompartmentView => "compartment.view",
            Self::FileList => "file.list",
            Self::FileRead => "file.read",
            Self::FileUpload => "file.upload",
            Self::FileDelete => "file.delete",
            Self::AdminRead => "admin.read",
            Self::CompanyCreate => "company.create",
            Self::UserCreate => "user.create",
            Self::ContractCreate => "contract.create",
            Self::CompartmentOpen => "compartment.open",
            Self::HandlerDesignate => "handler.designate",
            Self::HandlerRemove => "handler.remove",
            Self::AccountManage => "account.manage",
            Self::AccountResetApprove => "account.reset.approve",
            Self::SelfEnrol => "self.enrol",
            Self::SelfManage => "self.manage",
        }
    }

    /// Whether the action's resource is a compartment (else the gateway).
    pub fn targets_compartment(self) -> bool {
        matches!(
            self,
            Self::CompartmentView
                | Self::FileList
                | Self::FileRead
                | Self::FileUpload
                | Self::FileDelete
        )
    }
}

/// What the gateway knows about a signed-in user, read fresh per request.
#[derive(Debug, Clone)]
pub struct UserFacts {
    /// The user.
    pub id: UserId,
    /// Their organisation.
    pub company: CompanyId,
    /// Whether that organisation is the agency or a contractor.
    pub company_kind: CompanyKind,
    /// Their role.
    pub role: Role,
    /// Their account state in force.
    pub state: AccountState,
    /// Contracts they are a designated handler of.
    pub handler_of: Vec<ContractId>,
}

/// Who is asking.
#[derive(Debug, Clone)]
pub enum Principal {
    /// No valid session.
    Anonymous,
    /// A signed-in user.
    User(UserFacts),
}

/// A compartment as the policy sees it.
#[derive(Debug, Clone)]
pub struct CompartmentFacts {
    /// The compartment.
    pub id: CompartmentId,
    /// Its contract.
    pub contract: ContractId,
    /// The contract's company.
    pub company: CompanyId,
}

/// What is being acted on.
#[derive(Debug, Clone)]
pub enum Resource {
    /// A compartment that exists.
    Compartment(CompartmentFacts),
    /// A compartment id that names nothing. It is decided on exactly like an
    /// existing one (and is always denied), so that "missing" and "forbidden"
    /// take the same path.
    MissingCompartment(String),
    /// The gateway (administrative actions).
    Gateway,
}

/// What the session behind a request proved (the request context).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionFacts {
    /// How the user authenticated beyond the password.
    pub mfa: MfaMethod,
    /// Whether the user (re-)authenticated recently enough for a sensitive action.
    pub step_up_fresh: bool,
    /// Whether this deployment lets TOTP sessions reach protected data.
    pub totp_reaches_data: bool,
}

impl SessionFacts {
    /// The context of a request without a session.
    pub const ANONYMOUS: Self = Self {
        mfa: MfaMethod::None,
        step_up_fresh: false,
        totp_reaches_data: false,
    };
}

/// One question to the policy point.
#[derive(Debug, Clone)]
pub struct AccessRequest {
    /// Who.
    pub principal: Principal,
    /// What.
    pub action: Action,
    /// On what.
    pub resource: Resource,
    /// How the session was authenticated.
    pub session: SessionFacts,
}
