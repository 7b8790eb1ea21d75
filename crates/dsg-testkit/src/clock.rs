//! One controllable clock: the time the application sees, moved only by
//! the test.

use std::sync::atomic::{AtomicI64, Ordering};

use dsg_core::Clock;

/// A clock at a fixed Unix millisecond that the test moves.
#[derive(Debug)]
pub struct TestClock(pub AtomicI64);

impl TestClock {
    /// A clock standing at `ms`.
    pub fn at(ms: i64) -> Self {
        Self(AtomicI64::new(ms))
    }

    /// Moves the clock forward (or back, with a negative count).
    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs * 1000, Ordering::SeqCst);
    }

    /// The time in whole seconds.
    pub fn unix(&self) -> u64 {
        u64::try_from(self.now_ms() / 1000).unwrap()
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
