//! Starting the real `dsg` binary and talking to it. The binary's path
//! comes from the caller (`env!("CARGO_BIN_EXE_dsg")` exists only in the
//! tests of the crate that builds it).

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use dsg_client::ApiClient;
// What a typed call that was refused says (its status and error code).
pub use dsg_client::ClientError;
use dsg_proto::identity::{Enrolment, Login, LoginNext, PasskeyName, SecondFactor};
use dsg_proto::terminals::NewTerminal;
use dsg_test_authenticator::{Behaviour, SoftAuthenticator};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::postgres::PgCluster;

/// Which metadata database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A running gateway.
pub struct Gateway {
    child: Child,
    /// The `dsg` binary it runs.
    binary: PathBuf,
    pub base: String,
    pub dir: tempfile::TempDir,
    pub operator_password: String,
    /// Each enrolled user's passkey, held by a software authenticator.
    passkeys: Mutex<HashMap<String, SoftAuthenticator>>,
    /// The terminal each user signs in from by default.
    terminals: Mutex<HashMap<String, TerminalCert>>,
    ca: reqwest::Certificate,
    env: Vec<(String, String)>,
    /// A command the gateway runs under (e.g. `strace …`), or empty.
    wrapper: Vec<String>,
    _pg: Option<PgCluster>,
}

/// Starts `dsg serve` on a free port; returns the child, its base URL and
/// the bootstrap enrolment path if it printed one. With `DSG_LOG_FORMAT` in
/// `env` the gateway's log goes to `<dir>/gateway.log` (see
/// [`Gateway::log`]) instead of the test's output.
async fn spawn(
    binary: &Path,
    dir: &Path,
    pg_url: Option<String>,
    env: &[(String, String)],
    wrapper: &[String],
) -> (Child, String, Option<String>) {
    let mut cmd = match wrapper.split_first() {
        Some((program, args)) => {
            let mut cmd = Command::new(program);
            cmd.args(args).arg(binary);
            cmd
        }
        None => Command::new(binary),
    };
    cmd.arg("serve")
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--key-dir")
        .arg(dir.join("keys"))
        .env("DSG_AUTH__ARGON2_MEMORY_KIB", "8")
        .env("DSG_AUTH__ARGON2_ITERATIONS", "1")
        .env("DSG_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if env.iter().any(|(k, _)| k == "DSG_LOG_FORMAT") {
        cmd.stderr(std::fs::File::create(dir.join("gateway.log")).unwrap());
    }
    if let Some(url) = pg_url {
        cmd.env("DSG_STORAGE__DATABASE_URL", url);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut password = None;
    let base = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.trim().strip_prefix("bootstrap enrolment: ") {
                let path = &url[url.find("/enrol").expect("enrolment path")..];
                password = Some(path.to_owned());
            }
            if let Some(url) = line.strip_prefix("dsg listening on ") {
                return url.trim_end_matches('/').to_owned();
            }
        }
        panic!("gateway exited before listening");
    })
    .await
    .expect("gateway did not start in time");
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base, password)
}

impl Gateway {
    /// Starts `binary` as a gateway; `None` when the PostgreSQL variant
    /// cannot run here.
    pub async fn start(binary: &Path, db: Db) -> Option<Self> {
        Self::start_with(binary, db, &[]).await
    }

    pub async fn start_with(binary: &Path, db: Db, env: &[(&str, &str)]) -> Option<Self> {
        Self::start_wrapped(binary, db, env, &[]).await
    }

    /// Starts a gateway as the last argument of `wrapper` (a tracer, say);
    /// the harness's child is then the wrapper, see [`Gateway::process_id`].
    pub async fn start_wrapped(
        binary: &Path,
        db: Db,
        env: &[(&str, &str)],
        wrapper: &[&str],
    ) -> Option<Self> {
        Self::start_in(binary, db, env, wrapper, tempfile::tempdir().unwrap()).await
    }

    /// Starts a gateway in `dir`, prepared beforehand (e.g. with its data
    /// directory on a volume of its own).
    pub async fn start_in(
        binary: &Path,
        db: Db,
        env: &[(&str, &str)],
        wrapper: &[&str],
        dir: tempfile::TempDir,
    ) -> Option<Self> {
        let wrapper: Vec<String> = wrapper.iter().map(|w| (*w).to_owned()).collect();
        let pg = match db {
            Db::Sqlite => None,
            Db::Postgres => Some(PgCluster::start()?),
        };
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let (child, base, password) = spawn(
            binary,
            dir.path(),
            pg.as_ref().map(PgCluster::url),
            &env,
            &wrapper,
        )
        .await;
        let ca_pem = std::fs::read(dir.path().join("keys/tls/ca.pem")).unwrap();
        let gw = Self {
            child,
            binary: binary.to_owned(),
            base,
            dir,
            operator_password: "operator-Passphrase-9f3k2q".to_owned(),
            passkeys: Mutex::new(HashMap::new()),
            terminals: Mutex::new(HashMap::new()),
            ca: reqwest::Certificate::from_pem(&ca_pem).unwrap(),
            env,
            wrapper,
            _pg: pg,
        };
        let path = password.expect("no bootstrap enrolment link printed");
        gw.enrol("operator", &path, &gw.operator_password.clone())
            .await;
        Some(gw)
    }

    /// Follows an enrolment link as its user: sets the password and
    /// registers a passkey (user verification on). Returns the recovery codes.
    pub async fn enrol(&self, username: &str, path: &str, password: &str) -> Vec<String> {
        let token = path.split("token=").nth(1).expect("token in the link");
        let mut client = self.client();
        let enrolment = Enrolment {
            token: token.to_owned(),
            password: password.to_owned(),
        };
        client
            .start_enrolment(&enrolment)
            .await
            .unwrap_or_else(|e| panic!("enrolment of {username}: {e}"));
        let mut authenticator = SoftAuthenticator::new(&self.base);
        let codes = register_passkey(&mut client, &mut authenticator, Behaviour::VERIFIED).await;
        self.passkeys
            .lock()
            .unwrap()
            .insert(username.to_owned(), authenticator);
        codes
    }

    /// Stops the gateway and starts it again on the same directories.
    /// Returns the bootstrap enrolment link if one was printed (it must not be).
    pub async fn restart(&mut self) -> Option<String> {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        let (child, base, password) = spawn(
            &self.binary,
            self.dir.path(),
            self._pg.as_ref().map(PgCluster::url),
            &self.env,
            &self.wrapper,
        )
        .await;
        self.child = child;
        self.base = base;
        password
    }

    /// [`Gateway::restart`] with another environment from now on (another
    /// key provider, say).
    pub async fn restart_with_env(&mut self, env: &[(&str, &str)]) -> Option<String> {
        self.env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.restart().await
    }

    /// The process id of the harness's child: the gateway, or its wrapper.
    pub fn process_id(&self) -> Option<u32> {
        self.child.id()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The URL of the gateway's database: its PostgreSQL cluster, or its
    /// SQLite file, for a test that looks underneath the gateway.
    pub fn database_url(&self) -> String {
        match &self._pg {
            Some(pg) => pg.url(),
            None => format!("sqlite://{}", self.data_dir().join("dsg.db").display()),
        }
    }

    /// A client with no session or client certificate that trusts only the
    /// gateway's CA.
    pub fn client(&self) -> Client {
        self.client_from(None)
    }

    /// A bare client that trusts only the gateway's CA and speaks only
    /// `version` (HTTP/1.1 or HTTP/2, negotiated by ALPN).
    pub fn http_client(&self, version: reqwest::Version) -> reqwest::Client {
        let builder = reqwest::Client::builder()
            .tls_certs_only([self.ca.clone()])
            .redirect(reqwest::redirect::Policy::none());
        let builder = if version == reqwest::Version::HTTP_2 {
            builder.http2_prior_knowledge()
        } else {
            builder.http1_only()
        };
        builder.build().unwrap()
    }

    /// A client presenting `terminal`'s certificate (or none).
    pub fn client_from(&self, terminal: Option<&TerminalCert>) -> Client {
        let mut builder = reqwest::Client::builder()
            .tls_certs_only([self.ca.clone()])
            .redirect(reqwest::redirect::Policy::none());
        if let Some(t) = terminal {
            builder = builder.identity(t.identity());
        }
        Client(ApiClient::new(builder.build().unwrap(), self.base.clone()))
    }

    /// Makes `terminal` the one `username` signs in from by default.
    pub fn use_terminal(&self, username: &str, terminal: &TerminalCert) {
        self.terminals
            .lock()
            .unwrap()
            .insert(username.to_owned(), terminal.clone());
    }

    /// The terminal `username` signs in from by default.
    pub fn terminal_of(&self, username: &str) -> Option<TerminalCert> {
        self.terminals.lock().unwrap().get(username).cloned()
    }

    /// Registers a terminal of `company` through the API, from a CSR whose
    /// key stays here (as a terminal that generates its own key would).
    pub async fn register_terminal(
        &self,
        op: &mut Client,
        company: &str,
        serial: &str,
    ) -> TerminalCert {
        let key = rcgen::KeyPair::generate().unwrap();
        let csr = rcgen::CertificateParams::new(Vec::<String>::new())
            .unwrap()
            .serialize_request(&key)
            .unwrap()
            .pem()
            .unwrap();
        let terminal = NewTerminal {
            company_id: company.to_owned(),
            name: format!("PC {serial}"),
            site: "本社".to_owned(),
            serial: serial.to_owned(),
            csr_pem: Some(csr),
        };
        let issued = op
            .register_terminal(&terminal)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(issued.pkcs12_base64.is_none(), "no key is made for a CSR");
        TerminalCert {
            id: issued.terminal.id,
            cert_pem: issued.certificate_pem,
            key_pem: key.serialize_pem(),
        }
    }

    /// The password step only; returns the client and the server's answer.
    /// The client presents the user's default terminal, if any.
    pub async fn password_step(
        &self,
        username: &str,
        password: &str,
    ) -> (Client, StatusCode, Value) {
        let terminal = self.terminal_of(username);
        self.password_step_from(username, password, terminal.as_ref())
            .await
    }

    /// The password step from a given terminal (or none).
    pub async fn password_step_from(
        &self,
        username: &str,
        password: &str,
        terminal: Option<&TerminalCert>,
    ) -> (Client, StatusCode, Value) {
        let mut client = self.client_from(terminal);
        let (status, body) = client
            .json(
                Method::POST,
                "/api/v1/session",
                json!({ "username": username, "password": password }),
            )
            .await;
        if let Some(csrf) = body["csrf_token"].as_str() {
            client.csrf = Some(csrf.to_owned());
        }
        (client, status, body)
    }

    /// Answers a WebAuthn challenge with `username`'s passkey.
    pub fn assert_passkey(&self, username: &str, options: &Value, behaviour: Behaviour) -> Value {
        let mut passkeys = self.passkeys.lock().unwrap();
        let authenticator = passkeys.get_mut(username).expect("user has a passkey");
        authenticator.set_origin(&self.base);
        authenticator.authenticate(options, behaviour).unwrap()
    }

    /// Answers as the user's authenticator would on a look-alike site.
    pub fn assert_passkey_on(&self, username: &str, options: &Value, origin: &str) -> Value {
        let mut passkeys = self.passkeys.lock().unwrap();
        let authenticator = passkeys.get_mut(username).expect("user has a passkey");
        authenticator
            .authenticate_with_origin(options, Behaviour::VERIFIED, origin)
            .unwrap()
    }

    /// A full login from the user's default terminal: password, then the
    /// user's passkey.
    pub async fn login(&self, username: &str, password: &str) -> Client {
        let terminal = self.terminal_of(username);
        self.login_from(username, password, terminal.as_ref()).await
    }

    /// A full login from a given terminal (or none).
    pub async fn login_from(
        &self,
        username: &str,
        password: &str,
        terminal: Option<&TerminalCert>,
    ) -> Client {
        self.login_with(self.client_from(terminal), username, password)
            .await
    }

    pub async fn operator(&self) -> Client {
        self.login("operator", &self.operator_password).await
    }

    /// Runs a `dsg admin …` command against this gateway's directories.
    pub fn admin(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = std::process::Command::new(&self.binary);
        cmd.arg("admin").args(args);
        cmd.arg("--data-dir")
            .arg(self.data_dir())
            .arg("--key-dir")
            .arg(self.dir.path().join("keys"));
        if let Some(pg) = &self._pg {
            cmd.env("DSG_STORAGE__DATABASE_URL", pg.url());
        }
        cmd.env("DSG_AUTH__ARGON2_MEMORY_KIB", "8")
            .env("DSG_AUTH__ARGON2_ITERATIONS", "1");
        cmd.output().unwrap()
    }

    /// What the gateway logged, when started with `DSG_LOG_FORMAT`.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("gateway.log")).unwrap()
    }

    /// The audit log, newest first.
    pub fn audit(&self) -> Vec<Value> {
        let out = self.admin(&["audit-tail", "--limit", "100000"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Asks the gateway to shut down (SIGTERM) and waits for it to exit;
    /// the directories (and database) stay for inspection.
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("gateway already exited");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("gateway did not stop in time")
            .unwrap()
    }

    /// Waits for the harness's child to exit by itself (a wrapper whose
    /// gateway was stopped, say).
    pub async fn wait_for_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .expect("the process did not exit in time")
            .unwrap()
    }

    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// Every file under a directory.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A registered terminal's certificate and the key it generated.
#[derive(Clone)]
pub struct TerminalCert {
    pub id: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl TerminalCert {
    pub fn identity(&self) -> reqwest::Identity {
        reqwest::Identity::from_pem(format!("{}{}", self.cert_pem, self.key_pem).as_bytes())
            .unwrap()
    }
}

/// An HTTP client with an optional session: the typed API client (its
/// calls and session fields through `Deref`), plus raw calls that let a
/// test send what no typed call would and read any answer.
#[derive(Clone)]
pub struct Client(pub ApiClient);

impl Deref for Client {
    type Target = ApiClient;

    fn deref(&self) -> &ApiClient {
        &self.0
    }
}

impl DerefMut for Client {
    fn deref_mut(&mut self) -> &mut ApiClient {
        &mut self.0
    }
}

impl Client {
    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> (StatusCode, Vec<u8>) {
        let response = self.0.send(req).await.unwrap();
        let status = response.status();
        (status, response.bytes().await.unwrap().to_vec())
    }

    pub async fn json(&mut self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let req = self.request(method, path).json(&body);
        let (status, bytes) = self.send(req).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    pub async fn call(&mut self, method: Method, path: &str) -> (StatusCode, Value) {
        let req = self.request(method, path);
        let (status, bytes) = self.send(req).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path).await
    }

    pub async fn upload(
        &mut self,
        compartment: &str,
        name: &str,
        data: Vec<u8>,
    ) -> (StatusCode, Value) {
        let name = percent(name);
        let req = self
            .request(
                Method::POST,
                &format!("/api/v1/compartments/{compartment}/files?name={name}"),
            )
            .header("content-type", "application/octet-stream")
            .body(data);
        let (status, bytes) = self.send(req).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    pub async fn upload_version(
        &mut self,
        compartment: &str,
        file: &str,
        data: Vec<u8>,
    ) -> (StatusCode, Value) {
        let req = self
            .request(
                Method::POST,
                &format!("/api/v1/compartments/{compartment}/files/{file}/versions"),
            )
            .body(data);
        let (status, bytes) = self.send(req).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    pub async fn download(
        &mut self,
        compartment: &str,
        file: &str,
        version: Option<u32>,
    ) -> (StatusCode, Vec<u8>) {
        let query = version.map(|v| format!("?version={v}")).unwrap_or_default();
        let req = self.request(
            Method::GET,
            &format!("/api/v1/compartments/{compartment}/files/{file}/content{query}"),
        );
        self.send(req).await
    }
}

pub fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
pub fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A registered world: two contractor companies, users and one compartment.
/// Registers a passkey for the client's session (enrolment or a later
/// addition); returns the recovery codes when enrolment completed.
pub async fn register_passkey(
    client: &mut Client,
    authenticator: &mut SoftAuthenticator,
    behaviour: Behaviour,
) -> Vec<String> {
    let name = PasskeyName {
        name: "soft key".to_owned(),
    };
    let options = client
        .passkey_options(&name)
        .await
        .unwrap_or_else(|e| panic!("passkey options: {e}"));
    let credential = authenticator.register(&options, behaviour).unwrap();
    let registered = client
        .register_passkey(&credential)
        .await
        .unwrap_or_else(|e| panic!("passkey registration: {e}"));
    registered.recovery_codes.unwrap_or_default()
}

/// A port that was free a moment ago (for listeners the gateway binds
/// itself, such as the proxy listener).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Gateway {
    /// A client for `base` (another listener of this gateway) that trusts
    /// only the gateway's CA, presents `identity` (if any) in the handshake
    /// and sends `headers` on every request.
    pub fn client_at(
        &self,
        base: &str,
        identity: Option<reqwest::Identity>,
        headers: reqwest::header::HeaderMap,
    ) -> Client {
        let mut builder = reqwest::Client::builder()
            .tls_certs_only([self.ca.clone()])
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers);
        if let Some(identity) = identity {
            builder = builder.identity(identity);
        }
        Client(ApiClient::new(builder.build().unwrap(), base))
    }

    /// A full login (password, then the user's passkey) with a given
    /// client, e.g. one that speaks to another listener.
    pub async fn login_with(&self, mut client: Client, username: &str, password: &str) -> Client {
        let login = Login {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        let started = client
            .login(&login)
            .await
            .unwrap_or_else(|e| panic!("login {username}: {e}"));
        let LoginNext::SecondFactor { webauthn, .. } = started.next else {
            panic!(
                "login {username}: {:?} instead of a second factor",
                started.next
            );
        };
        let options = webauthn.unwrap_or(Value::Null);
        let assertion = self.assert_passkey(username, &options, Behaviour::VERIFIED);
        let factor = SecondFactor {
            webauthn: Some(assertion),
            ..SecondFactor::default()
        };
        let session = client
            .second_factor(&factor)
            .await
            .unwrap_or_else(|e| panic!("second factor {username}: {e}"));
        assert_eq!(session.mfa, "webauthn");
        client
    }

    /// The gateway's terminal CA, opened with the master key as the gateway
    /// does (SQLite only), to make certificates the CA could have issued
    /// (an expired one, say).
    pub async fn terminal_ca(&self) -> dsg_pki::TerminalCa {
        use dsg_crypto::KeyProvider;
        let master = dsg_crypto::FileKeyProvider::new(self.dir.path().join("keys/master.key"))
            .master_key()
            .unwrap();
        let url = format!("sqlite://{}", self.data_dir().join("dsg.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let (cert_pem, sealed): (String, String) =
            sqlx::query_as("SELECT cert_pem, wrapped_private_key FROM terminal_ca")
                .fetch_one(&pool)
                .await
                .unwrap();
        pool.close().await;
        let ctx = dsg_crypto::WrapContext {
            purpose: "terminal-ca-key",
            owner: "terminal-ca",
            key_version: 1,
        };
        let key = dsg_crypto::open(&master, &hex::decode(sealed).unwrap(), &ctx).unwrap();
        let key = dsg_crypto::SecretString::new(String::from_utf8(key.to_vec()).unwrap());
        dsg_pki::TerminalCa::from_pem(&cert_pem, &key).unwrap()
    }
}
