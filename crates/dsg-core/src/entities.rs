//! The records dsg keeps, as plain data.

use crate::{
    CalendarDate, CompanyId, CompartmentId, ContractId, ContractNumber, FileId, FileName, UserId,
};

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The stable name stored in the database and used in policies.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
            /// Parses the stable name.
            pub fn parse(s: &str) -> Result<Self, $crate::DomainError> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err($crate::DomainError::invalid(stringify!($name), "unknown value")),
                }
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// Which side an organisation is on.
    CompanyKind {
        /// The procurement agency that runs the gateway.
        Agency => "agency",
        /// A defense contractor.
        Contractor => "contractor",
    }
);

string_enum!(
    /// What a user may do beyond their own compartments.
    Role {
        /// Agency gateway operator (情報システム管理室): registers companies,
        /// users, contracts, opens compartments, designates handlers.
        Operator => "operator",
        /// An ordinary user; reaches compartments only as a designated handler.
        Member => "member",
    }
);

string_enum!(
    /// A duty (職務) held on top of a role. Duties widen what someone may
    /// read, never what they may change.
    Duty {
        /// Agency staff who audit (契約担当官等 / 監査): read the whole
        /// log, decision records and registers.
        Auditor => "auditor",
        /// A contractor's protected-system administrator (保護システム
        /// 管理者): reads their own company's log and takes its extract.
        SecurityAdmin => "security-admin",
        /// Service-provider staff who survey a site and build to it (現場
        /// 調査, 回線敷設工事, 通信ルータの設置): steps ③–⑤ of a membership
        /// assigned to their organisation.
        SiteSurvey => "site-survey",
        /// Service-provider staff who set terminals up and issue their
        /// accounts (端末セットアップ): step ⑥ of a membership assigned to
        /// their organisation.
        TerminalSetup => "terminal-setup",
    }
);

string_enum!(
    /// Whether an account may sign in.
    AccountStatus {
        /// May sign in.
        Active => "active",
        /// Switched off by an operator.
        Disabled => "disabled",
        /// Locked after failed logins.
        Locked => "locked",
    }
);

string_enum!(
    /// The life of a stored file.
    FileStatus {
        /// Listed and downloadable.
        Active => "active",
        /// Deleted by a handler: kept, awaiting recorded disposal.
        DisposalCandidate => "disposal_candidate",
    }
);

/// An organisation.
#[derive(Debug, Clone)]
pub struct Company {
    /// Its id.
    pub id: CompanyId,
    /// Registered name.
    pub name: String,
    /// Agency or contractor.
    pub kind: CompanyKind,
    /// When it was registered (Unix ms).
    pub created_at: i64,
}

/// A user account.
#[derive(Debug, Clone)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The organisation the user belongs to.
    pub company_id: CompanyId,
    /// Login name.
    pub username: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Operator or member.
    pub role: Role,
    /// Active, disabled or locked, as stored; see [`User::state`] for the
    /// state in force.
    pub status: AccountStatus,
    /// When it was registered (Unix ms).
    pub created_at: i64,
    /// When its enrolment completed (Unix ms); `None` while pending.
    pub enrolled_at: Option<i64>,
    /// End of its validity period (Unix ms), e.g. the contract period.
    pub valid_until: Option<i64>,
    /// End of a lockout after failed logins (Unix ms).
    pub locked_until: Option<i64>,
}

/// A contract with a company.
#[derive(Debug, Clone)]
pub struct Contract {
    /// Its id.
    pub id: ContractId,
    /// The contractor.
    pub company_id: CompanyId,
    /// Contract number as printed.
    pub number: ContractNumber,
    /// Subject of the contract.
    pub title: String,
    /// First day.
    pub starts_on: CalendarDate,
    /// Last day.
    pub ends_on: CalendarDate,
    /// Whether it carries the information-security special clause
    /// (情報セキュリティ特約条項); only such contracts get a compartment.
    pub special_clause: bool,
    /// When it was registered (Unix ms).
    pub created_at: i64,
}

/// The file-sharing compartment (区画) of one contract.
#[derive(Debug, Clone)]
pub struct Compartment {
    /// Its id.
    pub id: CompartmentId,
    /// The contract it belongs to.
    pub contract_id: ContractId,
    /// The contractor of that contract (denormalised for policy decisions).
    pub company_id: CompanyId,
    /// The per-compartment key, wrapped by the master key.
    pub wrapped_key: String,
    /// Version of the compartment key.
    pub key_version: u32,
    /// Most bytes the compartment may hold.
    pub quota_bytes: i64,
    /// Bytes held now (all versions, disposal candidates included).
    pub used_bytes: i64,
    /// When it was opened (Unix ms).
    pub created_at: i64,
    /// What decides its phase: its contract's last day, an approved
    /// extension of keeping, its closing.
    pub end: crate::CompartmentEnd,
}

/// A file and its latest state.
#[derive(Debug, Clone)]
pub struct FileRecord {
    /// Its id.
    pub id: FileId,
    /// Where it lives.
    pub compartment_id: CompartmentId,
    /// Display name.
    pub name: FileName,
    /// Number of the newest version (1-based).
    pub current_version: u32,
    /// Size of the newest version in bytes.
    pub size_bytes: i64,
    /// Active or awaiting disposal.
    pub status: FileStatus,
    /// Provided by the agency or submitted by the company.
    pub direction: crate::FileDirection,
    /// On a provided file, what becomes of it at the contract's end.
    pub end_instruction: Option<crate::EndInstruction>,
    /// When the first version was uploaded (Unix ms).
    pub created_at: i64,
    /// When the newest version was uploaded (Unix ms).
    pub updated_at: i64,
    /// Who uploaded the newest version.
    pub updated_by: UserId,
}

/// One stored version of a file.
#[derive(Debug, Clone)]
pub struct FileVersion {
    /// The file.
    pub file_id: FileId,
    /// 1-based version number.
    pub version: u32,
    /// Server-generated object-store key of the encrypted blob.
    pub blob_key: String,
    /// Plaintext size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the plaintext, hex.
    pub sha256: String,
    /// The data key, wrapped by the compartment key.
    pub wrapped_key: String,
    /// Who uploaded it.
    pub created_by: UserId,
    /// When (Unix ms).
    pub created_at: i64,
}
