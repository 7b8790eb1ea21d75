//! The test kit's gateway harness, running this crate's `dsg` binary.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};

pub(crate) use dsg_testkit::gateway::*;
pub(crate) use dsg_testkit::world::world;

/// The `dsg` binary these tests run.
pub(crate) fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dsg"))
}

/// A running gateway of this crate's binary: the kit's harness, started
/// without naming the binary each time.
pub(crate) struct Gateway(dsg_testkit::Gateway);

impl Gateway {
    /// Starts a gateway; `None` when the PostgreSQL variant cannot run here.
    pub(crate) async fn start(db: Db) -> Option<Self> {
        Self::start_with(db, &[]).await
    }

    pub(crate) async fn start_with(db: Db, env: &[(&str, &str)]) -> Option<Self> {
        Self::start_wrapped(db, env, &[]).await
    }

    /// Starts a gateway as the last argument of `wrapper` (a tracer, say).
    pub(crate) async fn start_wrapped(
        db: Db,
        env: &[(&str, &str)],
        wrapper: &[&str],
    ) -> Option<Self> {
        dsg_testkit::Gateway::start_wrapped(Path::new(env!("CARGO_BIN_EXE_dsg")), db, env, wrapper)
            .await
            .map(Self)
    }

    /// Starts a gateway in `dir`, prepared beforehand (e.g. with its data
    /// directory on a volume of its own).
    pub(crate) async fn start_in(
        db: Db,
        env: &[(&str, &str)],
        wrapper: &[&str],
        dir: tempfile::TempDir,
    ) -> Option<Self> {
        dsg_testkit::Gateway::start_in(Path::new(env!("CARGO_BIN_EXE_dsg")), db, env, wrapper, dir)
            .await
            .map(Self)
    }

    pub(crate) async fn stop(self) {
        self.0.stop().await;
    }
}

impl Deref for Gateway {
    type Target = dsg_testkit::Gateway;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Gateway {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
