//! The inventory of protected information (migration `0023_ledger.sql`):
//! its items and their events. The gateway's own events (a version
//! uploaded, a copy downloaded, a disposal confirmed) are written by the
//! helpers here inside the action's own `AuditedTx`, so an action that
//! rolls back leaves no event; people's entries commit with their own
//! audit entry. A step applies only from the state it was decided in.

use dsg_core::{
    AuditRecord, CompartmentId, FileDirection, FileId, LedgerEventId, LedgerEventKind,
    LedgerItemId, LedgerItemKind, LedgerState, MovementMethod, UserId,
};
use sqlx::{Any, Row};

use crate::audited::AuditedTx;
use crate::org::conflict_as;
use crate::{rows, Store, StoreError};

/// An item of the inventory as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerItemRow {
    /// Its id.
    pub id: LedgerItemId,
    /// The compartment whose inventory it is in.
    pub compartment_id: CompartmentId,
    /// What it is.
    pub kind: LedgerItemKind,
    /// The file (a version, or what a copy was made of).
    pub file_id: Option<FileId>,
    /// The version.
    pub version: Option<u32>,
    /// A copy: the item it was made from.
    pub parent_id: Option<LedgerItemId>,
    /// A hand-entered item's title, sealed under the compartment key
    /// (empty for the gateway's items, named by their file).
    pub title_sealed: String,
    /// Who holds it (a copy: who downloaded it).
    pub holder: Option<UserId>,
    /// The terminal a copy is on.
    pub terminal_id: Option<String>,
    /// Where it stands.
    pub state: LedgerState,
    /// Who recorded its return or disposal.
    pub closing_by: Option<UserId>,
    /// The other person who checked it.
    pub checked_by: Option<UserId>,
    /// When it was entered (Unix ms).
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// When it closed.
    pub closed_at: Option<i64>,
}

/// One event of an item, as stored and as read (with the names of its
/// person and terminal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEventRow {
    /// Its id.
    pub id: LedgerEventId,
    /// Its item.
    pub item_id: LedgerItemId,
    /// Its place among the item's events, from 1.
    pub seq: i64,
    /// What happened.
    pub kind: LedgerEventKind,
    /// Who.
    pub actor: Option<UserId>,
    /// Their name as shown (read only).
    pub actor_name: Option<String>,
    /// On which terminal.
    pub terminal_id: Option<String>,
    /// That terminal's name (read only).
    pub terminal_name: Option<String>,
    /// Where (the terminal's site at the time).
    pub site: Option<String>,
    /// When (Unix ms).
    pub at: i64,
    /// How it was carried or sent.
    pub method: Option<MovementMethod>,
    /// The permission an act rests on.
    pub permission_id: Option<LedgerEventId>,
    /// On a permission: who may act on it.
    pub permitted_user: Option<UserId>,
    /// On a permission: the act it permits.
    pub permits: Option<LedgerEventKind>,
    /// On a permission: the act that used it.
    pub used_by: Option<String>,
    /// Free text (recipient, container, place, department, note), sealed
    /// under the compartment key.
    pub details_sealed: String,
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewLedgerEvent {
    /// Its id.
    pub id: LedgerEventId,
    /// Its item.
    pub item_id: LedgerItemId,
    /// What happened.
    pub kind: LedgerEventKind,
    /// Who.
    pub actor: UserId,
    /// On which terminal, if the request came from one.
    pub terminal_id: Option<String>,
    /// When (Unix ms).
    pub at: i64,
    /// How it is carried or sent.
    pub method: Option<MovementMethod>,
    /// The permission an act rests on.
    pub permission_id: Option<LedgerEventId>,
    /// On a permission: who may act on it.
    pub permitted_user: Option<UserId>,
    /// On a permission: the act it permits.
    pub permits: Option<LedgerEventKind>,
    /// Free text, sealed.
    pub details_sealed: String,
}

/// A copy downloaded to a terminal: the gateway's entry, written with the
/// download's audit entry.
#[derive(Debug, Clone)]
pub struct NewCopy {
    /// The copy's item id.
    pub item_id: LedgerItemId,
    /// The opening event's id.
    pub event_id: LedgerEventId,
    /// The compartment.
    pub compartment_id: CompartmentId,
    /// The file and version copied.
    pub file: (FileId, u32),
    /// Who downloaded it.
    pub holder: UserId,
    /// To which terminal.
    pub terminal_id: Option<String>,
    /// When (Unix ms).
    pub at: i64,
}

fn opt_id<T: std::str::FromStr<Err = dsg_core::DomainError>>(
    r: &sqlx::any::AnyRow,
    column: &str,
) -> Result<Option<T>, StoreError> {
    Ok(r.try_get::<Option<String>, _>(column)?
        .map(|s| s.parse())
        .transpose()?)
}

fn item_row(r: &sqlx::any::AnyRow) -> Result<LedgerItemRow, StoreError> {
    let version = r
        .try_get::<Option<i64>, _>("version")?
        .map(u32::try_from)
        .transpose()
        .map_err(|_| StoreError::Corrupt("ledger item version".into()))?;
    Ok(LedgerItemRow {
        id: rows::id(r, "id")?,
        compartment_id: rows::id(r, "compartment_id")?,
        kind: LedgerItemKind::parse(&r.try_get::<String, _>("kind")?)?,
        file_id: opt_id(r, "file_id")?,
        version,
        parent_id: opt_id(r, "parent_id")?,
        title_sealed: r.try_get("title_sealed")?,
        holder: opt_id(r, "holder")?,
        terminal_id: r.try_get("terminal_id")?,
        state: LedgerState::parse(&r.try_get::<String, _>("state")?)?,
        closing_by: opt_id(r, "closing_by")?,
        checked_by: opt_id(r, "checked_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        closed_at: r.try_get("closed_at")?,
    })
}

fn event_row(r: &sqlx::any::AnyRow) -> Result<LedgerEventRow, StoreError> {
    Ok(LedgerEventRow {
        id: rows::id(r, "id")?,
        item_id: rows::id(r, "item_id")?,
        seq: r.try_get("seq")?,
        kind: LedgerEventKind::parse(&r.try_get::<String, _>("kind")?)?,
        actor: opt_id(r, "actor")?,
        actor_name: r.try_get("actor_name")?,
        terminal_id: r.try_get("terminal_id")?,
        terminal_name: r.try_get("terminal_name")?,
        site: r.try_get("site")?,
        at: r.try_get("at")?,
        method: r
            .try_get::<Option<String>, _>("method")?
            .map(|s| MovementMethod::parse(&s))
            .transpose()?,
        permission_id: opt_id(r, "permission_id")?,
        permitted_user: opt_id(r, "permitted_user")?,
        permits: r
            .try_get::<Option<String>, _>("permits")?
            .map(|s| LedgerEventKind::parse(&s))
            .transpose()?,
        used_by: r.try_get("used_by")?,
        details_sealed: r.try_get("details_sealed")?,
    })
}

macro_rules! item_columns {
    () => {
        "SELECT id, compartment_id, kind, file_id, version, parent_id, title_sealed, holder, \
         terminal_id, state, closing_by, checked_by, created_at, updated_at, closed_at \
         FROM ledger_items "
    };
}

macro_rules! event_columns {
    () => {
        "SELECT e.id, e.item_id, e.seq, e.kind, e.actor, u.display_name AS actor_name, \
         e.terminal_id, t.name AS terminal_name, e.site, e.at, e.method, e.permission_id, \
         e.permitted_user, e.permits, e.used_by, e.details_sealed FROM ledger_events e \
         LEFT JOIN users u ON u.id = e.actor LEFT JOIN terminals t ON t.id = e.terminal_id "
    };
}

/// Inserts an item (no event).
async fn insert_item(tx: &mut AuditedTx, item: &LedgerItemRow) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "INSERT INTO ledger_items (id, compartment_id, kind, file_id, version, parent_id, \
         title_sealed, holder, terminal_id, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(item.id.to_string())
    .bind(item.compartment_id.to_string())
    .bind(item.kind.as_str())
    .bind(item.file_id.map(|f| f.to_string()))
    .bind(item.version.map(i64::from))
    .bind(item.parent_id.map(|p| p.to_string()))
    .bind(item.title_sealed.clone())
    .bind(item.holder.map(|u| u.to_string()))
    .bind(item.terminal_id.clone())
    .bind(item.state.as_str())
    .bind(item.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Appends an event to its item (the next `seq`; the terminal's site as it
/// is now).
async fn insert_event(tx: &mut AuditedTx, event: &NewLedgerEvent) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "INSERT INTO ledger_events (id, item_id, seq, kind, actor, terminal_id, site, at, \
         method, permission_id, permitted_user, permits, details_sealed) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger_events WHERE item_id = $2), \
         $3, $4, $5, (SELECT site FROM terminals WHERE id = $5), $6, $7, $8, $9, $10, $11)",
    )
    .bind(event.id.to_string())
    .bind(event.item_id.to_string())
    .bind(event.kind.as_str())
    .bind(event.actor.to_string())
    .bind(event.terminal_id.clone())
    .bind(event.at)
    .bind(event.method.map(MovementMethod::as_str))
    .bind(event.permission_id.map(|p| p.to_string()))
    .bind(event.permitted_user.map(|u| u.to_string()))
    .bind(event.permits.map(LedgerEventKind::as_str))
    .bind(event.details_sealed.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The item of a stored version, entered now (with its opening event by
/// `actor`) if it has none: a version stored before the inventory existed
/// gets its item the first time something happens to it.
pub(crate) async fn version_item(
    tx: &mut AuditedTx,
    compartment: CompartmentId,
    (file, version): (FileId, u32),
    (actor, terminal): (UserId, Option<String>),
    now_ms: i64,
) -> Result<LedgerItemId, StoreError> {
    let found = sqlx::query::<Any>(
        "SELECT id FROM ledger_items WHERE kind = 'file_version' AND file_id = $1 \
         AND version = $2",
    )
    .bind(file.to_string())
    .bind(i64::from(version))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = found {
        return rows::id(&row, "id");
    }
    let direction = sqlx::query::<Any>("SELECT direction FROM files WHERE id = $1")
        .bind(file.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("file"))?;
    let direction = FileDirection::parse(&direction.try_get::<String, _>("direction")?)?;
    let item = LedgerItemRow {
        id: LedgerItemId::random(),
        compartment_id: compartment,
        kind: LedgerItemKind::FileVersion,
        file_id: Some(file),
        version: Some(version),
        parent_id: None,
        title_sealed: String::new(),
        holder: None,
        terminal_id: None,
        state: LedgerState::Held,
        closing_by: None,
        checked_by: None,
        created_at: now_ms,
        updated_at: now_ms,
        closed_at: None,
    };
    insert_item(tx, &item).await?;
    insert_event(
        tx,
        &NewLedgerEvent {
            id: LedgerEventId::random(),
            item_id: item.id,
            kind: LedgerEventKind::opening(LedgerItemKind::FileVersion, direction),
            actor,
            terminal_id: terminal,
            at: now_ms,
            method: None,
            permission_id: None,
            permitted_user: None,
            permits: None,
            details_sealed: String::new(),
        },
    )
    .await?;
    Ok(item.id)
}

/// Closes the items of a file's versions on a confirmed disposal: the
/// performer's disposal and the checker's check, in the confirmation's
/// transaction.
pub(crate) async fn close_disposed_versions(
    tx: &mut AuditedTx,
    compartment: CompartmentId,
    file: FileId,
    (performer, performed_at): (UserId, i64),
    checker: UserId,
    now_ms: i64,
) -> Result<(), StoreError> {
    let versions = sqlx::query::<Any>(
        "SELECT version FROM file_versions WHERE file_id = $1 AND key_destroyed_at IS NULL",
    )
    .bind(file.to_string())
    .fetch_all(&mut **tx)
    .await?;
    let versions: Vec<u32> = rows::all(&versions, |r| rows::version(r, "version"))?;
    for version in versions {
        let item =
            version_item(tx, compartment, (file, version), (performer, None), now_ms).await?;
        for (kind, actor, at) in [
            (LedgerEventKind::Disposal, performer, performed_at),
            (LedgerEventKind::Check, checker, now_ms),
        ] {
            insert_event(
                tx,
                &NewLedgerEvent {
                    id: LedgerEventId::random(),
                    item_id: item,
                    kind,
                    actor,
                    terminal_id: None,
                    at,
                    method: None,
                    permission_id: None,
                    permitted_user: None,
                    permits: None,
                    details_sealed: String::new(),
                },
            )
            .await?;
        }
        sqlx::query::<Any>(
            "UPDATE ledger_items SET state = 'closed', closing_by = $1, checked_by = $2, \
             closed_at = $3, updated_at = $3 WHERE id = $4",
        )
        .bind(performer.to_string())
        .bind(checker.to_string())
        .bind(now_ms)
        .bind(item.to_string())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// The items of a compartment's inventory, oldest first.
    pub async fn ledger_items(
        &self,
        compartment: CompartmentId,
    ) -> Result<Vec<LedgerItemRow>, StoreError> {
        let found = sqlx::query::<Any>(concat!(
            item_columns!(),
            "WHERE compartment_id = $1 ORDER BY created_at, id"
        ))
        .bind(compartment.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows::all(&found, item_row)
    }

    /// One item of a compartment's inventory.
    pub async fn ledger_item(
        &self,
        compartment: CompartmentId,
        id: LedgerItemId,
    ) -> Result<Option<LedgerItemRow>, StoreError> {
        let found = sqlx::query::<Any>(concat!(
            item_columns!(),
            "WHERE id = $1 AND compartment_id = $2"
        ))
        .bind(id.to_string())
        .bind(compartment.to_string())
        .fetch_optional(&self.pool)
        .await?;
        found.as_ref().map(item_row).transpose()
    }

    /// The events of a compartment's inventory, item by item in order.
    pub async fn ledger_events(
        &self,
        compartment: CompartmentId,
    ) -> Result<Vec<LedgerEventRow>, StoreError> {
        let found = sqlx::query::<Any>(concat!(
            event_columns!(),
            "JOIN ledger_items i ON i.id = e.item_id WHERE i.compartment_id = $1 \
             ORDER BY e.item_id, e.seq"
        ))
        .bind(compartment.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows::all(&found, event_row)
    }

    /// One event of an item.
    pub async fn ledger_event(
        &self,
        item: LedgerItemId,
        id: LedgerEventId,
    ) -> Result<Option<LedgerEventRow>, StoreError> {
        let found = sqlx::query::<Any>(concat!(
            event_columns!(),
            "WHERE e.id = $1 AND e.item_id = $2"
        ))
        .bind(id.to_string())
        .bind(item.to_string())
        .fetch_optional(&self.pool)
        .await?;
        found.as_ref().map(event_row).transpose()
    }

    /// Enters an item by hand with its opening event.
    pub async fn add_ledger_item(
        &self,
        item: &LedgerItemRow,
        opening: &NewLedgerEvent,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        insert_item(&mut tx, item).await?;
        insert_event(&mut tx, opening).await?;
        tx.commit(item.created_at, audit).await?;
        Ok(())
    }

    /// Appends an event that moves its item from `from` to `to`; refused
    /// (`Conflict`) if the item is no longer in `from`, if the permission
    /// it rests on is used already, or if a check is by who recorded the
    /// item's end or holds it.
    pub async fn append_ledger_event(
        &self,
        event: &NewLedgerEvent,
        (from, to): (LedgerState, LedgerState),
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let (closing_by, checked_by, closed_at) = match (event.kind, to) {
            (LedgerEventKind::Check, _) => (None, Some(event.actor), Some(event.at)),
            (_, LedgerState::Closing) => (Some(event.actor), None, None),
            (_, LedgerState::Closed) => (None, None, Some(event.at)),
            _ => (None, None, None),
        };
        let moved = sqlx::query::<Any>(
            "UPDATE ledger_items SET state = $1, updated_at = $2, \
             closing_by = COALESCE($3, closing_by), checked_by = COALESCE($4, checked_by), \
             closed_at = COALESCE($5, closed_at) WHERE id = $6 AND state = $7",
        )
        .bind(to.as_str())
        .bind(event.at)
        .bind(closing_by.map(|u| u.to_string()))
        .bind(checked_by.map(|u| u.to_string()))
        .bind(closed_at)
        .bind(event.item_id.to_string())
        .bind(from.as_str())
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_as(e, "a check by who holds the item or recorded its end"))?;
        if moved.rows_affected() != 1 {
            return Err(StoreError::Conflict("the item changed meanwhile"));
        }
        if let Some(permission) = event.permission_id {
            let used = sqlx::query::<Any>(
                "UPDATE ledger_events SET used_by = $1 WHERE id = $2 AND item_id = $3 \
                 AND kind = 'permission' AND used_by IS NULL",
            )
            .bind(event.id.to_string())
            .bind(permission.to_string())
            .bind(event.item_id.to_string())
            .execute(&mut *tx)
            .await?;
            if used.rows_affected() != 1 {
                return Err(StoreError::Conflict("a permission used already"));
            }
        }
        insert_event(&mut tx, event).await?;
        tx.commit(event.at, audit).await?;
        Ok(())
    }

    /// Enters a copy downloaded to a terminal, with the `copy` event on
    /// the version's item, in the download's own transaction with its
    /// audit entry.
    pub async fn record_copy(&self, copy: &NewCopy, audit: &AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let who = (copy.holder, copy.terminal_id.clone());
        let parent = version_item(&mut tx, copy.compartment_id, copy.file, who, copy.at).await?;
        let (file, version) = copy.file;
        let item = LedgerItemRow {
            id: copy.item_id,
            compartment_id: copy.compartment_id,
            kind: LedgerItemKind::Copy,
            file_id: Some(file),
            version: Some(version),
            parent_id: Some(parent),
            title_sealed: String::new(),
            holder: Some(copy.holder),
            terminal_id: copy.terminal_id.clone(),
            state: LedgerState::Held,
            closing_by: None,
            checked_by: None,
            created_at: copy.at,
            updated_at: copy.at,
            closed_at: None,
        };
        insert_item(&mut tx, &item).await?;
        for (id, on) in [(copy.event_id, item.id), (LedgerEventId::random(), parent)] {
            insert_event(
                &mut tx,
                &NewLedgerEvent {
                    id,
                    item_id: on,
                    kind: LedgerEventKind::Copy,
                    actor: copy.holder,
                    terminal_id: copy.terminal_id.clone(),
                    at: copy.at,
                    method: None,
                    permission_id: None,
                    permitted_user: None,
                    permits: None,
                    details_sealed: String::new(),
                },
            )
            .await?;
        }
        tx.commit(copy.at, audit).await?;
        Ok(())
    }
}
