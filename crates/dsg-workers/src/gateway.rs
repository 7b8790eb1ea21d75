//! The gateway's composition root and lifecycle: [`Gateway::open`] wires the
//! adapters from the configuration (directories, master key, database, blob
//! store, policy, terminal CA) into the application; [`Gateway::run`] starts
//! the background tasks, serves until the listeners stop, then stops the
//! tasks in order and closes the store. TLS listeners are the web layer's.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dsg_blob::{BlobStore, S3Settings};
use dsg_core::Clock;
use dsg_crypto::{
    FileKeyProvider, KeyProvider, PasswordHasher, PasswordParams, Pkcs11KeyProvider,
    Pkcs11Settings, SecretKey, SecretString, SystemRandom,
};
use dsg_store::Store;

use dsg_app::config::{BlobBackend, Config, KeyProviderKind, Pkcs11Config};
use dsg_app::{load_active_policy, load_or_create_terminal_ca, App, AppError, Ports};

use crate::{alerts, forwarder, policy_watcher, scrubber, sequencer, Context, TaskPorts};

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

fn fail(context: &str) -> impl FnOnce(String) -> StartError + '_ {
    move |e| StartError(format!("{context}: {e}"))
}

/// Less free space than this on the data volume makes a failure to open
/// the database likely the volume's fault (SQLite cannot even create its
/// shared-memory index on a full volume).
const NEARLY_FULL_BYTES: u64 = 1024 * 1024;

/// Names a full data volume as the likely cause of a database error, so
/// the operator frees space rather than suspects the database.
fn full_volume_hint(data_dir: &Path, error: String) -> String {
    match dsg_blob::free_bytes_at(data_dir) {
        Some(free) if free < NEARLY_FULL_BYTES => format!(
            "{error} (the data volume holding {} is full: {free} bytes free; free space \
             and start again)",
            data_dir.display()
        ),
        _ => error,
    }
}

/// How strictly to check the key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChecks {
    /// Production: the master key file must be private (0600) and outside
    /// the data directory.
    Strict,
    /// `--demo` only: skip the checks so a throwaway setup runs anywhere.
    DangerRelaxedForDemo,
}

/// Blobs older than this without a database row are orphans of interrupted
/// uploads, removed at start.
const ORPHAN_AGE_MS: i64 = 60 * 60_000;
/// How often a policy version approved elsewhere is picked up.
const POLICY_RELOAD: std::time::Duration = std::time::Duration::from_secs(2);

/// A gateway ready to serve: the application and what its background
/// tasks work with.
pub struct Gateway {
    /// The application (use cases).
    pub app: App,
    /// What the background tasks share.
    pub context: Context,
    /// The store behind every port, held here only to close it: the use
    /// cases and the tasks see their ports, never the store.
    store: Store,
}

/// The first operator's one-time enrolment link, printed at first start.
pub struct BootstrapCredential {
    /// Login name.
    pub username: String,
    /// The enrolment token of its one-time link, shown once.
    pub enrolment_token: SecretString,
}

fn master_key_path(config: &Config) -> PathBuf {
    config.storage.key_dir.join("master.key")
}

/// Loads the master key from the configured provider, creating it at first
/// start (a key file, or a master key wrapped by the token's key).
fn load_master_key(
    config: &Config,
    checks: KeyChecks,
    rng: &SystemRandom,
) -> Result<SecretKey, StartError> {
    let provider: Box<dyn KeyProvider> = match (&config.keys.provider, &config.keys.pkcs11) {
        (KeyProviderKind::Pkcs11, Some(p11)) => {
            let provider = Pkcs11KeyProvider::new(pkcs11_settings(config, p11));
            let wrapped = p11.wrapped_key_file(&config.storage.key_dir);
            if !wrapped.exists() {
                provider
                    .create_wrapped_master_key(rng)
                    .map_err(|e| fail("master key")(e.to_string()))?;
                tracing::info!(path = %wrapped.display(), "created the master key, wrapped by the token key");
            }
            Box::new(provider)
        }
        (KeyProviderKind::Pkcs11, None) => {
            return Err(StartError(
                "keys.provider = \"pkcs11\" needs [keys.pkcs11]".into(),
            ))
        }
        (KeyProviderKind::File, _) => {
            let key_path = master_key_path(config);
            if !key_path.exists() {
                FileKeyProvider::create(&key_path, rng)
                    .map_err(|e| fail("master key")(e.to_string()))?;
                tracing::info!(path = %key_path.display(), "created the master key");
            }
            let provider = FileKeyProvider::new(key_path);
            if checks == KeyChecks::Strict {
                provider
                    .check_permissions()
                    .map_err(|e| StartError(e.to_string()))?;
            }
            Box::new(provider)
        }
    };
    let key = provider
        .master_key()
        .map_err(|e| StartError(format!("master key ({}): {e}", provider.describe())))?;
    tracing::info!(provider = %provider.describe(), "loaded the master key");
    Ok(key)
}

/// The token settings of `[keys.pkcs11]`.
pub fn pkcs11_settings(config: &Config, p11: &Pkcs11Config) -> Pkcs11Settings {
    Pkcs11Settings {
        module: p11.module.clone(),
        token_label: p11.token_label.clone(),
        key_label: p11.key_label.clone(),
        pin: p11.pin.clone(),
        wrapped_key_file: p11.wrapped_key_file(&config.storage.key_dir),
    }
}

fn is_within(inner: &Path, outer: &Path) -> bool {
    match (inner.canonicalize(), outer.canonicalize()) {
        (Ok(a), Ok(b)) => a.starts_with(b),
        _ => false,
    }
}

fn create_private_dir(path: &Path) -> Result<(), StartError> {
    use std::os::unix::fs::DirBuilderExt;
    if !path.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(|e| StartError(format!("cannot create {}: {e}", path.display())))?;
    }
    Ok(())
}

impl Gateway {
    /// Creates what a first start needs (directories, master key) and opens
    /// everything: database, blob store, policy, terminal CA. Refuses to
    /// start if the master key could leak with the data directory.
    pub async fn open(
        config: Config,
        checks: KeyChecks,
        clock: Arc<dyn Clock>,
    ) -> Result<Gateway, StartError> {
        let storage = &config.storage;
        create_private_dir(&storage.data_dir)?;
        create_private_dir(&storage.key_dir)?;
        if checks == KeyChecks::Strict
            && (is_within(&storage.key_dir, &storage.data_dir)
                || is_within(&storage.data_dir, &storage.key_dir))
        {
            return Err(StartError(format!(
                "the key directory ({}) and the data directory ({}) must not contain each other: \
             a copy of the data must never include the master key",
                storage.key_dir.display(),
                storage.data_dir.display()
            )));
        }
        let rng = SystemRandom::new();
        let master_key = load_master_key(&config, checks, &rng)?;

        let store = Store::connect(&config.database_url())
            .await
            .map_err(|e| fail("database")(full_volume_hint(&storage.data_dir, e.to_string())))?;
        let blobs = match storage.blob_backend {
            BlobBackend::Local => BlobStore::local(&storage.data_dir.join("blobs")),
            BlobBackend::S3 => {
                let s3 = storage
                    .s3
                    .as_ref()
                    .ok_or_else(|| StartError("storage.s3 missing".into()))?;
                BlobStore::s3(&S3Settings {
                    endpoint: s3.endpoint.clone(),
                    bucket: s3.bucket.clone(),
                    region: s3.region.clone(),
                    access_key_id: s3.access_key_id.clone(),
                    secret_access_key: s3.secret_access_key.clone(),
                    allow_http: s3.allow_http,
                })
            }
        }
        .map_err(|e| fail("blob store")(e.to_string()))?;
        let policy = load_active_policy(&store, clock.now_ms())
            .await
            .map_err(fail("policy"))?;
        let hasher = PasswordHasher::new(PasswordParams {
            m_cost_kib: config.auth.argon2_memory_kib,
            t_cost: config.auth.argon2_iterations,
            p_cost: 1,
        })
        .map_err(|e| fail("password hashing")(e.to_string()))?;
        let terminal_ca = load_or_create_terminal_ca(&store, &master_key, clock.now_ms(), &rng)
            .await
            .map_err(|e| fail("terminal CA")(e.to_string()))?;
        let rng: Arc<dyn dsg_crypto::SecureRandom + Send + Sync> = Arc::new(rng);
        let app = App::new(
            Ports::of(store.clone(), store.backend()),
            blobs,
            policy,
            master_key,
            hasher,
            clock,
            Arc::clone(&rng),
            config,
            terminal_ca,
        )
        .map_err(|e| fail("identity")(e.to_string()))?;
        // Before anything can list a file: names stored before they were
        // sealed are sealed now, or the gateway does not start.
        match app.seal_file_names().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(files = n, "sealed the names of files stored in plaintext"),
            Err(e) => {
                store.close().await;
                return Err(fail("sealing file names")(e.to_string()));
            }
        }
        let context = Context {
            app: app.clone(),
            ports: TaskPorts::of(store.clone()),
            rng,
        };
        Ok(Gateway {
            app,
            context,
            store,
        })
    }

    /// Starts the background tasks, runs `serve` (the listeners) until it
    /// ends, then stops the tasks in the order their work depends on and
    /// closes the store:
    ///
    /// 1. the sequencer (sequences the last entries and signs a final
    ///    checkpoint),
    /// 2. the forwarder (publishes and forwards what is left, the final
    ///    checkpoint included),
    /// 3. the alert watcher (judges the last entries),
    /// 4. the policy watcher.
    ///
    /// A task that cannot start (a missing checkpoint directory, an
    /// unreadable webhook CA) fails the start before anything is served.
    pub async fn run<F>(self, serve: F) -> Result<F::Output, StartError>
    where
        F: std::future::Future,
    {
        let ctx = &self.context;
        let started = async {
            self.app.record_gateway_start().await?;
            if let Some(volume) = self.app.volume_below_reserve() {
                tracing::warn!(
                    volume_bytes = volume,
                    reserve_bytes = self.app.config().limits.free_space_reserve_bytes,
                    "the data volume is smaller than limits.free_space_reserve_bytes: \
                     every upload will be refused (507)"
                );
            }
            // No upload survives a restart: staged parts are dead now. Blobs
            // without a row keep the sweep's age rule (another gateway on a
            // shared store may be about to commit one).
            match self.app.remove_upload_staging().await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(removed = n, "removed staging files of interrupted uploads")
                }
                Err(e) => tracing::warn!(error = %e, "removing upload staging files failed"),
            }
            match self.app.sweep_orphans(ORPHAN_AGE_MS).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "removed orphaned blobs"),
                Err(e) => tracing::warn!(error = %e, "orphan sweep failed"),
            }
            let sequencer = sequencer::spawn(ctx).await?;
            // Copies of the log outside the operator's reach (checkpoint files,
            // a SIEM), when configured. Started after the sequencer whose output
            // it reads; its failures never reach request handling.
            let forwarder = forwarder::spawn(ctx).await?;
            // The analysis rules raise alerts from what the sequencer made.
            let alert_watcher = alerts::spawn(ctx)?;
            let policy_watcher = policy_watcher::spawn(&self.app, POLICY_RELOAD);
            let scrub = scrubber::spawn(&self.app);
            Ok::<_, AppError>((sequencer, forwarder, alert_watcher, policy_watcher, scrub))
        };
        let (sequencer, forwarder, alert_watcher, policy_watcher, scrub) = match started.await {
            Ok(tasks) => tasks,
            Err(e) => {
                self.store.close().await;
                return Err(StartError(format!("starting the background tasks: {e}")));
            }
        };
        let output = serve.await;
        if let Some(scrub) = scrub {
            scrub.shutdown().await;
        }
        sequencer.shutdown().await;
        if let Some(forwarder) = forwarder {
            forwarder.shutdown().await;
        }
        if let Some(watcher) = alert_watcher {
            watcher.shutdown().await;
        }
        policy_watcher.shutdown().await;
        self.store.close().await;
        tracing::info!("stopped");
        Ok(output)
    }

    /// Closes the store without serving (for commands that only read or
    /// change data and exit).
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// The store behind the ports, for tests that set up or read rows
    /// directly. The gateway itself hands it to no use case and no task.
    #[doc(hidden)]
    pub fn store_for_tests(&self) -> &Store {
        &self.store
    }
}

/// On an empty database, creates the agency and its first operator, pending
/// enrolment, with a one-time enrolment link.
pub async fn bootstrap_if_empty(
    gateway: &Gateway,
) -> Result<Option<BootstrapCredential>, StartError> {
    let app = &gateway.app;
    let empty = app
        .is_first_start()
        .await
        .map_err(|e| fail("database")(e.to_string()))?;
    if !empty {
        return Ok(None);
    }
    let username = "operator".to_owned();
    let issued = app
        .bootstrap("調達機関 (Agency)", &username)
        .await
        .map_err(|e| fail("bootstrap")(e.to_string()))?;
    Ok(Some(BootstrapCredential {
        username,
        enrolment_token: issued.enrolment_token,
    }))
}
