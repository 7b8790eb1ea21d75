// Helpers for the browser end-to-end tests: start a demo gateway in a temp
// dir, make an NSS database that trusts its CA, launch the system Chromium
// with that database, and talk to the JSON API from Node.
//
// Nothing here ignores certificate errors: the browser and the Node client
// both verify the gateway's certificate against the CA the gateway made.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, readFileSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import https from "node:https";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

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
 * "listening on" line. Returns { url, port, caPath, users, stop() }.
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
  let url;
  let caRel;
  const ready = new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    rl.on("line", (line) => {
      log.write(`[stdout] ${line}\n`);
      const u = line.match(/demo user:\s+(\S+)\s+password:\s+(\S+)/);
      if (u) users[u[1]] = u[2];
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
  return { url, port, caPath, ca: readFileSync(caPath), users, dir, stop, exited };
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

/** Launches the system Chromium with HOME pointing at the NSS database. */
export async function launchBrowser(home) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    env: { ...process.env, HOME: home },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A tiny JSON API client that verifies the gateway with its CA.
 * `body` may be an object (sent as JSON) or a Buffer (sent raw).
 */
export function apiRequest(gw, method, path, { body, cookie, csrf } = {}) {
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
    const req = https.request(
      { host: "localhost", port: gw.port, path, method, headers, ca: gw.ca },
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

/** Logs in through the API; returns { cookie, csrf }. */
export async function apiLogin(gw, username) {
  const r = await apiRequest(gw, "POST", "/api/v1/session", {
    body: { username, password: gw.users[username] },
  });
  if (r.status !== 200 && r.status !== 201) {
    throw new Error(`API login of ${username} failed: HTTP ${r.status} ${r.raw}`);
  }
  const setCookie = [].concat(r.headers["set-cookie"] ?? []);
  const session = setCookie.map((c) => c.split(";")[0]).find((c) => c.startsWith("__Host-dsg_session="));
  if (!session) throw new Error("no __Host-dsg_session cookie in the login response");
  return { cookie: session, csrf: r.json.csrf_token };
}
