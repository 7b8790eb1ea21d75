//! The inventory of protected information (目録, 第6-2) and its open
//! items. The gateway enters its own events with the action (an upload's
//! receipt or creation, a download's copy, a confirmed disposal: see the
//! store's `ledger.rs`); here people read a compartment's inventory, enter
//! paper documents and media, record carrying out and sending under a
//! manager's permission (第6-4), returns and destruction, and another
//! person checks each return or destruction (第6-6) — decided by the
//! policy point (`ledger-checker-not-holder`) and held by the store.
//!
//! Free text is sealed under the compartment key: the standard asks for
//! the inventory to be kept encrypted.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use dsg_core::{
    AuditAction, AuditObject, CompanyId, Compartment, CompartmentId, ContractId, FileDirection,
    LedgerEventId, LedgerEventKind, LedgerItemId, LedgerItemKind, LedgerLine, LedgerState,
    MovementMethod, UserId,
};
use dsg_crypto::{open, seal, SecretKey, WrapContext};
use dsg_policy::{Action, CompartmentFacts, LedgerItemFacts, Resource};
use dsg_store::{LedgerEventRow, LedgerItemRow, NewCopy, NewLedgerEvent};
use serde::{Deserialize, Serialize};

use super::{App, AppError, Caller, Decided, RequestMeta, SessionUser};

const LEDGER_TEXT: &str = "ledger-text";

/// The free text of an event, sealed as one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerDetails {
    /// Who it goes to (carrying out, sending: a named recipient).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// The locked container it travels in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Where it happened (a place that is no terminal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The department of who acted, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl LedgerDetails {
    /// Each given line checked (not blank, short, no control characters).
    fn checked(self) -> Result<Self, AppError> {
        let line = |field: &'static str, v: Option<String>| -> Result<Option<String>, AppError> {
            v.filter(|s| !s.trim().is_empty())
                .map(|s| LedgerLine::parse(field, &s).map(|l| l.as_str().to_owned()))
                .transpose()
                .map_err(AppError::from)
        };
        Ok(Self {
            recipient: line("recipient", self.recipient)?,
            container: line("container", self.container)?,
            place: line("place", self.place)?,
            department: line("department", self.department)?,
            note: line("note", self.note)?,
        })
    }
}

/// One event of an item, its text opened.
#[derive(Debug, Clone)]
pub struct LedgerEventView {
    /// The event, as stored.
    pub row: LedgerEventRow,
    /// Its free text.
    pub details: LedgerDetails,
}

/// One item of the inventory, with its events.
#[derive(Debug, Clone)]
pub struct LedgerItemView {
    /// The item, as stored.
    pub row: LedgerItemRow,
    /// What it is called: its file's name, or the title entered.
    pub name: String,
    /// The name of who holds it.
    pub holder_name: Option<String>,
    /// Whether it is an open item.
    pub open: bool,
    /// Whether the caller may check its return or disposal now (the
    /// policy point's answer), for a page to offer.
    pub checkable: bool,
    /// Whether the caller may permit carrying it out or sending it.
    pub permittable: bool,
    /// Its events, in order.
    pub events: Vec<LedgerEventView>,
}

/// A compartment's inventory.
#[derive(Debug, Clone)]
pub struct LedgerView {
    /// The compartment.
    pub compartment_id: CompartmentId,
    /// Its contract.
    pub contract_id: ContractId,
    /// Its items, oldest first.
    pub items: Vec<LedgerItemView>,
}

/// An item entered by hand.
#[derive(Debug, Clone)]
pub struct NewLedgerItemInput {
    /// `paper` or `medium`.
    pub kind: String,
    /// What it is (a title, a medium's label).
    pub title: String,
    /// `receipt` or `creation`.
    pub opening: String,
    /// Free text of the opening event.
    pub details: LedgerDetails,
}

/// An event entered by hand.
#[derive(Debug, Clone)]
pub struct LedgerEventInput {
    /// `carry_out`, `sending`, `return`, `submission` or `disposal`.
    pub kind: String,
    /// For carrying out and sending: the permission it rests on.
    pub permission_id: Option<String>,
    /// Free text.
    pub details: LedgerDetails,
}

/// A manager's permission to carry out or send an item.
#[derive(Debug, Clone)]
pub struct LedgerPermitInput {
    /// `carry_out` or `sending`.
    pub act: String,
    /// Who may carry it out or send it.
    pub person: String,
    /// `hand_delivery` or `registered_mail`.
    pub method: String,
    /// The named recipient.
    pub recipient: String,
    /// The locked container.
    pub container: String,
}

fn facts(c: &Compartment, today: dsg_core::CalendarDate) -> CompartmentFacts {
    super::contract_end::compartment_facts(c, today)
}

fn item_facts(
    c: &Compartment,
    item: &LedgerItemRow,
    today: dsg_core::CalendarDate,
) -> LedgerItemFacts {
    LedgerItemFacts {
        id: item.id.to_string(),
        compartment: facts(c, today),
        holder: item.holder,
        closing_by: item.closing_by,
    }
}

impl App {
    fn seal_text(
        &self,
        key: &SecretKey,
        compartment: &Compartment,
        owner: &str,
        text: &[u8],
    ) -> Result<String, AppError> {
        let owner = format!("{}/{owner}", compartment.id);
        let ctx = WrapContext {
            purpose: LEDGER_TEXT,
            owner: &owner,
            key_version: compartment.key_version,
        };
        Ok(STANDARD.encode(seal(key, text, &ctx, self.inner.rng.as_ref())?))
    }

    fn seal_details(
        &self,
        key: &SecretKey,
        compartment: &Compartment,
        event: LedgerEventId,
        details: &LedgerDetails,
    ) -> Result<String, AppError> {
        if details == &LedgerDetails::default() {
            return Ok(String::new());
        }
        let json = serde_json::to_vec(details)
            .map_err(|e| AppError::Internal(format!("ledger details: {e}")))?;
        self.seal_text(key, compartment, &event.to_string(), &json)
    }

    /// The ledger item a request names, decided on (or on a stand-in of no
    /// company, so that missing and forbidden answer alike).
    async fn authorize_item(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (compartment_id, item_id): (&str, &str),
        (action, audit_action): (Action, AuditAction),
    ) -> Result<(Compartment, LedgerItemRow, Box<SessionUser>, Decided), AppError> {
        let compartment = self.inner.org.compartment(compartment_id).await?;
        let item = match (&compartment, item_id.parse::<LedgerItemId>()) {
            (Some(c), Ok(id)) => self.inner.files.ledger_item(c.id, id).await?,
            _ => None,
        };
        let (resource, owner) = match (&compartment, &item) {
            (Some(c), Some(i)) => (item_facts(c, i, self.today()), Some(c.company_id)),
            _ => (
                LedgerItemFacts {
                    id: dsg_core::text::clip_owned(item_id, 64),
                    compartment: CompartmentFacts {
                        id: CompartmentId::random(),
                        contract: ContractId::random(),
                        company: CompanyId::random(),
                        phase: dsg_core::CompartmentPhase::Active,
                    },
                    holder: None,
                    closing_by: None,
                },
                None,
            ),
        };
        let object = match &compartment {
            Some(c) => AuditObject::Compartment(c.id),
            None => {
                AuditObject::RequestedCompartment(dsg_core::text::clip_owned(compartment_id, 64))
            }
        };
        let (user, decided) = self
            .authorize_named(
                meta,
                caller,
                (action, Resource::LedgerItem(resource)),
                owner,
                audit_action,
                object,
            )
            .await?;
        let (Some(compartment), Some(item)) = (compartment, item) else {
            return Err(AppError::NotFound);
        };
        Ok((compartment, item, user, decided))
    }

    /// A compartment's inventory: every item with its events. Recorded.
    pub async fn ledger(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
    ) -> Result<LedgerView, AppError> {
        let (compartment, _, decided) = self
            .authorize_data(
                meta,
                caller,
                (compartment_id, None),
                Action::LedgerView,
                AuditAction::LedgerView,
            )
            .await?;
        let view = self.ledger_of(caller, &compartment).await?;
        let record = self.success(
            meta,
            caller,
            AuditAction::LedgerView,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        self.record(&record).await?;
        Ok(view)
    }

    /// The open items of every compartment whose inventory the caller may
    /// read: a company's people see their company's, the agency its
    /// contracts'. Recorded as one read.
    pub async fn open_ledger_items(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<LedgerView>, AppError> {
        let Caller::User(user) = caller else {
            return Err(AppError::Unauthenticated);
        };
        let mut views = Vec::new();
        let mut evidence = None;
        for compartment in self.inner.org.list_compartments().await? {
            let decided = self.decide(
                caller,
                Action::LedgerView,
                Resource::Compartment(facts(&compartment, self.today())),
            );
            if !decided.allowed {
                continue;
            }
            let mut view = self.ledger_of(caller, &compartment).await?;
            view.items.retain(|i| i.open);
            if !view.items.is_empty() {
                views.push(view);
            }
            evidence.get_or_insert(decided);
        }
        let object = AuditObject::Company(Some(user.facts.company));
        let record = match &evidence {
            Some(decided) => self.success(meta, caller, AuditAction::LedgerView, object, decided),
            None => Self::audit(
                meta,
                caller,
                AuditAction::LedgerView,
                object,
                dsg_core::Outcome::Success,
                "open-items;none-readable",
            ),
        };
        self.record(&record).await?;
        Ok(views)
    }

    async fn ledger_of(
        &self,
        caller: &Caller,
        compartment: &Compartment,
    ) -> Result<LedgerView, AppError> {
        let key = self.compartment_key(compartment)?;
        let mut names = HashMap::new();
        for file in self.inner.files.list_files(compartment.id).await? {
            let file = super::keys::open_file_with(&key, compartment, file)?;
            names.insert(file.id, file.name.as_str().to_owned());
        }
        let mut events: HashMap<LedgerItemId, Vec<LedgerEventView>> = HashMap::new();
        for row in self.inner.files.ledger_events(compartment.id).await? {
            let details = if row.details_sealed.is_empty() {
                LedgerDetails::default()
            } else {
                let json =
                    self.open_text(&key, compartment, &row.id.to_string(), &row.details_sealed)?;
                serde_json::from_slice(&json)
                    .map_err(|e| AppError::Internal(format!("ledger details: {e}")))?
            };
            events
                .entry(row.item_id)
                .or_default()
                .push(LedgerEventView { row, details });
        }
        let mut items = Vec::new();
        for row in self.inner.files.ledger_items(compartment.id).await? {
            let name = match (row.file_id, row.title_sealed.is_empty()) {
                (_, false) => {
                    let text =
                        self.open_text(&key, compartment, &row.id.to_string(), &row.title_sealed)?;
                    String::from_utf8_lossy(&text).into_owned()
                }
                (Some(file), true) => names.get(&file).cloned().unwrap_or_default(),
                (None, true) => String::new(),
            };
            let holder_name = match row.holder {
                Some(h) => self.inner.org.user(h).await?.map(|u| u.display_name),
                None => None,
            };
            let decide = |action| {
                self.decide(
                    caller,
                    action,
                    Resource::LedgerItem(item_facts(compartment, &row, self.today())),
                )
                .allowed
            };
            let checkable = row.state == LedgerState::Closing && decide(Action::LedgerCheck);
            let permittable = row.state == LedgerState::Held
                && row.kind != LedgerItemKind::FileVersion
                && decide(Action::LedgerPermit);
            items.push(LedgerItemView {
                open: row.kind.is_open(row.state),
                events: events.remove(&row.id).unwrap_or_default(),
                name,
                holder_name,
                checkable,
                permittable,
                row,
            });
        }
        Ok(LedgerView {
            compartment_id: compartment.id,
            contract_id: compartment.contract_id,
            items,
        })
    }

    fn open_text(
        &self,
        key: &SecretKey,
        compartment: &Compartment,
        owner: &str,
        sealed: &str,
    ) -> Result<Vec<u8>, AppError> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| AppError::Internal("sealed ledger text is not base64".into()))?;
        let owner = format!("{}/{owner}", compartment.id);
        let ctx = WrapContext {
            purpose: LEDGER_TEXT,
            owner: &owner,
            key_version: compartment.key_version,
        };
        Ok(open(key, &bytes, &ctx)?.to_vec())
    }

    /// Enters a paper document or medium by hand, held by the caller.
    pub async fn add_ledger_item(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
        input: NewLedgerItemInput,
    ) -> Result<LedgerItemId, AppError> {
        let (compartment, _, decided) = self
            .authorize_data(
                meta,
                caller,
                (compartment_id, None),
                Action::LedgerRecord,
                AuditAction::LedgerEntry,
            )
            .await?;
        let kind = LedgerItemKind::parse(&input.kind)?;
        if !kind.is_hand_entered() {
            return Err(dsg_core::DomainError::refused(
                "only paper documents and media are entered by hand",
            )
            .into());
        }
        let opening = LedgerEventKind::parse(&input.opening)?;
        let direction = match opening {
            LedgerEventKind::Receipt => FileDirection::Provided,
            LedgerEventKind::Creation => FileDirection::Submitted,
            _ => {
                return Err(dsg_core::DomainError::invalid("opening", "receipt or creation").into())
            }
        };
        let title = LedgerLine::parse("title", &input.title)?;
        let details = input.details.checked()?;
        let holder = caller.user_id().ok_or(AppError::Unauthenticated)?;
        let key = self.compartment_key(&compartment)?;
        let now = self.now();
        let id = LedgerItemId::random();
        let event_id = LedgerEventId::random();
        let item = LedgerItemRow {
            id,
            compartment_id: compartment.id,
            kind,
            file_id: None,
            version: None,
            parent_id: None,
            title_sealed: self.seal_text(
                &key,
                &compartment,
                &id.to_string(),
                title.as_str().as_bytes(),
            )?,
            holder: Some(holder),
            terminal_id: None,
            state: LedgerState::Held,
            closing_by: None,
            checked_by: None,
            created_at: now,
            updated_at: now,
            closed_at: None,
        };
        let event = NewLedgerEvent {
            id: event_id,
            item_id: id,
            kind: LedgerEventKind::opening(kind, direction),
            actor: holder,
            terminal_id: meta.terminal.clone(),
            at: now,
            method: None,
            permission_id: None,
            permitted_user: None,
            permits: None,
            details_sealed: self.seal_details(&key, &compartment, event_id, &details)?,
        };
        let mut record = self.success(
            meta,
            caller,
            AuditAction::LedgerEntry,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        record.reason = format!(
            "{};item={id};event={};kind={}",
            record.reason,
            event.kind.as_str(),
            kind.as_str()
        );
        self.inner
            .files
            .add_ledger_item(&item, &event, &record)
            .await?;
        Ok(id)
    }

    /// Enters an event on an item by hand: carrying out or sending under a
    /// permission recorded before, a return, a submission, a disposal.
    pub async fn record_ledger_event(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        ids: (&str, &str),
        input: LedgerEventInput,
    ) -> Result<LedgerEventId, AppError> {
        let (compartment, item, user, decided) = self
            .authorize_item(
                meta,
                caller,
                ids,
                (Action::LedgerRecord, AuditAction::LedgerEntry),
            )
            .await?;
        let kind = LedgerEventKind::parse(&input.kind)?;
        if !kind.by_hand_on(item.kind)
            || matches!(kind, LedgerEventKind::Permission | LedgerEventKind::Check)
        {
            return Err(dsg_core::DomainError::refused(
                "this event is not entered by hand on this item",
            )
            .into());
        }
        let next = item.state.after(item.kind, kind)?;
        let now = self.now();
        let actor = user.user.id;
        // A copy is returned or destroyed by who holds it (第6-2); another
        // person checks it afterwards.
        if item.kind == LedgerItemKind::Copy
            && matches!(kind, LedgerEventKind::Return | LedgerEventKind::Disposal)
            && item.holder != Some(actor)
        {
            return Err(dsg_core::DomainError::refused(
                "only the holder of a copy records its return or destruction",
            )
            .into());
        }
        let (method, permission_id) = if kind.needs_permission() {
            let permission = input
                .permission_id
                .as_deref()
                .and_then(|p| p.parse::<LedgerEventId>().ok())
                .ok_or(dsg_core::DomainError::invalid(
                    "permission_id",
                    "a manager's permission recorded before the act",
                ))?;
            let Some(granted) = self.inner.files.ledger_event(item.id, permission).await? else {
                return Err(AppError::NotFound);
            };
            let (Some(permits), Some(sender)) = (granted.permits, granted.permitted_user) else {
                return Err(dsg_core::DomainError::refused("not a permission").into());
            };
            dsg_core::check_permission((permits, granted.at, &sender), (kind, now, &actor))?;
            if granted.used_by.is_some() {
                return Err(
                    dsg_core::DomainError::refused("this permission was used already").into(),
                );
            }
            (granted.method, Some(permission))
        } else {
            (None, None)
        };
        let details = input.details.checked()?;
        let key = self.compartment_key(&compartment)?;
        let id = LedgerEventId::random();
        let event = NewLedgerEvent {
            id,
            item_id: item.id,
            kind,
            actor,
            terminal_id: meta.terminal.clone(),
            at: now,
            method,
            permission_id,
            permitted_user: None,
            permits: None,
            details_sealed: self.seal_details(&key, &compartment, id, &details)?,
        };
        let mut record = self.success(
            meta,
            caller,
            AuditAction::LedgerEntry,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        record.reason = format!("{};item={};event={}", record.reason, item.id, kind.as_str());
        self.inner
            .files
            .append_ledger_event(&event, (item.state, next), &record)
            .await?;
        Ok(id)
    }

    /// A manager permits carrying out or sending an item: who may, to
    /// which named recipient, how, in which container (第6-4).
    pub async fn permit_ledger_movement(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        ids: (&str, &str),
        input: LedgerPermitInput,
    ) -> Result<LedgerEventId, AppError> {
        let (compartment, item, user, decided) = self
            .authorize_item(
                meta,
                caller,
                ids,
                (Action::LedgerPermit, AuditAction::LedgerPermit),
            )
            .await?;
        let act = LedgerEventKind::parse(&input.act)?;
        if !act.needs_permission() || !act.by_hand_on(item.kind) {
            return Err(dsg_core::DomainError::invalid("act", "carry_out or sending").into());
        }
        item.state.after(item.kind, LedgerEventKind::Permission)?;
        let method = MovementMethod::parse(&input.method)?;
        let person = input
            .person
            .parse::<UserId>()
            .map_err(|_| dsg_core::DomainError::invalid("person", "a user id"))?;
        match self.inner.org.user(person).await? {
            Some(u) if u.company_id == user.user.company_id => {}
            _ => {
                return Err(dsg_core::DomainError::invalid(
                    "person",
                    "a person of the manager's company",
                )
                .into())
            }
        }
        let details = LedgerDetails {
            recipient: Some(input.recipient),
            container: Some(input.container),
            ..LedgerDetails::default()
        }
        .checked()?;
        if details.recipient.is_none() || details.container.is_none() {
            return Err(dsg_core::DomainError::invalid(
                "recipient",
                "a named recipient and a container",
            )
            .into());
        }
        let key = self.compartment_key(&compartment)?;
        let id = LedgerEventId::random();
        let event = NewLedgerEvent {
            id,
            item_id: item.id,
            kind: LedgerEventKind::Permission,
            actor: user.user.id,
            terminal_id: meta.terminal.clone(),
            at: self.now(),
            method: Some(method),
            permission_id: None,
            permitted_user: Some(person),
            permits: Some(act),
            details_sealed: self.seal_details(&key, &compartment, id, &details)?,
        };
        let mut record = self.success(
            meta,
            caller,
            AuditAction::LedgerPermit,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        record.reason = format!(
            "{};item={};permits={};person={person}",
            record.reason,
            item.id,
            act.as_str()
        );
        self.inner
            .files
            .append_ledger_event(&event, (item.state, item.state), &record)
            .await?;
        Ok(id)
    }

    /// Checks an item's recorded return or disposal as another person than
    /// who holds it or recorded it: the item closes.
    pub async fn check_ledger_item(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        ids: (&str, &str),
    ) -> Result<(), AppError> {
        let (compartment, item, user, decided) = self
            .authorize_item(
                meta,
                caller,
                ids,
                (Action::LedgerCheck, AuditAction::LedgerCheck),
            )
            .await?;
        let next = item.state.after(item.kind, LedgerEventKind::Check)?;
        let Some(recorder) = item.closing_by else {
            return Err(AppError::Internal(
                "a closing item names no recorder".into(),
            ));
        };
        dsg_core::check_ledger_checker(item.holder.as_ref(), &recorder, &user.user.id)?;
        let event = NewLedgerEvent {
            id: LedgerEventId::random(),
            item_id: item.id,
            kind: LedgerEventKind::Check,
            actor: user.user.id,
            terminal_id: meta.terminal.clone(),
            at: self.now(),
            method: None,
            permission_id: None,
            permitted_user: None,
            permits: None,
            details_sealed: String::new(),
        };
        let mut record = self.success(
            meta,
            caller,
            AuditAction::LedgerCheck,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        record.reason = format!("{};item={};recorded_by={recorder}", record.reason, item.id);
        self.inner
            .files
            .append_ledger_event(&event, (item.state, next), &record)
            .await?;
        Ok(())
    }

    /// The copy a download makes on the caller's terminal, entered with
    /// the download's audit entry in one transaction.
    pub(super) async fn record_copy(
        &self,
        meta: &RequestMeta,
        compartment: &Compartment,
        (file, version): (dsg_core::FileId, u32),
        holder: UserId,
        record: &dsg_core::AuditRecord,
    ) -> Result<(), AppError> {
        let copy = NewCopy {
            item_id: LedgerItemId::random(),
            event_id: LedgerEventId::random(),
            compartment_id: compartment.id,
            file: (file, version),
            holder,
            terminal_id: meta.terminal.clone(),
            at: self.now(),
        };
        self.inner.files.record_copy(&copy, record).await?;
        Ok(())
    }
}
