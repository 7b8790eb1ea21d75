//! Turning rows into domain records. A value that does not parse is
//! reported as corruption, never guessed.

use std::str::FromStr;

use dsg_core::{
    AccountStatus, CalendarDate, Company, CompanyKind, Compartment, Contract, ContractNumber,
    FileVersion, Role, User,
};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::StoreError;

pub(crate) fn id<T: FromStr<Err = dsg_core::DomainError>>(
    row: &AnyRow,
    column: &str,
) -> Result<T, StoreError> {
    let text: String = row.try_get(column)?;
    Ok(T::from_str(&text)?)
}

pub(crate) fn version(row: &AnyRow, column: &str) -> Result<u32, StoreError> {
    let n: i64 = row.try_get(column)?;
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("{column} out of range")))
}

pub(crate) fn company(row: &AnyRow) -> Result<Company, StoreError> {
    Ok(Company {
        id: id(row, "id")?,
        name: row.try_get("name")?,
        kind: CompanyKind::parse(&row.try_get::<String, _>("kind")?)?,
        created_at: row.try_get("created_at")?,
    })
}

/// `SELECT <the columns [`user`] reads> FROM users <rest>`, as a literal.
macro_rules! select_users {
    ($rest:literal) => {
        concat!(
            "SELECT id, company_id, username, display_name, role, status, created_at, ",
            "enrolled_at, valid_until, locked_until, password_hash FROM users ",
            $rest
        )
    };
}
pub(crate) use select_users;

pub(crate) fn user(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: id(row, "id")?,
        company_id: id(row, "company_id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&row.try_get::<String, _>("role")?)?,
        status: AccountStatus::parse(&row.try_get::<String, _>("status")?)?,
        created_at: row.try_get("created_at")?,
        enrolled_at: row.try_get("enrolled_at")?,
        valid_until: row.try_get("valid_until")?,
        locked_until: row.try_get("locked_until")?,
    })
}

pub(crate) fn contract(row: &AnyRow) -> Result<Contract, StoreError> {
    Ok(Contract {
        id: id(row, "id")?,
        company_id: id(row, "company_id")?,
        number: ContractNumber::parse(&row.try_get::<String, _>("number")?)?,
        title: row.try_get("title")?,
        starts_on: CalendarDate::parse("starts_on", &row.try_get::<String, _>("starts_on")?)?,
        ends_on: CalendarDate::parse("ends_on", &row.try_get::<String, _>("ends_on")?)?,
        special_clause: row.try_get::<i64, _>("special_clause")? == 1,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn compartment(row: &AnyRow) -> Result<Compartment, StoreError> {
    Ok(Compartment {
        id: id(row, "id")?,
        contract_id: id(row, "contract_id")?,
        company_id: id(row, "company_id")?,
        wrapped_key: row.try_get("wrapped_key")?,
        key_version: version(row, "key_version")?,
        quota_bytes: row.try_get("quota_bytes")?,
        used_bytes: row.try_get("used_bytes")?,
        created_at: row.try_get("created_at")?,
        end: dsg_core::CompartmentEnd {
            ends_on: CalendarDate::parse("ends_on", &row.try_get::<String, _>("ends_on")?)?,
            kept_until: row
                .try_get::<Option<String>, _>("kept_until")?
                .map(|d| CalendarDate::parse("kept_until", &d))
                .transpose()?,
            closed_at: row.try_get("closed_at")?,
        },
    })
}

pub(crate) fn file_version(row: &AnyRow) -> Result<FileVersion, StoreError> {
    Ok(FileVersion {
        file_id: id(row, "file_id")?,
        version: version(row, "version")?,
        blob_key: row.try_get("blob_key")?,
        size_bytes: row.try_get("size_bytes")?,
        sha256: row.try_get("sha256")?,
        wrapped_key: row.try_get("wrapped_key")?,
        created_by: id(row, "created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn all<T>(
    rows: &[AnyRow],
    f: impl Fn(&AnyRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.iter().map(f).collect()
}
