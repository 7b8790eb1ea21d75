//! Free space on the data volume, shared fairly among concurrent uploads.
//!
//! Free space alone cannot decide an upload: four uploads that each see the
//! same free bytes would all be accepted and together fill the volume. Each
//! upload therefore *promises* the space it will use before the bytes it
//! stands for are accepted: the declared length (as stored, with its
//! encryption overhead) at the start, and further space chunk by chunk when
//! a body runs past what it declared or declared nothing. A promise is kept
//! only if the volume's free space, less the configured reserve, less what
//! other uploads have promised, covers it. Promises end when the upload
//! ends (committed or not), by which time its bytes are on the volume and
//! counted by the file system instead. In between, bytes already written
//! count twice (in the promise and on disk): the ledger errs towards
//! refusing, never towards filling the volume.

use std::sync::{Mutex, PoisonError};

use dsg_crypto::encrypted_len;

/// Bytes promised to uploads in progress.
#[derive(Debug, Default)]
pub(crate) struct SpaceLedger {
    promised: Mutex<u64>,
}

/// The smallest step a chunked body promises at once, so a body of many
/// small pieces does not ask the file system for every one.
const STEP: u64 = 1024 * 1024;

impl SpaceLedger {
    /// Starts an upload's promise of `plaintext_bytes`; `None` when the
    /// volume cannot hold them above the reserve. `free` is the volume's
    /// free space now (`None` for storage that is not a local volume, where
    /// nothing is promised).
    pub(crate) fn promise(
        &self,
        free: Option<u64>,
        reserve: u64,
        plaintext_bytes: u64,
    ) -> Option<Promise<'_>> {
        let mut promise = Promise {
            ledger: self,
            stored_bytes: 0,
            plaintext_covered: 0,
        };
        promise
            .cover(free, reserve, plaintext_bytes)
            .then_some(promise)
    }

    fn take(&self, free: u64, reserve: u64, bytes: u64) -> bool {
        let mut promised = self.promised.lock().unwrap_or_else(PoisonError::into_inner);
        let left = free.saturating_sub(reserve).saturating_sub(*promised);
        if bytes > left {
            return false;
        }
        *promised = promised.saturating_add(bytes);
        true
    }

    fn give_back(&self, bytes: u64) {
        let mut promised = self.promised.lock().unwrap_or_else(PoisonError::into_inner);
        *promised = promised.saturating_sub(bytes);
    }

    /// Bytes promised now (for tests and diagnostics).
    #[cfg(test)]
    fn outstanding(&self) -> u64 {
        *self.promised.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One upload's promise; given back when dropped.
#[derive(Debug)]
pub(crate) struct Promise<'a> {
    ledger: &'a SpaceLedger,
    /// Bytes as stored (ciphertext) held in the ledger.
    stored_bytes: u64,
    /// Plaintext bytes those cover.
    plaintext_covered: u64,
}

impl Promise<'_> {
    /// Extends the promise to cover `plaintext_total` bytes of the body;
    /// false (and nothing more promised) when the volume cannot hold them.
    /// A growing body promises at least [`STEP`] more at a time.
    pub(crate) fn cover(&mut self, free: Option<u64>, reserve: u64, plaintext_total: u64) -> bool {
        if plaintext_total <= self.plaintext_covered && self.stored_bytes > 0 {
            return true;
        }
        let Some(free) = free else {
            return true;
        };
        let target = if self.stored_bytes == 0 {
            plaintext_total
        } else {
            plaintext_total.max(self.plaintext_covered.saturating_add(STEP))
        };
        let needed = encrypted_len(target).saturating_sub(self.stored_bytes);
        if !self.ledger.take(free, reserve, needed) {
            // A last try for exactly what is needed, without the step.
            let exact = encrypted_len(plaintext_total).saturating_sub(self.stored_bytes);
            if exact >= needed || !self.ledger.take(free, reserve, exact) {
                return false;
            }
            self.stored_bytes = self.stored_bytes.saturating_add(exact);
            self.plaintext_covered = plaintext_total;
            return true;
        }
        self.stored_bytes = self.stored_bytes.saturating_add(needed);
        self.plaintext_covered = target;
        true
    }

    /// Whether the body so far (`plaintext_total` bytes) is covered already.
    pub(crate) fn covers(&self, plaintext_total: u64) -> bool {
        plaintext_total <= self.plaintext_covered
    }
}

impl Drop for Promise<'_> {
    fn drop(&mut self) {
        self.ledger.give_back(self.stored_bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn concurrent_promises_never_exceed_the_free_space_above_the_reserve() {
        let ledger = SpaceLedger::default();
        // 100 MiB free, 10 MiB reserve: four 20 MiB uploads fit, a fifth does not.
        let free = Some(100 * MIB);
        let held: Vec<_> = (0..4)
            .map(|_| ledger.promise(free, 10 * MIB, 20 * MIB))
            .collect();
        assert!(held.iter().all(Option::is_some));
        assert!(ledger.promise(free, 10 * MIB, 20 * MIB).is_none());
        assert!(ledger.outstanding() <= 90 * MIB);
        drop(held);
        assert_eq!(ledger.outstanding(), 0);
        assert!(ledger.promise(free, 10 * MIB, 20 * MIB).is_some());
    }

    #[test]
    fn a_growing_body_promises_as_it_grows_and_stops_at_the_reserve() {
        let ledger = SpaceLedger::default();
        let free = Some(30 * MIB);
        let mut promise = ledger.promise(free, 10 * MIB, 0).unwrap();
        let mut total = 0;
        while promise.cover(free, 10 * MIB, total + 64 * 1024) {
            total += 64 * 1024;
            assert!(total <= 20 * MIB, "promised past the reserve");
        }
        assert!(total > 19 * MIB, "refused early at {total}");
        // Another upload cannot have the same space.
        assert!(ledger.promise(free, 10 * MIB, MIB).is_none());
        drop(promise);
        assert_eq!(ledger.outstanding(), 0);
    }

    #[test]
    fn without_a_local_volume_nothing_is_refused_or_held() {
        let ledger = SpaceLedger::default();
        let mut promise = ledger.promise(None, 10 * MIB, u64::MAX / 2).unwrap();
        assert!(promise.cover(None, 10 * MIB, u64::MAX / 2 + 1));
        assert_eq!(ledger.outstanding(), 0);
    }
}
