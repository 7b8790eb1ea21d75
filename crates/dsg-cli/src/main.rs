//! `dsg`: the Defense Security Gateway binary.

mod audit_cmd;
mod backup_cmd;
mod demo;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use dsg_app::clock::SystemClock;
use dsg_app::Config;
use dsg_crypto::{FileKeyProvider, KeyProvider};
use dsg_workers::{Gateway, KeyChecks};

/// dsg — Defense Security Gateway: per-contract compartments for protected
/// information, behind one policy decision point, with every action recorded.
#[derive(Parser)]
#[command(name = "dsg", version, about)]
struct Cli {
    /// Configuration file (TOML). `DSG_SECTION__KEY` variables override it.
    #[arg(long, short, global = true, env = "DSG_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway (creates data, keys and TLS material on first start).
    Serve(ServeArgs),
    /// Create the data and key directories, master key, TLS material and
    /// database, print the first operator's one-time credential, and exit.
    Init(DirArgs),
    /// Maintenance commands for the gateway host.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(clap::Args, Clone)]
struct DirArgs {
    /// Data directory (database, blobs). Overrides `[storage] data_dir`.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Key directory (master key, TLS). Must be outside the data directory.
    #[arg(long)]
    key_dir: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    dirs: DirArgs,
    /// Address to listen on, e.g. 127.0.0.1:8443 (port 0 picks a free port).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Serve plain HTTP (loopback only) instead of TLS, for development.
    #[arg(long)]
    danger_plain_http: bool,
    /// Start with a demo agency, two companies, contracts and users, and
    /// print their credentials. Never use for real data.
    #[arg(long)]
    demo: bool,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Break-glass second approver: approve an operator's authenticator
    /// reset from the gateway host (for an agency with a single operator).
    /// Audited as a break-glass approval; prints the new enrolment link.
    ApproveReset {
        #[command(flatten)]
        dirs: DirArgs,
        /// The reset request's id (shown on the accounts page and by
        /// `GET /api/v1/admin/resets`).
        #[arg(long)]
        id: String,
    },
    /// Break-glass second approver: approve a proposed policy version from
    /// the gateway host (for an agency with a single operator). Audited as
    /// a break-glass approval; a running gateway applies it within seconds.
    PolicyApprove {
        #[command(flatten)]
        dirs: DirArgs,
        /// The proposed version (shown on the policies page and by
        /// `GET /api/v1/admin/policies`).
        #[arg(long)]
        version: i64,
    },
    /// Break-glass second approver: confirm a person's submitted line on
    /// the handler roster from the gateway host (for an agency whose single
    /// operator submitted it). Audited as a break-glass confirmation; takes
    /// effect on the person's next request.
    RosterConfirm {
        #[command(flatten)]
        dirs: DirArgs,
        /// The person's user id (shown on the records page and by
        /// `GET /api/v1/records/companies/{id}`).
        #[arg(long)]
        user: String,
    },
    /// Generate the AES-256 key of `[keys.pkcs11]` on the token (sensitive,
    /// never extractable). The master key wrapped by it is created at the
    /// gateway's first start. Refused if the token already has the key.
    Pkcs11TokenKey {
        #[command(flatten)]
        dirs: DirArgs,
    },
    /// Move the master key of `<key_dir>/master.key` under the token of
    /// `[keys.pkcs11]`: writes the wrapped key file, checks it opens on the
    /// token to the same key. Then set `keys.provider = "pkcs11"` and
    /// remove `master.key`.
    Pkcs11ImportMasterKey {
        #[command(flatten)]
        dirs: DirArgs,
    },
    /// Remove stored blobs that no file version refers to.
    SweepOrphans {
        #[command(flatten)]
        dirs: DirArgs,
        /// Only blobs older than this many minutes (uploads in progress are younger).
        #[arg(long, default_value_t = 60)]
        min_age_minutes: i64,
    },
    /// Read every stored file version back and check it (each chunk's tag
    /// and the SHA-256); mark what is damaged and list every damaged
    /// version. Exits non-zero while any version is damaged.
    Scrub {
        #[command(flatten)]
        dirs: DirArgs,
    },
    /// Print the newest audit entries as JSON lines.
    AuditTail {
        #[command(flatten)]
        dirs: DirArgs,
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Output format: JSON lines, syslog (RFC 5424) or CEF, for a SIEM.
        #[arg(long, value_enum, default_value_t = TailFormat::Json)]
        format: TailFormat,
    },
    /// Export the tamper-evident log (entries, salts, signed checkpoints)
    /// as JSON lines for offline verification.
    AuditExport {
        #[command(flatten)]
        dirs: DirArgs,
        /// Where to write the export.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print an inclusion proof (JSON) that the entry at an index is in the
    /// log: leaf hash, root, audit path and the signed checkpoint for that
    /// tree size if there is one.
    AuditProve {
        #[command(flatten)]
        dirs: DirArgs,
        /// The entry's leaf index (its `seq` in the export).
        #[arg(long)]
        entry_index: u64,
        /// Tree size to prove against. Default: the newest checkpoint if it
        /// covers the entry, else every sequenced entry.
        #[arg(long)]
        tree_size: Option<u64>,
    },
    /// Print a consistency proof (JSON) that the log of `--from` entries is
    /// a prefix of the log of `--to` entries.
    AuditConsistency {
        #[command(flatten)]
        dirs: DirArgs,
        /// The older tree size.
        #[arg(long)]
        from: u64,
        /// The newer tree size.
        #[arg(long)]
        to: u64,
    },
    /// Verify an export offline: recompute every leaf, check every
    /// checkpoint's signature and root. Needs no access to the gateway.
    AuditVerify {
        /// The export to check.
        #[arg(long)]
        file: PathBuf,
        /// The published checkpoint public key (hex). Without it the key in
        /// the file is trusted, which proves self-consistency only.
        #[arg(long)]
        public_key: Option<String>,
        /// A signed checkpoint published earlier (its JSON, as in the
        /// export's `signed` or audit-prove's `checkpoint`), or a directory
        /// of them (`audit.publish.checkpoint_dir`): the log and its
        /// checkpoints must contain each, which catches a truncated or
        /// re-signed log and removed checkpoints.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Write one company's verifiable extract (JSON Lines) from the host.
    AuditExtract {
        #[command(flatten)]
        dirs: DirArgs,
        /// The company's id.
        #[arg(long)]
        company: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Backups: create (online), verify, restore, and the restore test.
    #[command(subcommand)]
    Backup(backup_cmd::BackupCommand),
    /// Verify a company's extract offline: every entry is in the signed
    /// log, none is missing, and (with --earlier) none was rewritten since
    /// an earlier extract.
    AuditVerifyExtract {
        /// The extract to check.
        #[arg(long)]
        file: PathBuf,
        /// The published checkpoint public key (hex). Without it the key in
        /// the file is trusted, which proves self-consistency only.
        #[arg(long)]
        public_key: Option<String>,
        /// An extract received earlier: its entries must still be the
        /// start of this one.
        #[arg(long)]
        earlier: Option<PathBuf>,
    },
}

/// How `admin audit-tail` prints entries.
#[derive(Clone, Copy, clap::ValueEnum)]
enum TailFormat {
    /// One JSON object per line.
    Json,
    /// RFC 5424 syslog lines (facility "log audit").
    Syslog,
    /// ArcSight Common Event Format.
    Cef,
}

fn load_config(cli_config: Option<&PathBuf>, dirs: &DirArgs, demo: bool) -> Result<Config> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let mut config =
        Config::load(cli_config.map(PathBuf::as_path), env).context("loading configuration")?;
    if demo && cli_config.is_none() && !config_env_sets_dirs() {
        config.storage.data_dir = PathBuf::from("dsg-demo/data");
        config.storage.key_dir = PathBuf::from("dsg-demo/keys");
    }
    if demo {
        // The demo's own policy: TOTP may stand in for a passkey, so a
        // newcomer can sign in with `oathtool` or an authenticator app
        // without trusting the gateway CA in a browser first. Never the
        // default of a real gateway.
        config.auth.totp_fallback = true;
        config.auth.totp_reaches_protected_data = true;
    }
    if let Some(dir) = &dirs.data_dir {
        config.storage.data_dir.clone_from(dir);
    }
    if let Some(dir) = &dirs.key_dir {
        config.storage.key_dir.clone_from(dir);
    }
    Ok(config)
}

fn config_env_sets_dirs() -> bool {
    std::env::vars().any(|(k, _)| k == "DSG_STORAGE__DATA_DIR" || k == "DSG_STORAGE__KEY_DIR")
}

#[tokio::main]
async fn main() -> Result<()> {
    init_logging()?;
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(cli.config.as_ref(), args).await,
        Command::Init(dirs) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let tls = dsg_web::tls::prepare(&gateway.app)?;
            print_bootstrap(&gateway).await?;
            gateway.close().await;
            println!(
                "CA certificate for clients to trust: {}",
                tls.ca_cert.display()
            );
            Ok(())
        }
        Command::Admin(AdminCommand::ApproveReset { dirs, id }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let result = gateway
                .app
                .approve_authenticator_reset_break_glass(&id)
                .await;
            gateway.close().await;
            let (user, token) = result?;
            println!("reset approved (break-glass) for user {user}");
            println!(
                "new enrolment link: {}{}",
                gateway.app.config().rp_origin(),
                dsg_web::enrolment_path(&token).expose()
            );
            Ok(())
        }
        Command::Admin(AdminCommand::Pkcs11TokenKey { dirs }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let Some(p11) = config.keys.pkcs11.as_ref() else {
                bail!("the configuration has no [keys.pkcs11] section");
            };
            let settings = dsg_workers::gateway::pkcs11_settings(&config, p11);
            let label = settings.key_label.clone();
            dsg_crypto::Pkcs11KeyProvider::new(settings).create_token_key()?;
            println!("generated the token key {label:?} (AES-256, not extractable)");
            Ok(())
        }
        Command::Admin(AdminCommand::Pkcs11ImportMasterKey { dirs }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let Some(p11) = config.keys.pkcs11.as_ref() else {
                bail!("the configuration has no [keys.pkcs11] section");
            };
            let file = FileKeyProvider::new(config.storage.key_dir.join("master.key"));
            file.check_permissions()?;
            let key = file.master_key()?;
            let settings = dsg_workers::gateway::pkcs11_settings(&config, p11);
            let wrapped = settings.wrapped_key_file.clone();
            let token = dsg_crypto::Pkcs11KeyProvider::new(settings);
            token.wrap_master_key(&key, &dsg_crypto::SystemRandom::new())?;
            if !dsg_crypto::ct_eq(token.master_key()?.expose(), key.expose()) {
                let _ = std::fs::remove_file(&wrapped);
                bail!("the token did not give the master key back; nothing was changed");
            }
            println!(
                "the master key is now also in {} under the token key; set keys.provider = \"pkcs11\", \
                 then remove {} (its backups still open the data)",
                wrapped.display(),
                file.path().display()
            );
            Ok(())
        }
        Command::Admin(AdminCommand::PolicyApprove { dirs, version }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let result = gateway.app.approve_policy_break_glass(version).await;
            gateway.close().await;
            result?;
            println!("policy version {version} approved (break-glass) and in force");
            Ok(())
        }
        Command::Admin(AdminCommand::RosterConfirm { dirs, user }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let result = gateway.app.confirm_roster_break_glass(&user).await;
            gateway.close().await;
            result?;
            println!("roster line of user {user} confirmed (break-glass)");
            Ok(())
        }
        Command::Admin(AdminCommand::SweepOrphans {
            dirs,
            min_age_minutes,
        }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let removed = gateway.app.sweep_orphans(min_age_minutes * 60_000).await?;
            println!("removed {removed} orphaned blob(s)");
            Ok(())
        }
        Command::Admin(AdminCommand::Scrub { dirs }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let result = gateway.app.scrub(true).await;
            gateway.close().await;
            let report = result?;
            println!(
                "checked {} version(s), {} byte(s); newly damaged: {}; not checked: {}",
                report.checked, report.bytes, report.newly_damaged, report.unchecked
            );
            for d in &report.damaged {
                println!(
                    "damaged: file {} version {} (marked at {}): {}",
                    d.file_id, d.version, d.damaged_at, d.damage
                );
            }
            if report.damaged.is_empty() {
                Ok(())
            } else {
                bail!("{} damaged version(s)", report.damaged.len())
            }
        }
        Command::Admin(AdminCommand::AuditTail {
            dirs,
            limit,
            format,
        }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let host = hostname();
            for e in gateway.app.audit_tail_on_host(limit).await? {
                let event = dsg_workers::forwarder::siem_event(&e);
                let line = match format {
                    TailFormat::Json => serde_json::json!({
                        "id": e.id, "time_ms": e.occurred_at, "request_id": e.request_id,
                        "actor": e.actor_user_id, "source": e.source_addr, "action": e.action,
                        "object_type": e.object_type, "object_id": e.object_id,
                        "outcome": e.outcome, "reason": e.reason, "terminal": e.terminal_id,
                        "decision": e.decision_digest, "company": e.company_id,
                    })
                    .to_string(),
                    TailFormat::Syslog => dsg_audit::to_syslog(&event, &host, "dsg"),
                    TailFormat::Cef => dsg_audit::to_cef(&event, env!("CARGO_PKG_VERSION")),
                };
                println!("{line}");
            }
            Ok(())
        }
        Command::Admin(AdminCommand::AuditExport { dirs, out }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let lines = gateway.app.audit_export().await?;
            let mut text = lines.join("\n");
            text.push('\n');
            std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
            gateway.close().await;
            println!("exported {} line(s) to {}", lines.len(), out.display());
            Ok(())
        }
        Command::Admin(AdminCommand::AuditProve {
            dirs,
            entry_index,
            tree_size,
        }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let proof = gateway
                .app
                .audit_inclusion_proof(entry_index, tree_size)
                .await;
            gateway.close().await;
            println!("{}", serde_json::to_string_pretty(&proof?)?);
            Ok(())
        }
        Command::Admin(AdminCommand::AuditConsistency { dirs, from, to }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let proof = gateway.app.audit_consistency_proof(from, to).await;
            gateway.close().await;
            println!("{}", serde_json::to_string_pretty(&proof?)?);
            Ok(())
        }
        Command::Admin(AdminCommand::AuditVerify {
            file,
            public_key,
            checkpoint,
        }) => audit_verify(&file, public_key.as_deref(), checkpoint.as_deref()),
        Command::Admin(AdminCommand::AuditExtract { dirs, company, out }) => {
            let config = load_config(cli.config.as_ref(), &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let id = company
                .trim()
                .parse()
                .context("--company is not a company id")?;
            let lines = gateway.app.audit_company_extract(id).await;
            gateway.close().await;
            let lines = lines?;
            let mut text = lines.join("\n");
            text.push('\n');
            std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote the extract of company {company} to {}",
                out.display()
            );
            Ok(())
        }
        Command::Admin(AdminCommand::Backup(command)) => {
            backup_cmd::run(cli.config.as_ref(), command).await
        }
        Command::Admin(AdminCommand::AuditVerifyExtract {
            file,
            public_key,
            earlier,
        }) => audit_cmd::verify_extract(&file, public_key.as_deref(), earlier.as_deref()),
    }
}

fn audit_verify(
    file: &std::path::Path,
    public_key: Option<&str>,
    checkpoint: Option<&std::path::Path>,
) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let key = public_key
        .map(|k| hex::decode(k.trim()).context("--public-key must be hex"))
        .transpose()?;
    let published = match checkpoint {
        Some(path) if path.is_dir() => read_checkpoint_dir(path)?,
        Some(path) => vec![read_checkpoint(path)?],
        None => Vec::new(),
    };
    let report = match dsg_audit::verify_export_published(&text, key.as_deref(), &published) {
        Ok(report) => report,
        Err(e) => bail!("audit log verification FAILED: {e}"),
    };
    println!(
        "verified: {} entries, {} checkpoints",
        report.entries - report.unanchored,
        report.checkpoints
    );
    if report.company_heads > 0 {
        println!(
            "{} company sub-log heads match their companies' entries",
            report.company_heads
        );
    }
    if report.unanchored > 0 {
        println!(
            "{} newer entries are not yet covered by a checkpoint (not verified)",
            report.unanchored
        );
    }
    for p in &published {
        println!(
            "contains the published checkpoint of {} entries",
            p.checkpoint.tree_size
        );
    }
    if key.is_none() && published.is_empty() {
        println!(
            "self-consistent only (the operator holds the signing key); \
             pass a published key or checkpoint to prove no rewrite"
        );
    }
    println!("checkpoint public key: {}", report.public_key);
    Ok(())
}

/// Every `checkpoint-*.json` of a publication directory, smallest first.
fn read_checkpoint_dir(dir: &std::path::Path) -> Result<Vec<dsg_audit::SignedCheckpoint>> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("checkpoint-") && name.ends_with(".json") {
            paths.push(path);
        }
    }
    // The names carry the tree size in 20 digits, so they sort by size.
    paths.sort();
    if paths.is_empty() {
        bail!("{}: no published checkpoints in it", dir.display());
    }
    paths.iter().map(|p| read_checkpoint(p)).collect()
}

/// A published checkpoint: `SignedCheckpoint` JSON, or an export line or
/// proof object that holds one under `signed` / `checkpoint`.
fn read_checkpoint(path: &std::path::Path) -> Result<dsg_audit::SignedCheckpoint> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    for wrapper in ["signed", "checkpoint"] {
        if value
            .get(wrapper)
            .is_some_and(|v| v.get("signature").is_some())
        {
            value = value[wrapper].take();
        }
    }
    serde_json::from_value(value)
        .with_context(|| format!("{}: not a signed checkpoint", path.display()))
}

async fn print_bootstrap(gateway: &Gateway) -> Result<()> {
    let app = &gateway.app;
    if let Some(credential) = dsg_workers::bootstrap_if_empty(gateway).await? {
        println!("First start: the agency operator's one-time enrolment link (shown only now).");
        println!("Open it on this gateway, choose a password and register a passkey:");
        println!("  bootstrap username: {}", credential.username);
        println!(
            "  bootstrap enrolment: {}{}",
            app.config().rp_origin(),
            dsg_web::enrolment_path(&credential.enrolment_token).expose()
        );
    }
    Ok(())
}

async fn serve(config_file: Option<&PathBuf>, args: ServeArgs) -> Result<()> {
    let mut config = load_config(config_file, &args.dirs, args.demo)?;
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    if args.danger_plain_http {
        if !config.server.listen.ip().is_loopback() {
            bail!("--danger-plain-http is only allowed on a loopback address");
        }
        config.server.danger_plain_http = true;
    }
    let checks = if args.demo {
        KeyChecks::DangerRelaxedForDemo
    } else {
        KeyChecks::Strict
    };
    let gateway = Gateway::open(config.clone(), checks, Arc::new(SystemClock)).await?;
    let tls = dsg_web::tls::prepare(&gateway.app)?;
    if args.demo {
        demo::seed_if_empty(&gateway.app).await?;
    } else {
        print_bootstrap(&gateway).await?;
    }
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    let addr = listener.local_addr()?;
    // The proxy listener, when configured: printed first, like the main one.
    let proxy = match tls.proxy_tls.clone() {
        Some(proxy_tls) => {
            let listen = config.proxy_listener.listen;
            let proxy_listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen} (proxy_listener)"))?;
            let proxy_addr = proxy_listener.local_addr()?;
            let proxy_host = if proxy_addr.ip().is_loopback() {
                "localhost".to_owned()
            } else {
                proxy_addr.ip().to_string()
            };
            println!(
                "dsg proxy listener on https://{proxy_host}:{}/ (client certificate of the proxy required)",
                proxy_addr.port()
            );
            Some((proxy_listener, proxy_tls))
        }
        None => None,
    };
    let scheme = if tls.tls.is_some() { "https" } else { "http" };
    let host = if addr.ip().is_loopback() {
        "localhost".to_owned()
    } else {
        addr.ip().to_string()
    };
    let app = gateway.app.clone();
    let router = dsg_web::http::router(app.clone());
    // One shutdown signal stops both listeners.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let direct = dsg_web::tls::serve(
        listener,
        router.clone(),
        app.clone(),
        tls.tls.clone(),
        stopped(stopping.clone()),
    );
    let serve = async move {
        match proxy {
            Some((proxy_listener, proxy_tls)) => {
                let behind_proxy = dsg_web::tls::serve_proxy(
                    proxy_listener,
                    router,
                    app,
                    proxy_tls,
                    stopped(stopping),
                );
                tokio::join!(direct, behind_proxy);
            }
            None => direct.await,
        }
    };
    // The gateway starts its background tasks, then the listeners serve
    // until the signal; then it stops the tasks in order and closes the
    // store.
    let announce = async {
        println!("dsg listening on {scheme}://{host}:{}/", addr.port());
        if tls.tls.is_some() {
            println!("trust the gateway CA: {}", tls.ca_cert.display());
        }
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        serve.await;
    };
    gateway.run(announce).await?;
    Ok(())
}

/// Logs to stderr: human-readable text, or with `DSG_LOG_FORMAT=json` one
/// JSON object per line for a SOC's collector. Lines logged inside a
/// request carry its id (the `request` span), the same id as the request's
/// audit entries, so the two can be joined. Colour only on a terminal.
fn init_logging() -> Result<()> {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("DSG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match std::env::var("DSG_LOG_FORMAT").as_deref() {
        Ok("json") => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        Ok("text") | Err(std::env::VarError::NotPresent) => builder
            .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
            .init(),
        Ok(other) => bail!("DSG_LOG_FORMAT must be text or json, not {other:?}"),
        Err(std::env::VarError::NotUnicode(_)) => bail!("DSG_LOG_FORMAT must be text or json"),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down");
}

/// The host name for syslog headers (`-` when unknown).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "-".to_owned())
}
