//! The domain's entities as the API sends them (`dsg-proto` types): ids
//! and states as text, times as Unix milliseconds.

use dsg_core::{Company, Compartment, Contract, FileRecord, Terminal, User};
use dsg_proto::{files, terminals};

/// A user account.
pub fn user(u: &User) -> files::User {
    files::User {
        id: u.id.to_string(),
        company_id: u.company_id.to_string(),
        username: u.username.to_string(),
        display_name: u.display_name.to_string(),
        role: u.role.as_str().to_owned(),
        status: u.status.as_str().to_owned(),
        valid_until: u.valid_until,
    }
}

/// A company.
pub fn company(c: &Company) -> files::Company {
    files::Company {
        id: c.id.to_string(),
        name: c.name.to_string(),
        kind: c.kind.as_str().to_owned(),
    }
}

/// A contract.
pub fn contract(c: &Contract) -> files::Contract {
    files::Contract {
        id: c.id.to_string(),
        company_id: c.company_id.to_string(),
        number: c.number.to_string(),
        title: c.title.to_string(),
        starts_on: c.starts_on.to_string(),
        ends_on: c.ends_on.to_string(),
        special_clause: c.special_clause,
    }
}

/// A compartment.
pub fn compartment(c: &Compartment) -> files::Compartment {
    files::Compartment {
        id: c.id.to_string(),
        contract_id: c.contract_id.to_string(),
        company_id: c.company_id.to_string(),
        quota_bytes: c.quota_bytes,
        used_bytes: c.used_bytes,
    }
}

/// A file.
pub fn file(f: &FileRecord) -> files::File {
    files::File {
        id: f.id.to_string(),
        compartment_id: f.compartment_id.to_string(),
        name: f.name.to_string(),
        version: f.current_version,
        size_bytes: f.size_bytes,
        status: f.status.as_str().to_owned(),
        direction: f.direction.as_str().to_owned(),
        end_instruction: f.end_instruction.map(|i| i.as_str().to_owned()),
        created_at: f.created_at,
        updated_at: f.updated_at,
        updated_by: f.updated_by.to_string(),
    }
}

/// A registered terminal.
pub fn terminal(t: &Terminal) -> terminals::Terminal {
    terminals::Terminal {
        id: t.id.to_string(),
        company_id: t.company_id.to_string(),
        name: t.name.as_str().to_owned(),
        site: t.site.as_str().to_owned(),
        serial: t.serial.as_str().to_owned(),
        status: t.status.as_str().to_owned(),
        status_reason: t.status_reason.clone(),
        status_changed_at: t.status_changed_at,
        certificate_fingerprint: t.cert_fingerprint.clone(),
        certificate_serial: t.cert_serial.clone(),
        certificate_not_after: t.cert_not_after,
        registered_at: t.registered_at,
        last_seen_at: t.last_seen_at,
        posture_reported_at: t.posture_reported_at,
        posture_compliant: t.posture_compliant,
    }
}
