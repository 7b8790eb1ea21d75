//! The audit forwarder: copies the tamper-evident log to places the
//! operator does not control, because a log whose only copy sits with the
//! operator (who also holds the signing key) proves nothing against them.
//!
//! Two sinks, each optional (`[audit.publish]`, `[audit.siem]`):
//!
//! * **Checkpoint directory**: every signed checkpoint becomes
//!   `checkpoint-<tree size, 20 digits>.json`, one JSON object
//!   `{"format":"dsg-checkpoint-publication/v1","log_id":…,"public_key":
//!   "<hex SEC1>","signed":<SignedCheckpoint>}` and a newline, written to a
//!   temporary file in the same directory, fsynced, renamed into place and
//!   the directory fsynced. A file that exists with other content is never
//!   replaced: that is an error (two different heads of the same size mean
//!   a rewritten log or two logs sharing a directory).
//! * **SIEM**: every sequenced entry as an RFC 5424 line (`format =
//!   "syslog"`: the entry as structured data; `"cef"`: the CEF line as the
//!   MSG of an RFC 5424 line, which Wazuh, QRadar and ArcSight accept), and,
//!   with `checkpoints = true`, every checkpoint as a line of its own right
//!   after the last entry it covers. TCP frames are octet-counted (RFC 6587
//!   §3.4.1, `LEN SP MSG`); UDP sends one message per datagram (RFC 5426).
//!
//! Delivery is at least once: each sink has a durable cursor
//! (`audit_forwarding`, migration 0007) that moves only after the sink took
//! what it covers, so a restart neither loses nor re-sends the log. A failed
//! sink keeps its cursor, logs once per failure streak and retries with
//! backoff (TCP reconnects). TCP has no application acknowledgement: a
//! collector that dies after its kernel accepted bytes loses them; UDP
//! cannot even tell that much. The log itself is the durable record, so no
//! forwarding failure ever touches request handling: the forwarder is a
//! task of its own that only reads the log and writes its cursors.

use crate::TaskHandle;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dsg_audit::{SiemEvent, SignedCheckpoint};
use dsg_store::{SequencedEvent, StoredAuditEvent, StoredCheckpoint};
use serde::Serialize;
use tokio::sync::oneshot;
use tokio::time::{timeout, Instant};

use siem_link::SiemLink;

mod siem_link;

use dsg_app::config::{SiemConfig, SiemFormat};
use dsg_app::{log_id, AppError};

use crate::Context;

/// Format label of a published checkpoint file.
pub const PUBLICATION_FORMAT_V1: &str = "dsg-checkpoint-publication/v1";
/// How often the forwarder looks for new entries and checkpoints (as often
/// as the sequencer makes them).
const TICK: Duration = Duration::from_millis(500);
/// Entries read (and sent) at once.
const BATCH: i64 = 500;
/// Checkpoints read at once.
const CHECKPOINT_BATCH: i64 = 100;
/// Batches per sink per tick, so a long backlog still lets shutdown in.
const BATCHES_PER_TICK: usize = 20;
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Bound on the flush at shutdown: what is left is sent after the next start.
const FINAL_FLUSH: Duration = Duration::from_secs(20);
/// APP-NAME of every line.
const APP_NAME: &str = "dsg";

/// Cursor names (`audit_forwarding.sink`).
const SINK_DIR: &str = "checkpoint_dir";
const SINK_SIEM: &str = "siem";
const SINK_SIEM_CHECKPOINTS: &str = "siem_checkpoints";

/// Why one forwarding pass failed.
#[derive(Debug, thiserror::Error)]
enum ForwardError {
    #[error(transparent)]
    Store(#[from] dsg_store::StoreError),
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("{} exists with different content; refusing to overwrite it", .0.display())]
    Conflict(PathBuf),
}

/// Starts the audit forwarder (every 500 ms) when a checkpoint directory
/// or a SIEM is configured; `None` when neither is. Fails when the
/// checkpoint directory is not an existing directory: a publication
/// that silently goes nowhere would defeat its purpose. A SIEM that is
/// down is no reason not to start.
///
/// At shutdown (after the sequencer's, so the final checkpoint goes out
/// too) it forwards what is sequenced, bounded in time; the cursors keep
/// the rest.
pub async fn spawn(ctx: &Context) -> Result<Option<TaskHandle>, AppError> {
    let audit = &ctx.app.config().audit;
    let publisher = match &audit.publish.checkpoint_dir {
        Some(dir) => {
            let is_dir = tokio::fs::metadata(dir).await.map(|m| m.is_dir());
            if !matches!(is_dir, Ok(true)) {
                return Err(AppError::Invalid(format!(
                    "audit.publish.checkpoint_dir {} is not an existing directory",
                    dir.display()
                )));
            }
            tracing::info!(dir = %dir.display(), "publishing audit checkpoints");
            Some(Publisher {
                dir: dir.clone(),
                key: None,
                streak: Streak::default(),
            })
        }
        None => None,
    };
    let siem = audit.siem.as_ref().map(|config| {
        tracing::info!(address = %config.address, transport = ?config.transport,
                format = ?config.format, "forwarding the audit log to a SIEM");
        SiemSink {
            hostname: config.hostname.clone().unwrap_or_else(machine_hostname),
            link: SiemLink::new(config.address.clone(), config.transport),
            config: config.clone(),
            streak: Streak::default(),
        }
    });
    if publisher.is_none() && siem.is_none() {
        return Ok(None);
    }
    let forwarder = Forwarder {
        ctx: ctx.clone(),
        publisher,
        siem,
    };
    Ok(Some(TaskHandle::spawn("audit forwarder", |stopped| {
        forwarder.run(stopped)
    })))
}

/// The machine's host name for syslog headers (`-`, the NILVALUE, when
/// unknown), as `dsg admin audit-tail` does.
fn machine_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "-".to_owned())
}

/// A sink's failure streak: logged once, retried with backoff.
#[derive(Default)]
struct Streak {
    failures: u32,
    retry_at: Option<Instant>,
}

impl Streak {
    fn ready(&self, now: Instant) -> bool {
        self.retry_at.is_none_or(|at| now >= at)
    }

    fn failed(&mut self, sink: &str, error: &ForwardError) {
        if self.failures == 0 {
            // A conflict or an unreadable checkpoint points at tampering:
            // an error. An unreachable SIEM or a full disk: a warning.
            match error {
                ForwardError::Conflict(_) | ForwardError::Invalid(_) => tracing::error!(
                    sink, error = %error,
                    "audit forwarding failed; retrying (logged again when it recovers)"
                ),
                _ => tracing::warn!(
                    sink, error = %error,
                    "audit forwarding failed; retrying (logged again when it recovers)"
                ),
            }
        } else {
            tracing::debug!(sink, error = %error, failures = self.failures, "audit forwarding failed again");
        }
        self.failures = self.failures.saturating_add(1);
        let backoff = TICK
            .saturating_mul(1u32 << self.failures.min(6))
            .min(MAX_BACKOFF);
        self.retry_at = Some(monotonic_now() + backoff);
    }

    fn succeeded(&mut self, sink: &str) {
        if self.failures > 0 {
            tracing::info!(sink, failures = self.failures, "audit forwarding recovered");
        }
        *self = Self::default();
    }
}

/// Runs `pass` until it has nothing more (or `max` times); records the
/// outcome in the sink's streak. A macro rather than a trait: the two sinks
/// share only these two names, and an async trait method would need boxing
/// to be spawned.
macro_rules! drain {
    ($sink:expr, $name:expr, $app:expr, $max:expr) => {{
        let mut outcome = Ok(());
        for _ in 0..$max {
            match $sink.pass($app).await {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        match outcome {
            Ok(()) => $sink.streak.succeeded($name),
            Err(e) => $sink.streak.failed($name, &e),
        }
    }};
}

struct Forwarder {
    ctx: Context,
    publisher: Option<Publisher>,
    siem: Option<SiemSink>,
}

impl Forwarder {
    /// One round over the sinks. `final_flush` ignores backoff and batch
    /// limits: at shutdown every sink gets one more chance.
    async fn step(&mut self, final_flush: bool) {
        let now = monotonic_now();
        let max = if final_flush {
            usize::MAX
        } else {
            BATCHES_PER_TICK
        };
        if let Some(p) = self.publisher.as_mut() {
            if final_flush || p.streak.ready(now) {
                drain!(p, SINK_DIR, &self.ctx, max);
            }
        }
        if let Some(s) = self.siem.as_mut() {
            if final_flush || s.streak.ready(now) {
                drain!(s, SINK_SIEM, &self.ctx, max);
            }
        }
    }

    async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => self.step(false).await,
                _ = &mut stop => break,
            }
        }
        if timeout(FINAL_FLUSH, self.step(true)).await.is_err() {
            tracing::warn!(
                "audit forwarding did not finish at shutdown; the rest goes after the next start"
            );
        }
    }
}

/// The log's identity as published next to each checkpoint.
struct LogKey {
    log_id: String,
    public_key_hex: String,
    public_key: Vec<u8>,
}

/// The checkpoint directory sink.
struct Publisher {
    dir: PathBuf,
    key: Option<LogKey>,
    streak: Streak,
}

#[derive(Serialize)]
struct Publication<'a> {
    format: &'static str,
    log_id: &'a str,
    public_key: &'a str,
    signed: &'a SignedCheckpoint,
}

/// What a checkpoint row says, checked: a checkpoint that does not verify
/// with the log's key, or belongs to another log, is never forwarded.
fn parse_checkpoint(
    c: &StoredCheckpoint,
    key: Option<&LogKey>,
) -> Result<SignedCheckpoint, ForwardError> {
    let invalid = |why: String| ForwardError::Invalid(format!("checkpoint {}: {why}", c.tree_size));
    let signed = SignedCheckpoint::from_json(&c.signed).map_err(|e| invalid(e.to_string()))?;
    if i64::try_from(signed.checkpoint.tree_size).ok() != Some(c.tree_size) {
        return Err(invalid("stored size differs from the signed one".into()));
    }
    if let Some(key) = key {
        if signed.checkpoint.log_id != key.log_id {
            return Err(invalid(format!(
                "belongs to log {}",
                signed.checkpoint.log_id
            )));
        }
        signed
            .verify(&key.public_key)
            .map_err(|e| invalid(e.to_string()))?;
    }
    Ok(signed)
}

/// The file name and content of a checkpoint's publication.
fn publication(key: &LogKey, c: &StoredCheckpoint) -> Result<(String, Vec<u8>), ForwardError> {
    let signed = parse_checkpoint(c, Some(key))?;
    let mut content = serde_json::to_vec(&Publication {
        format: PUBLICATION_FORMAT_V1,
        log_id: &key.log_id,
        public_key: &key.public_key_hex,
        signed: &signed,
    })
    .map_err(|e| ForwardError::Invalid(format!("encoding a publication: {e}")))?;
    content.push(b'\n');
    Ok((publication_file_name(signed.checkpoint.tree_size), content))
}

/// `checkpoint-<tree size, 20 digits>.json`: zero-padded, so names sort
/// as sizes do.
pub fn publication_file_name(tree_size: u64) -> String {
    format!("checkpoint-{tree_size:020}.json")
}

#[derive(Debug, PartialEq, Eq)]
enum Published {
    Written,
    AlreadyThere,
}

/// Writes `content` as `dir/name` atomically, unless that file exists: with
/// the same content it is left as is (a re-run after a crash before the
/// cursor moved), with other content it is an error. Gateways sharing a
/// database publish the same bytes for the same size (one checkpoint row
/// per size), so the window between the check and the rename can at worst
/// replace a file by an identical one.
fn publish_file(dir: &Path, name: &str, content: &[u8]) -> Result<Published, ForwardError> {
    let target = dir.join(name);
    match std::fs::read(&target) {
        Ok(existing) if existing == content => return Ok(Published::AlreadyThere),
        Ok(_) => return Err(ForwardError::Conflict(target)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    // A dot name, so a collector watching `checkpoint-*.json` never sees a
    // half-written file.
    let temp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = write_then_rename(&temp, &target, content, dir);
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written?;
    Ok(Published::Written)
}

/// Publishes a checkpoint the sequencer has just stored, before the
/// sequencer goes on: a checkpoint that exists only in the database can be
/// deleted with the entries it covers (after a kill) and nothing outside
/// would tell. The forwarder's next pass finds the same file and only moves
/// its cursor; should this fail, that pass retries.
pub(crate) async fn publish_checkpoint(
    dir: &Path,
    log_id: &str,
    public_key: &[u8],
    c: &StoredCheckpoint,
) -> Result<(), AppError> {
    let key = LogKey {
        log_id: log_id.to_owned(),
        public_key_hex: hex::encode(public_key),
        public_key: public_key.to_vec(),
    };
    let (name, content) =
        publication(&key, c).map_err(|e| AppError::Internal(format!("publishing: {e}")))?;
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || publish_file(&dir, &name, &content))
        .await
        .map_err(|e| AppError::Internal(format!("publishing task: {e}")))?
        .map_err(|e| AppError::Internal(format!("publishing a checkpoint: {e}")))?;
    Ok(())
}

fn write_then_rename(temp: &Path, target: &Path, content: &[u8], dir: &Path) -> io::Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)?;
    file.write_all(content)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(temp, target)?;
    // The rename is durable only once the directory is.
    std::fs::File::open(dir)?.sync_all()
}

impl Publisher {
    /// Publishes the next checkpoints. Returns whether there may be more.
    async fn pass(&mut self, ctx: &Context) -> Result<bool, ForwardError> {
        let store = &ctx.ports.following;
        if self.key.is_none() {
            let stored = store
                .audit_key()
                .await?
                .ok_or_else(|| ForwardError::Invalid("the log has no signing key yet".into()))?;
            self.key = Some(LogKey {
                log_id: log_id(&stored.id),
                public_key: hex::decode(&stored.public_key)
                    .map_err(|_| ForwardError::Invalid("stored public key is not hex".into()))?,
                public_key_hex: stored.public_key,
            });
        }
        let Some(key) = self.key.as_ref() else {
            return Ok(false);
        };
        let next = store.forwarding_cursor(SINK_DIR).await?;
        let batch = store.checkpoints_from(next, CHECKPOINT_BATCH).await?;
        for c in &batch {
            let (name, content) = publication(key, c)?;
            let dir = self.dir.clone();
            let published =
                tokio::task::spawn_blocking(move || publish_file(&dir, &name, &content))
                    .await
                    .map_err(|e| ForwardError::Invalid(format!("publishing task: {e}")))??;
            tracing::debug!(tree_size = c.tree_size, ?published, "checkpoint published");
            store
                .set_forwarding_cursor(SINK_DIR, c.tree_size + 1, ctx.app.now())
                .await?;
        }
        Ok(batch.len() as i64 == CHECKPOINT_BATCH)
    }
}

/// One line of the SIEM stream and the cursor it moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    /// The entry at this index of the batch.
    Entry(usize),
    /// The checkpoint at this index of the batch.
    Checkpoint(usize),
}

/// The order of the SIEM stream: entries by seq, each checkpoint right
/// after the last entry it covers (a checkpoint of size `n` covers seqs
/// below `n`). A checkpoint covering entries not read yet waits.
/// `next_seq` is the seq of the first entry of `seqs` (or the cursor when
/// there is none).
fn interleave(seqs: &[i64], sizes: &[i64], next_seq: i64) -> Vec<Item> {
    let mut items = Vec::with_capacity(seqs.len() + sizes.len());
    let mut checkpoints = sizes.iter().enumerate().peekable();
    for (i, seq) in seqs.iter().enumerate() {
        while let Some((j, _)) = checkpoints.next_if(|(_, size)| **size <= *seq) {
            items.push(Item::Checkpoint(j));
        }
        items.push(Item::Entry(i));
    }
    let covered = seqs.last().map_or(next_seq, |s| s + 1);
    while let Some((j, _)) = checkpoints.next_if(|(_, size)| **size <= covered) {
        items.push(Item::Checkpoint(j));
    }
    items
}

/// The SIEM sink.
struct SiemSink {
    config: SiemConfig,
    hostname: String,
    link: SiemLink,
    streak: Streak,
}

/// An audit entry as the SIEM formats see it (ids only).
pub fn siem_event(e: &StoredAuditEvent) -> SiemEvent<'_> {
    SiemEvent {
        id: &e.id,
        occurred_at_ms: e.occurred_at,
        request_id: &e.request_id,
        actor: e.actor_user_id.as_deref(),
        source: e.source_addr.as_deref(),
        terminal: e.terminal_id.as_deref(),
        action: &e.action,
        object_type: &e.object_type,
        object_id: e.object_id.as_deref(),
        outcome: &e.outcome,
        reason: &e.reason,
    }
}

impl SiemSink {
    fn entry_line(&self, s: &SequencedEvent) -> String {
        let event = siem_event(&s.event);
        match self.config.format {
            SiemFormat::Syslog => dsg_audit::to_syslog(&event, &self.hostname, APP_NAME),
            SiemFormat::Cef => dsg_audit::siem::to_cef_syslog(
                &event,
                &self.hostname,
                APP_NAME,
                env!("CARGO_PKG_VERSION"),
            ),
        }
    }

    /// Sends the next entries (and checkpoints). Returns whether there may
    /// be more.
    async fn pass(&mut self, ctx: &Context) -> Result<bool, ForwardError> {
        let store = &ctx.ports.following;
        let next_seq = store.forwarding_cursor(SINK_SIEM).await?;
        let entries = store.sequenced_events_from(next_seq, BATCH).await?;
        let checkpoints = if self.config.checkpoints {
            let next_size = store.forwarding_cursor(SINK_SIEM_CHECKPOINTS).await?;
            store.checkpoints_from(next_size, CHECKPOINT_BATCH).await?
        } else {
            Vec::new()
        };
        let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
        let sizes: Vec<i64> = checkpoints.iter().map(|c| c.tree_size).collect();
        let items = interleave(&seqs, &sizes, next_seq);
        if items.is_empty() {
            return Ok(false);
        }
        let mut lines = Vec::with_capacity(items.len());
        for item in &items {
            lines.push(
                match *item {
                    Item::Entry(i) => entries.get(i).map(|e| self.entry_line(e)),
                    Item::Checkpoint(j) => match checkpoints.get(j) {
                        Some(c) => Some(dsg_audit::siem::checkpoint_to_syslog(
                            &parse_checkpoint(c, None)?,
                            &self.hostname,
                            APP_NAME,
                        )),
                        None => None,
                    },
                }
                .ok_or_else(|| ForwardError::Invalid("forwarding batch out of range".into()))?,
            );
        }
        let (sent, failure) = match self.link.send(&lines).await {
            Ok(()) => (items.len(), None),
            Err((sent, e)) => (sent, Some(e)),
        };
        // Move the cursors past what the transport took, even on failure,
        // so a retry re-sends as little as possible.
        let (mut entry_next, mut checkpoint_next) = (None, None);
        for item in items.iter().take(sent) {
            match *item {
                Item::Entry(i) => entry_next = entries.get(i).map(|e| e.seq + 1),
                Item::Checkpoint(j) => {
                    checkpoint_next = checkpoints.get(j).map(|c| c.tree_size + 1)
                }
            }
        }
        if let Some(next) = entry_next {
            store
                .set_forwarding_cursor(SINK_SIEM, next, ctx.app.now())
                .await?;
        }
        if let Some(next) = checkpoint_next {
            store
                .set_forwarding_cursor(SINK_SIEM_CHECKPOINTS, next, ctx.app.now())
                .await?;
        }
        match failure {
            Some(e) => Err(e.into()),
            None => Ok(entries.len() as i64 == BATCH),
        }
    }
}

/// A monotonic instant that paces retries and bounds the final flush; it
/// decides nothing about a request, so it does not come from the clock port.
#[allow(
    clippy::disallowed_methods,
    reason = "monotonic pacing of retries, not a decision on time"
)]
pub(crate) fn monotonic_now() -> Instant {
    Instant::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_different_checkpoint_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let name = publication_file_name(42);
        assert_eq!(name, "checkpoint-00000000000000000042.json");
        assert_eq!(
            publish_file(dir.path(), &name, b"first\n").unwrap(),
            Published::Written
        );
        // The same bytes again (a retry after a crash): fine, untouched.
        assert_eq!(
            publish_file(dir.path(), &name, b"first\n").unwrap(),
            Published::AlreadyThere
        );
        let refused = publish_file(dir.path(), &name, b"second\n");
        assert!(
            matches!(refused, Err(ForwardError::Conflict(_))),
            "{refused:?}"
        );
        assert_eq!(std::fs::read(dir.path().join(&name)).unwrap(), b"first\n");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(&name)]);
        // A directory that does not exist is an error, not a panic.
        assert!(publish_file(&dir.path().join("missing"), &name, b"x").is_err());
    }

    #[test]
    fn checkpoints_follow_the_last_entry_they_cover() {
        use Item::{Checkpoint as C, Entry as E};
        // Entries 3..=6; checkpoints of sizes 3 (covers up to seq 2), 5 and 9.
        assert_eq!(
            interleave(&[3, 4, 5, 6], &[3, 5, 9], 3),
            vec![C(0), E(0), E(1), C(1), E(2), E(3)]
        );
        // Size 7 covers seq 6, the last entry read: it goes out at the end.
        assert_eq!(interleave(&[5, 6], &[7], 5), vec![E(0), E(1), C(0)]);
        // No new entries: checkpoints up to the cursor go, later ones wait.
        assert_eq!(interleave(&[], &[4, 8], 4), vec![C(0)]);
        assert!(interleave(&[], &[], 0).is_empty());
    }
}
