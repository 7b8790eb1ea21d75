// Helpers for the browser end-to-end tests: start a demo gateway in a temp
// dir, make an NSS database that trusts its CA, launch the system Chromium
// with that database, open browser contexts that present a terminal's
// client certificate, and talk to the JSON API from Node.
//
// Nothing here ignores certificate errors: the browser, Playwright's
// client-certificate proxy and the Node client all verify the gateway's
// certificate against the CA the gateway made.

import { spawn, execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, mkdirSync, rmSync, readFileSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import https from "node:https";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

import { TotpBook, stepAt } from "./totp.mjs";

const here = dirname(fileURLToPath(import.meta.url));

/** The e2e folder. */
export const E2E_DIR = resolve(here, "..");
/** Where screenshots and the server log go (gitignored). */
export const ARTIFACTS = join(E2E_DIR, "artifacts");

/** The dsg binary: $DSG_BIN, else the debug build of the workspace. */
export function dsgBinary() {
  if (process.env.DSG_BIN) return resolve(process.env.DSG_BIN);
  const target = process.env.CARGO_TARGET_DIR
    ? resolve(process.env.CARGO_TARGET_DIR)
    : resolve(E2E_DIR, "..", "target");
  return join(target, "debug", "dsg");
}

/**
 * Starts `dsg serve --demo` in a fresh temp dir and waits for its
 * "listening on" line. Returns { url, port, caPath, users, totp,
 * terminals, stop() }: `users` maps each demo user to their password,
 * `totp` (a TotpBook) holds their TOTP secrets and the last step used,
 * `terminals` maps each demo terminal's PKCS#12 file name ("minato.p12",
 * "hokuto.p12") to { pfxPath (absolute), passphrase, company }.
 */
export async function startGateway({ logName = "server.log", timeoutMs = 60_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "dsg-e2e-srv-"));
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = createWriteStream(join(ARTIFACTS, logName));
  const child = spawn(dsgBinary(), ["serve", "--demo", "--listen", "127.0.0.1:0"], {
    cwd: dir,
    env: {
      ...process.env,
      DSG_AUTH__ARGON2_MEMORY_KIB: process.env.DSG_AUTH__ARGON2_MEMORY_KIB ?? "8",
      DSG_AUTH__ARGON2_ITERATIONS: process.env.DSG_AUTH__ARGON2_ITERATIONS ?? "1",
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise((res) => child.once("exit", (code, signal) => res({ code, signal })));

  const users = {};
  const totp = new TotpBook();
  const terminals = {};
  let url;
  let caRel;
  const ready = new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    rl.on("line", (line) => {
      log.write(`[stdout] ${line}\n`);
      const u = line.match(/demo user:\s+(\S+)\s+password:\s+(\S+)(?:\s+totp:\s+([A-Z2-7=]+))?/);
      if (u) {
        users[u[1]] = u[2];
        if (!u[3]) {
          rej(new Error(`no totp secret in the demo line: ${line}`));
          return;
        }
        // The seeding enrolled every user with the current step's code (it
        // ran just before this line), and signed the two operators in with
        // the next step's code (the second confirms the rosters).
        const now = stepAt();
        const signedIn = ["operator", "yamada@agency"].includes(u[1]);
        totp.add(u[1], u[3], signedIn ? now + 1 : now);
      }
      // "  demo terminal: <path>  password: <password>  (<company>)"; the
      // path is relative to the gateway's working directory (or absolute).
      const t = line.match(/demo terminal:\s+(\S+\.p12)\s+password:\s+(\S+)(?:\s+\((.*)\))?\s*$/);
      if (t) {
        const pfxPath = resolve(dir, t[1]);
        terminals[basename(pfxPath)] = { pfxPath, passphrase: t[2], company: t[3] ?? "" };
      }
      const l = line.match(/listening on (https:\/\/\S+?)\/?$/);
      if (l) url = l[1];
      const c = line.match(/trust the gateway CA:\s+(.+)$/);
      if (c) caRel = c[1].trim();
      if (url && caRel) res();
    });
    exited.then(({ code, signal }) =>
      rej(new Error(`dsg exited before listening (code ${code}, signal ${signal}); see artifacts/${logName}`)),
    );
    setTimeout(() => rej(new Error(`dsg did not start within ${timeoutMs} ms`)), timeoutMs).unref();
  });
  try {
    await ready;
  } catch (e) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const port = Number(new URL(url).port);
  const caPath = resolve(dir, caRel);

  async function stop() {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    rmSync(dir, { recursive: true, force: true });
  }
  if (!totp.has("operator")) {
    await stop();
    throw new Error("the demo output named no operator with a totp secret");
  }
  for (const file of new Set(Object.values(DEMO_TERMINAL_OF))) {
    if (!terminals[file]) {
      await stop();
      throw new Error(`the demo output named no terminal ${file} (a "demo terminal:" line); see artifacts/${logName}`);
    }
    terminals[file].pfx = readFileSync(terminals[file].pfxPath);
  }
  return { url, port, origin: new URL(url).origin, caPath, ca: readFileSync(caPath), users, totp, terminals, dir, stop, exited };
}

/** The demo terminal (PKCS#12 file name) of each demo company's users. */
const DEMO_TERMINAL_OF = { minato: "minato.p12", hokuto: "hokuto.p12" };

/**
 * The registered terminal of a demo user's company: { pfxPath, pfx,
 * passphrase, company } (the users `…@minato` get minato.p12, `…@hokuto`
 * hokuto.p12). Throws for a user of no demo company (e.g. the operator).
 */
export function terminalFor(gw, username) {
  const company = username.split("@")[1];
  const file = DEMO_TERMINAL_OF[company];
  if (!file || !gw.terminals[file]) throw new Error(`no demo terminal for ${username}`);
  return gw.terminals[file];
}

/**
 * Options of `browser.newContext` that make the context present a
 * terminal's client certificate to the gateway (Playwright's
 * `clientCertificates`), from its very first request. `terminal` is a demo
 * user name (their company's terminal), an object from `gw.terminals`, or
 * { pfx: Buffer, passphrase } (e.g. a PKCS#12 the operator was issued).
 */
export function clientCertificateOptions(gw, terminal) {
  const t = typeof terminal === "string" ? terminalFor(gw, terminal) : terminal;
  const cert = { origin: gw.origin, passphrase: t.passphrase };
  if (t.pfxPath) cert.pfxPath = t.pfxPath;
  else cert.pfx = t.pfx;
  return { clientCertificates: [cert] };
}

const lastMethod = new WeakMap();

/**
 * Remembers the method of each page's last main-frame navigation (a form
 * post's redirect is a GET), so the page checks (`lib/check.mjs`) know
 * whether the page can be loaded again. `newGatewayPage` calls it; so do
 * the tests' own page helpers.
 */
export function trackNavigations(page) {
  page.on("request", (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      lastMethod.set(page, request.method());
    }
  });
}

/** The method of the page's last main-frame navigation, if tracked. */
export function lastNavigationMethod(page) {
  return lastMethod.get(page);
}

/**
 * A new browser context (and page) for the gateway, presenting the client
 * certificate of `terminal` (see clientCertificateOptions) if given.
 * Returns { context, page }.
 */
export async function newGatewayPage(browser, gw, { terminal, timeout = 20_000, ...options } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1100, height: 900 },
    ...options,
    ...(terminal ? clientCertificateOptions(gw, terminal) : {}),
  });
  const page = await context.newPage();
  trackNavigations(page);
  page.setDefaultTimeout(timeout);
  page.setDefaultNavigationTimeout(timeout);
  return { context, page };
}

/**
 * Makes a temp HOME whose NSS database trusts the CA (unless trustCa is
 * false), the way a person would import a CA into Chromium on Linux.
 */
export function makeHomeTrusting(caPath, { trustCa = true } = {}) {
  const home = mkdtempSync(join(tmpdir(), "dsg-e2e-home-"));
  const db = `sql:${join(home, ".pki", "nssdb")}`;
  mkdirSync(join(home, ".pki", "nssdb"), { recursive: true });
  execFileSync("certutil", ["-d", db, "-N", "--empty-password"], { stdio: "pipe" });
  if (trustCa) {
    execFileSync("certutil", ["-d", db, "-A", "-t", "C,,", "-n", "dsg-test-ca", "-i", caPath], {
      stdio: "pipe",
    });
  }
  return home;
}

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches the system Chromium with HOME pointing at the NSS database, as
 * a Playwright browser server in a child Node process
 * (lib/browser-server.mjs), and connects to it. Unless `caPath` is null,
 * that process trusts the gateway CA (see below).
 *
 * The browser itself verifies the gateway with the NSS database. But in a
 * context with `clientCertificates`, Playwright makes the TLS connection
 * to the gateway from the Node process that runs the browser: its proxy
 * presents the client certificate and verifies the gateway's certificate
 * against Node's default trust store (it has no `ca` option), and gives
 * the browser a TLS connection of its own (which is why Playwright tells
 * the browser to accept that one). So that Node process must trust the
 * gateway CA. NODE_EXTRA_CA_CERTS does not do it: when the PKCS#12 holds a
 * CA certificate too (ours holds the terminal CA), Node builds a fresh
 * store for the context without the extra certificates
 * (nodejs/node#32010), and the proxy answers 503 "self-signed certificate
 * in certificate chain". So the process runs with `--use-openssl-ca` and
 * SSL_CERT_FILE naming the gateway CA: OpenSSL's default store, which
 * Node loads into every store it makes, holds the gateway CA.
 *
 * The returned browser's close() also ends the child process.
 */
export async function launchBrowser(home, { caPath } = {}) {
  const env = { ...process.env };
  for (const v of ["NODE_TEST_CONTEXT", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"]) delete env[v];
  if (caPath) env.SSL_CERT_FILE = caPath;
  const config = {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    home,
    args: CHROMIUM_ARGS,
  };
  const child = spawn(process.execPath, ["--use-openssl-ca", join(here, "browser-server.mjs"), JSON.stringify(config)], {
    env,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise((res) => child.once("exit", (code, signal) => res({ code, signal })));
  let wsEndpoint;
  try {
    const rl = createInterface({ input: child.stdout });
    const [line] = await Promise.race([
      once(rl, "line"),
      exited.then(({ code, signal }) => {
        throw new Error(`the browser server exited (code ${code}, signal ${signal})`);
      }),
    ]);
    ({ wsEndpoint } = JSON.parse(line));
    const browser = await chromium.connect(wsEndpoint);
    const disconnect = browser.close.bind(browser);
    browser.close = async () => {
      await disconnect().catch(() => {});
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    };
    return browser;
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
}

/**
 * A tiny JSON API client that verifies the gateway with its CA.
 * `body` may be an object (sent as JSON) or a Buffer (sent raw).
 * `terminal` (a demo user name or a { pfx, passphrase } object, see
 * clientCertificateOptions) makes it present that terminal's client
 * certificate; a session made with `apiLogin(…, { terminal })` carries it.
 */
export function apiRequest(gw, method, path, { body, cookie, csrf, terminal, session } = {}) {
  if (session) {
    cookie ??= session.cookie;
    csrf ??= session.csrf;
    terminal ??= session.terminal;
  }
  return new Promise((res, rej) => {
    const headers = {};
    let payload;
    if (Buffer.isBuffer(body)) {
      payload = body;
      headers["content-type"] = "application/octet-stream";
    } else if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body));
      headers["content-type"] = "application/json";
    }
    if (payload) headers["content-length"] = String(payload.length);
    if (cookie) headers.cookie = cookie;
    if (csrf) headers["x-csrf-token"] = csrf;
    const tlsClient = {};
    if (terminal) {
      const t = typeof terminal === "string" ? terminalFor(gw, terminal) : terminal;
      tlsClient.pfx = t.pfx ?? readFileSync(t.pfxPath);
      tlsClient.passphrase = t.passphrase;
    }
    const req = https.request(
      { host: "localhost", port: gw.port, path, method, headers, ca: gw.ca, ...tlsClient },
      (resp) => {
        const chunks = [];
        resp.on("data", (c) => chunks.push(c));
        resp.on("end", () => {
          const raw = Buffer.concat(chunks);
          let json;
          try {
            json = JSON.parse(raw.toString("utf8"));
          } catch {
            json = undefined;
          }
          res({ status: resp.statusCode, headers: resp.headers, raw, json });
        });
      },
    );
    req.on("error", rej);
    if (payload) req.write(payload);
    req.end();
  });
}

function sessionCookie(r, what) {
  const setCookie = [].concat(r.headers["set-cookie"] ?? []);
  const session = setCookie.map((c) => c.split(";")[0]).find((c) => c.startsWith("__Host-dsg_session="));
  if (!session) throw new Error(`no __Host-dsg_session cookie in the ${what} response`);
  return session;
}

/**
 * Logs in through the API: password, then the demo user's TOTP code.
 * Returns { cookie, csrf, terminal } of the fully authenticated session;
 * with `terminal` (e.g. the user's name: their company's terminal), every
 * request of the login, and of the session (pass it as `session` to
 * apiRequest), presents that client certificate.
 */
export async function apiLogin(gw, username, { terminal } = {}) {
  const r = await apiRequest(gw, "POST", "/api/v1/session", {
    body: { username, password: gw.users[username] },
    terminal,
  });
  if (r.status !== 200 && r.status !== 201) {
    throw new Error(`API login of ${username} failed: HTTP ${r.status} ${r.raw}`);
  }
  if (r.json?.next !== "second_factor" || !r.json.totp) {
    throw new Error(`API login of ${username}: expected a TOTP second factor, got ${r.raw}`);
  }
  const pending = { cookie: sessionCookie(r, "login"), csrf: r.json.csrf_token };
  const { code } = await gw.totp.next(username);
  const f = await apiRequest(gw, "POST", "/api/v1/session/second-factor", {
    body: { totp: code },
    cookie: pending.cookie,
    csrf: pending.csrf,
    terminal,
  });
  if (f.status !== 200 && f.status !== 201) {
    throw new Error(`API second factor of ${username} failed: HTTP ${f.status} ${f.raw}`);
  }
  return { cookie: sessionCookie(f, "second-factor"), csrf: f.json.csrf_token, terminal };
}

const pathIs = (p) => (url) => new URL(url).pathname === p;

/**
 * In a browser page on /login/verify: types the user's next TOTP code into
 * #totp-code and submits #totp-form; fails with the server's answer unless
 * it redirects to `/`.
 */
export async function totpStep(page, gw, username) {
  if (new URL(page.url()).pathname !== "/login/verify") {
    throw new Error(`expected /login/verify before the TOTP step, at ${page.url()}`);
  }
  const { code } = await gw.totp.next(username);
  await page.fill("#totp-code", code);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && pathIs("/login/verify")(r.url())),
    page.click("#totp-submit"),
  ]);
  if (resp.status() !== 303 && resp.status() !== 302) {
    const body = await resp.text().catch(() => "");
    throw new Error(`POST /login/verify (TOTP of ${username}) answered ${resp.status()}: ${body.slice(0, 600)}`);
  }
  await page.waitForURL(pathIs("/"));
}

/**
 * The password step of the login form; fails with the server's answer
 * unless POST /login redirects to `expect` (default /login/verify).
 */
export async function passwordStep(page, gw, username, password, { open = true, expect = "/login/verify" } = {}) {
  if (open) {
    const resp = await page.goto(`${gw.url}/login`);
    if (resp.status() !== 200) {
      const body = await resp.text().catch(() => "");
      throw new Error(`GET /login answered ${resp.status()}: ${body.slice(0, 300)}`);
    }
  }
  await page.fill("#username", username);
  await page.fill("#password", password);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && pathIs("/login")(r.url())),
    page.click("#login-submit"),
  ]);
  if (resp.status() !== 303 && resp.status() !== 302) {
    const body = await resp.text().catch(() => "");
    throw new Error(`POST /login of ${username} answered ${resp.status()}, not a redirect: ${body.slice(0, 600)}`);
  }
  await page.waitForURL(pathIs(expect));
}

/** The full login of a demo user in the browser: password, then TOTP. */
export async function loginWithTotp(page, gw, username, password = gw.users[username], opts = {}) {
  await passwordStep(page, gw, username, password, opts);
  await totpStep(page, gw, username);
}
