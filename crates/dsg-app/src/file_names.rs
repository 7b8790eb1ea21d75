//! Sealing the names of files stored before names were sealed (migration
//! `0016` of the store): once, at the gateway's start, before anything
//! lists a file.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use dsg_core::{AuditAction, AuditObject, FileName, Outcome};

use super::{App, AppError, Caller, RequestMeta};

impl App {
    /// Seals every file name still stored in plaintext under its
    /// compartment's key, all or nothing, recorded as one
    /// `file.names.seal` entry (`files=<n>`). Returns how many there were;
    /// with none, nothing is written.
    pub async fn seal_file_names(&self) -> Result<usize, AppError> {
        let plain = self.inner.files.plain_named_files().await?;
        if plain.is_empty() {
            return Ok(0);
        }
        let compartments: HashMap<_, _> = self
            .inner
            .org
            .list_compartments()
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut keys = HashMap::new();
        let mut sealed = Vec::with_capacity(plain.len());
        for file in &plain {
            let compartment = compartments
                .get(&file.compartment_id)
                .ok_or_else(|| AppError::Internal("a file without its compartment".into()))?;
            let key = match keys.entry(compartment.id) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(new) => new.insert(self.compartment_key(compartment)?),
            };
            // Names were stored as `FileName`s; one that no longer passes
            // today's rules is sealed as it was, to stay listed as before.
            let name = FileName::parse(&file.name)
                .map(|n| n.as_str().to_owned())
                .unwrap_or_else(|_| file.name.clone());
            sealed.push((
                file.id,
                self.seal_name_with(key, compartment, file.id, &name)?,
            ));
        }
        let meta = RequestMeta {
            request_id: dsg_core::RequestId::new().to_string(),
            source: None,
            user_agent: None,
            terminal: None,
            certificate: None,
        };
        let record = Self::audit(
            &meta,
            &Caller::Anonymous,
            AuditAction::FileNamesSeal,
            AuditObject::Gateway,
            Outcome::Success,
            format!("files={}", sealed.len()),
        );
        self.inner
            .files
            .seal_file_names(&sealed, self.now(), &record)
            .await?;
        Ok(sealed.len())
    }
}
