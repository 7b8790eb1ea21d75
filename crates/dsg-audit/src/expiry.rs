//! Provable expiry: content may leave the log only at the end of its
//! retention period, and only through an `audit.expire` entry.
//!
//! An expiry entry names the range of leaves it expired
//! (`from_seq=A through_seq=B` in its reason). What proves an entry old
//! enough is signed data alone, never the entry's own (expired, so
//! unverifiable) time:
//!
//! * the leaf existed by the timestamp of the first checkpoint whose tree
//!   holds it (`tree_size > seq`): when its retention started at the
//!   latest;
//! * the expiry happened at the expiry entry's `occurred_at`, which its
//!   leaf covers, and which may not lie after the first checkpoint that
//!   signed the entry (an entry cannot be dated after it existed); while no
//!   checkpoint holds the entry yet, the last one before it bounds the time
//!   instead: the entry came after it;
//! * the retention period in force is the longer of those the checkpoints
//!   around the entry signed (version 2); [`MIN_RETENTION_DAYS`] for a
//!   version-1 checkpoint.
//!
//! A leaf whose content is gone passes only if some expiry entry after it
//! covers it and, for that entry, `first signed + retention <= expiry
//! time`. Content blanked directly in the database has no such entry; a
//! forged expiry entry cannot make a fresh leaf old, nor date itself later
//! than the checkpoint that signs it.

use crate::checkpoint::Checkpoint;

/// The stable name of the expiry entries' action.
pub const EXPIRE_ACTION: &str = "audit.expire";

/// The shortest retention period the gateway accepts (`audit.retention_days`),
/// assumed for checkpoints that did not sign theirs.
pub const MIN_RETENTION_DAYS: u32 = 366;

const DAY_MS: i64 = 86_400_000;

/// An `audit.expire` entry: its leaf index and the range it expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryEntry {
    /// Leaf index of the expiry entry itself.
    pub seq: u64,
    /// When it was written (Unix ms, covered by its leaf).
    pub occurred_at: i64,
    /// First leaf it may have expired.
    pub from_seq: u64,
    /// Last leaf it may have expired.
    pub through_seq: u64,
}

impl ExpiryEntry {
    /// Reads the range from an expiry entry's reason (`… from_seq=A
    /// through_seq=B …`). Entries written before the range was recorded
    /// name only `through_seq`: their range starts at 0. `None` when the
    /// reason names no range at all.
    pub fn parse(seq: u64, occurred_at: i64, reason: &str) -> Option<Self> {
        let field = |name: &str| {
            reason
                .split_whitespace()
                .find_map(|part| part.strip_prefix(name))
                .and_then(|v| v.parse::<u64>().ok())
        };
        Some(Self {
            seq,
            occurred_at,
            from_seq: field("from_seq=").unwrap_or(0),
            through_seq: field("through_seq=")?,
        })
    }
}

/// The reason of an expiry entry: what [`ExpiryEntry::parse`] reads back.
pub fn expire_reason(
    before_ms: i64,
    entries: u64,
    from_seq: i64,
    through_seq: i64,
    retention_days: u32,
    alerts: u64,
) -> String {
    format!(
        "before={before_ms} entries={entries} from_seq={from_seq} through_seq={through_seq} \
         retention_days={retention_days} alerts={alerts}"
    )
}

/// The retention period a checkpoint signed, or the minimum for one that
/// did not.
pub fn retention_of(checkpoint: &Checkpoint) -> u32 {
    checkpoint.retention_days.unwrap_or(MIN_RETENTION_DAYS)
}

/// How many leaves may be expired at `expiry_ms` under `retention_days`:
/// those in a tree signed at least that long before (`checkpoints` in
/// signing order). The retention worker expires only leaves below this.
pub fn expirable_below(checkpoints: &[Checkpoint], expiry_ms: i64, retention_days: u32) -> u64 {
    let cut = expiry_ms.saturating_sub(i64::from(retention_days).saturating_mul(DAY_MS));
    checkpoints
        .iter()
        .filter(|c| c.timestamp_ms <= cut)
        .map(|c| c.tree_size)
        .max()
        .unwrap_or(0)
}

/// When `e` provably expired content, and the retention period then in
/// force; `None` when the signed data cannot place it (no checkpoint
/// around it, or dated after the checkpoint that signed it).
fn expiry_time(e: &ExpiryEntry, checkpoints: &[Checkpoint]) -> Option<(i64, u32)> {
    let before = checkpoints.iter().rev().find(|c| c.tree_size <= e.seq);
    let after = checkpoints.iter().find(|c| c.tree_size > e.seq);
    let days = before
        .into_iter()
        .chain(after)
        .map(retention_of)
        .max()
        .unwrap_or(MIN_RETENTION_DAYS);
    let at = match after {
        Some(after) if e.occurred_at <= after.timestamp_ms => e.occurred_at,
        Some(_) => return None,
        None => before?.timestamp_ms,
    };
    Some((at, days))
}

/// Checks every expired leaf (`expired`, leaf indexes ascending) against
/// the expiry entries of the log and its verified `checkpoints` (in
/// signing order: sizes and timestamps never decrease). The error names
/// the first leaf expired without a valid expiry, and the entry that
/// expired it too early when there is one.
pub fn check_expiries(
    expired: &[u64],
    expiries: &[ExpiryEntry],
    checkpoints: &[Checkpoint],
) -> Result<(), String> {
    for &seq in expired {
        let covering: Vec<&ExpiryEntry> = expiries
            .iter()
            .filter(|e| e.seq > seq && e.from_seq <= seq && seq <= e.through_seq)
            .collect();
        let Some(first_signed) = checkpoints.iter().find(|c| c.tree_size > seq) else {
            return Err(format!(
                "entry seq {seq}: its content was expired but no checkpoint covers it, so \
                 nothing shows it was ever old enough"
            ));
        };
        let mut too_early = None;
        let mut unplaced = None;
        let mut proven = false;
        for e in &covering {
            let Some((at, days)) = expiry_time(e, checkpoints) else {
                unplaced.get_or_insert(e.seq);
                continue;
            };
            let ends = first_signed
                .timestamp_ms
                .saturating_add(i64::from(days).saturating_mul(DAY_MS));
            if ends <= at {
                proven = true;
                break;
            }
            too_early.get_or_insert((e.seq, days, ends, at));
        }
        if proven {
            continue;
        }
        if let Some((by, days, ends, at)) = too_early {
            return Err(format!(
                "entry seq {seq}: expired by the audit.expire entry seq {by} before its \
                 retention of {days} days ended: first signed at {} ms, so kept until {ends} ms, \
                 but expired at {at} ms",
                first_signed.timestamp_ms
            ));
        }
        if let Some(by) = unplaced {
            return Err(format!(
                "entry seq {seq}: expired by the audit.expire entry seq {by}, which is dated \
                 after the checkpoint that first signed it or has no checkpoint around it"
            ));
        }
        return Err(format!(
            "entry seq {seq}: its content was removed, but no audit.expire entry after it names \
             it: content erased outside retention"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn cp(size: u64, ts: i64, days: Option<u32>) -> Checkpoint {
        let c = Checkpoint::new("dsg-test", size, [0; 32], ts).unwrap();
        match days {
            Some(d) => c.with_retention(d),
            None => c,
        }
    }

    #[test]
    fn reasons_read_back_and_old_ones_start_at_zero() {
        let reason = expire_reason(5, 3, 2, 9, 400, 0);
        assert_eq!(
            ExpiryEntry::parse(20, 7, &reason),
            Some(ExpiryEntry {
                seq: 20,
                occurred_at: 7,
                from_seq: 2,
                through_seq: 9
            })
        );
        let old = "before=5 entries=3 through_seq=9 alerts=0";
        assert_eq!(ExpiryEntry::parse(20, 7, old).unwrap().from_seq, 0);
        assert_eq!(ExpiryEntry::parse(20, 7, "entries=3"), None);
    }

    #[test]
    fn only_leaves_signed_a_retention_period_before_the_expiry_may_go() {
        let year = 400 * DAY_MS;
        let checkpoints = [
            cp(10, 0, Some(400)),
            cp(20, DAY_MS, Some(400)),
            cp(30, year + DAY_MS, Some(400)),
        ];
        let e = ExpiryEntry {
            seq: 35,
            occurred_at: year + 2 * DAY_MS,
            from_seq: 0,
            through_seq: 25,
        };
        // Leaves 0..20 were signed by day 1; the expiry came on day 402,
        // after a checkpoint of day 401 (none signs it yet): they may go.
        check_expiries(&[0, 9, 10, 19], &[e], &checkpoints).unwrap();
        // Signed on day 402: its own date counts.
        let mut signed = checkpoints.to_vec();
        signed.push(cp(40, year + 2 * DAY_MS, Some(400)));
        check_expiries(&[19], &[e], &signed).unwrap();
        // Dated after the checkpoint that signed it: a forgery.
        let late = ExpiryEntry {
            occurred_at: year + 3 * DAY_MS,
            ..e
        };
        assert!(check_expiries(&[19], &[late], &signed).is_err());
        // A longer retention signed after the entry holds too.
        signed.push(cp(50, year + 3 * DAY_MS, Some(800)));
        let later = ExpiryEntry {
            seq: 45,
            occurred_at: year + 3 * DAY_MS,
            ..e
        };
        assert!(check_expiries(&[19], &[later], &signed).is_err());
        // Leaf 20 was first signed on day 401: far too early.
        let err = check_expiries(&[20], &[e], &checkpoints).unwrap_err();
        assert!(
            err.contains("entry seq 20") && err.contains("seq 35"),
            "{err}"
        );
        // Blanked without an expiry entry naming it.
        let err = check_expiries(&[26], &[e], &checkpoints).unwrap_err();
        assert!(err.contains("no audit.expire entry"), "{err}");
        // expirable_below agrees with the check.
        assert_eq!(expirable_below(&checkpoints, year + DAY_MS, 400), 20);
    }

    #[test]
    fn version_1_checkpoints_count_as_the_minimum_retention() {
        let checkpoints = [cp(5, 0, None), cp(9, 366 * DAY_MS, None)];
        let e = ExpiryEntry {
            seq: 9,
            occurred_at: 0,
            from_seq: 0,
            through_seq: 4,
        };
        check_expiries(&[4], &[e], &checkpoints).unwrap();
        let checkpoints = [cp(5, 0, None), cp(9, 365 * DAY_MS, None)];
        assert!(check_expiries(&[4], &[e], &checkpoints).is_err());
    }
}
