//! The ports of the background tasks (`dsg-workers`): what the audit
//! sequencer, the forwarders and the alert watcher read and write. They run
//! below no use case, yet see no more of the database than these: the
//! composition root hands each task the ports, never the [`Store`].

use dsg_core::AuditRecord;

use crate::{
    NewAlert, NewLeaf, Raised, SequencedEvent, Store, StoreError, StoredAuditEvent, StoredAuditKey,
    StoredCheckpoint, WindowQuery,
};

super::ports! {
    /// The sequencer's side of the log: the leaves and checkpoints it
    /// builds, the entries it turns into leaves, and the entries it writes
    /// itself (company heads, a contradiction found at start).
    pub trait LogSequencing {
        fn checkpoints(&self) -> Vec<StoredCheckpoint>;
        fn leaf_hashes_by_company(&self) -> Vec<(i64, String, Option<String>)>;
        fn company_head_reasons(&self) -> Vec<(String, String)>;
        fn sequenced_events(&self) -> Vec<SequencedEvent>;
        fn unsequenced_events(&self, limit: i64) -> Vec<StoredAuditEvent>;
        fn append_leaves(&self, first_seq: i64, leaves: &[NewLeaf]) -> ();
        fn insert_checkpoint(&self, checkpoint: &StoredCheckpoint) -> ();
        fn record(&self, now_ms: i64, record: &AuditRecord) -> ();
        fn record_returning_id(&self, now_ms: i64, record: &AuditRecord) -> (String, i64);
    }

    /// A follower of the sequenced log (checkpoint publication, the SIEM
    /// link, the alert watcher): what comes after its cursor, and the
    /// cursor itself.
    pub trait LogFollowing {
        fn audit_key(&self) -> Option<StoredAuditKey>;
        fn forwarding_cursor(&self, sink: &str) -> i64;
        fn set_forwarding_cursor(&self, sink: &str, next_seq: i64, now_ms: i64) -> ();
        fn sequenced_events_from(&self, seq: i64, limit: i64) -> Vec<SequencedEvent>;
        fn checkpoints_from(&self, min_tree_size: i64, limit: i64) -> Vec<StoredCheckpoint>;
    }

    /// Raising alerts from the log: the entries a counting rule weighs, and
    /// whether the alert it would raise is open already.
    pub trait AlertRaising {
        fn alert_window(&self, q: &WindowQuery<'_>) -> Vec<StoredAuditEvent>;
        fn active_alert(&self, rule: &str, key: &str) -> Option<String>;
        fn raise_alert(&self, new: &NewAlert<'_>, now_ms: i64) -> Raised;
    }
}
