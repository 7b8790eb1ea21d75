//! Random, non-sequential identifiers: a typed wrapper for each entity so
//! that a company id can never be passed where a contract id is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::DomainError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random (UUIDv4) identifier.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }
            /// Wraps an existing UUID.
            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            /// The underlying UUID.
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
            /// The 16 raw bytes, as bound into encryption contexts.
            pub fn as_bytes(&self) -> [u8; 16] {
                *self.0.as_bytes()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| DomainError::invalid(stringify!($name), "not a UUID"))
            }
        }
    };
}

id_type!(
    /// An organisation: the agency or a contractor company.
    CompanyId
);
id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// A contract between the agency and a company.
    ContractId
);
id_type!(
    /// The file-sharing compartment of one contract.
    CompartmentId
);
id_type!(
    /// A file in a compartment (all its versions share this id).
    FileId
);

id_type!(
    /// A registered terminal (端末).
    TerminalId
);

id_type!(
    /// One security training record (教育記録) of one person.
    TrainingRecordId
);
id_type!(
    /// An application (申請) between the agency and a company.
    ApplicationId
);
id_type!(
    /// The record of one disposal (廃棄記録).
    DisposalId
);
id_type!(
    /// One attestation of a requirement the gateway cannot see (証跡).
    AttestationId
);
id_type!(
    /// One designation of a person to a company role (総括者, 管理者 …).
    RoleDesignationId
);
id_type!(
    /// One item of the inventory of protected information (目録).
    LedgerItemId
);
id_type!(
    /// One event of an inventory item.
    LedgerEventId
);
id_type!(
    /// A request about a contract's end: an extension of keeping, or a
    /// proposal to close its compartment.
    EndRequestId
);

/// A per-request correlation id, UUIDv7 so that log order follows time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(Uuid);

impl RequestId {
    /// A fresh time-ordered request id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = FileId::random();
        assert_eq!(id.to_string().parse::<FileId>().unwrap(), id);
        assert!("1".parse::<FileId>().is_err());
        assert_ne!(FileId::random(), FileId::random());
    }
}
