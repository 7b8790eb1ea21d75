// Browser end-to-end test of registered terminals: protected data is
// reachable only from a terminal of the user's company, identified by the
// client certificate the gateway's terminal CA issued (`serve --demo`
// registers one terminal per demo company and writes its PKCS#12).
//
// A new handler of A-001 (みなと精機) enrols a passkey on a Chromium
// virtual authenticator in a browser context that presents みなと精機's
// terminal certificate (Playwright's `clientCertificates`), signs in with
// it and reaches the compartment (uploads a file, lists it). The same
// passkey in a context without a certificate signs in, but the home page
// and /compartments/<id> show the plain-language reason
// (data-code="terminal_required") and no file; the API answers 403. A
// session made over the certificate does not work without it, and
// 北斗電子's terminal is refused with its own reason. Last, a browser whose
// Playwright server does not trust the gateway CA gets no page through the
// client-certificate proxy: the proxy verifies the gateway's certificate.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

import {
  ARTIFACTS,
  apiLogin,
  apiRequest,
  launchBrowser,
  makeHomeTrusting,
  newGatewayPage,
  passwordStep,
  startGateway,
} from "../lib/dsg.mjs";
import { checkPage } from "../lib/check.mjs";
import { addVirtualAuthenticator, enrolWithPasskey, passkeyCheck, strongPassword } from "../lib/passkey.mjs";

const MARKING_JA = "保護すべき情報";
const TERMINAL_REQUIRED_JA =
  "この区画には、所属会社の登録済み端末からのみアクセスできます。端末のクライアント証明書を使って接続してください。";
const TERMINAL_REQUIRED_EN =
  "This compartment is only reachable from a registered terminal of your company. Connect with your terminal's client certificate.";
const COMPANY = "株式会社みなと精機 (Minato Seiki)";
const CONTRACT = "A-001";
const USER = "terminal.user@minato";
const DISPLAY = "端末 三郎";
const PASSWORD = strongPassword();
const FILE_NAME = "端末経由 図面-e2e.bin";

let gw;
let home;
let browser;
let enrolmentPath;
let cid;
// The passkey the handler registered (CDP WebAuthn credential, with its
// private key), so that other contexts can sign in with it. Its signature
// counter is carried along: the gateway refuses a counter that does not
// increase (a cloned authenticator).
let credential;

const pathIs = (p) => (url) => new URL(url).pathname === p;
const cssString = (s) => `"${s.replace(/["\\]/g, "\\$&")}"`;

// Every page the test reaches: axe (WCAG 2.1 A/AA) in both languages, no
// sideways scrolling at 390 and 1,280 px, screenshots (lib/check.mjs).
async function shot(page, name) {
  await checkPage(page, `terminal-${name}`);
}

// GET a URL from the page (its session, its connection) and parse JSON.
async function fetchJson(page, url) {
  return page.evaluate(async (u) => {
    const r = await fetch(u, { credentials: "same-origin" });
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: r.status, json, text };
  }, url);
}

// A context (with `terminal`'s client certificate, if any) whose virtual
// authenticator holds the handler's passkey; signs in with password and
// passkey. Returns { context, page }.
async function signInWithPasskey(terminal) {
  const p = await newGatewayPage(browser, gw, { terminal });
  const { cdp, authenticatorId } = await addVirtualAuthenticator(p.page);
  await cdp.send("WebAuthn.addCredential", { authenticatorId, credential });
  await passwordStep(p.page, gw, USER, PASSWORD);
  const r = await passkeyCheck(p.page);
  ({
    credentials: [credential],
  } = await cdp.send("WebAuthn.getCredentials", { authenticatorId }));
  assert.equal(r.state, "done", `passkey step: ${r.text ?? ""}`);
  const me = await fetchJson(p.page, "/api/v1/me");
  assert.equal(me.json?.mfa, "webauthn", `signed in with the passkey: ${me.text}`);
  return p;
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  gw = await startGateway({ logName: "server-terminal.log" });
  const trustCa = process.env.DSG_E2E_NO_CA !== "1";
  home = makeHomeTrusting(gw.caPath, { trustCa });
  browser = await launchBrowser(home, { caPath: trustCa ? gw.caPath : null });

  // The operator (no terminal needed for the administration) creates the
  // user in みなと精機 and designates them as handler of A-001.
  const op = await apiLogin(gw, "operator");
  const overview = await apiRequest(gw, "GET", "/api/v1/admin/overview", { session: op });
  assert.equal(overview.status, 200, `overview: ${overview.raw}`);
  const company = overview.json.companies.find((c) => c.name === COMPANY);
  assert.ok(company, `company ${COMPANY}`);
  const contract = overview.json.contracts.find((c) => c.number === CONTRACT);
  assert.ok(contract, `contract ${CONTRACT}`);
  cid = overview.json.compartments.find((c) => c.contract_id === contract.id)?.id;
  assert.ok(cid, `${CONTRACT} has a compartment`);
  const user = await apiRequest(gw, "POST", "/api/v1/admin/users", {
    session: op,
    body: { company_id: company.id, username: USER, display_name: DISPLAY, role: "member" },
  });
  assert.equal(user.status, 201, `create user: ${user.raw}`);
  enrolmentPath = user.json.enrolment_path;
  assert.match(enrolmentPath ?? "", /^\/enrol\?token=./);
  const designated = await apiRequest(gw, "PUT", `/api/v1/admin/contracts/${contract.id}/handlers/${user.json.id}`, {
    session: op,
  });
  assert.equal(designated.status, 204, `designate: ${designated.raw}`);
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("a handler with a client certificate and a passkey reaches the compartment; without the certificate the page shows the plain-language reason", { timeout: 360_000 }, async () => {
  // --- From みなと精機's registered terminal: enrol, sign in, upload. ---
  const terminal = await newGatewayPage(browser, gw, { terminal: USER });
  const t = terminal.page;
  const { cdp, authenticatorId } = await addVirtualAuthenticator(t);
  const codes = await enrolWithPasskey(t, gw, enrolmentPath, PASSWORD);
  assert.equal(codes.length, 10, "recovery codes shown");
  await Promise.all([t.waitForURL(pathIs("/login")), t.click("#to-login")]);
  await passwordStep(t, gw, USER, PASSWORD);
  const ok = await passkeyCheck(t);
  assert.equal(ok.state, "done", `passkey step: ${ok.text ?? ""}`);
  ({
    credentials: [credential],
  } = await cdp.send("WebAuthn.getCredentials", { authenticatorId }));
  assert.ok(credential?.privateKey, "the authenticator holds the new passkey");
  assert.equal(new URL(t.url()).pathname, "/");

  const link = t.locator("table#compartments a.compartment-link", { hasText: CONTRACT });
  assert.equal(await link.count(), 1, "the home page links to A-001");
  assert.equal(await t.locator(".blocked, [data-code]").count(), 0, "no refusal on the home page");
  assert.ok(!(await t.content()).includes(TERMINAL_REQUIRED_JA), "no terminal_required sentence");
  await shot(t, "40-terminal-home");
  await Promise.all([t.waitForURL(pathIs(`/compartments/${cid}`)), link.click()]);
  assert.equal((await t.locator(".protected-marking").first().textContent()).trim(), MARKING_JA);
  assert.equal(await t.locator("p.error").count(), 0, "no error on the compartment page");

  // Upload through the form, from the terminal.
  const data = randomBytes(64 * 1024 + 17);
  await t.setInputFiles("#file-input", { name: FILE_NAME, mimeType: "application/octet-stream", buffer: data });
  const uploaded = t.waitForResponse(
    (r) => r.request().method() === "POST" && pathIs(`/api/v1/compartments/${cid}/files`)(r.url()),
  );
  const reloaded = t.waitForEvent("load");
  await t.click("#upload-button");
  const up = await uploaded;
  assert.equal(up.status(), 201, `upload answered ${up.status()}: ${await up.text().catch(() => "")}`);
  await reloaded;
  await t.locator(`tr.file-row[data-name=${cssString(FILE_NAME)}]`).waitFor();
  const list = await fetchJson(t, `/api/v1/compartments/${cid}/files`);
  assert.equal(list.status, 200, `list from the terminal: ${list.text}`);
  assert.ok(list.json.files.some((f) => f.name === FILE_NAME && f.size_bytes === data.length), list.text);
  await shot(t, "41-terminal-compartment");

  // The session belongs to the certificate: its cookies, in a context
  // without one, sign nobody in.
  const cookies = await terminal.context.cookies();
  assert.ok(cookies.some((c) => c.name === "__Host-dsg_session"), "session cookie");
  const bare = await newGatewayPage(browser, gw);
  try {
    await bare.context.addCookies(cookies);
    await bare.page.goto(`${gw.url}/`);
    assert.equal(new URL(bare.page.url()).pathname, "/login", "the session does not work without the certificate");
    assert.equal((await fetchJson(bare.page, "/api/v1/me")).status, 401);
  } finally {
    await bare.context.close();
  }
  await terminal.context.close();

  // --- The same handler and passkey, without a certificate. ------------
  const plain = await signInWithPasskey(undefined);
  const p = plain.page;
  try {
    assert.equal(new URL(p.url()).pathname, "/");
    const row = p.locator("table#compartments tr", { hasText: CONTRACT });
    assert.equal(await row.count(), 1, "A-001 is listed");
    assert.equal(await p.locator("a.compartment-link").count(), 0, "but not linked");
    const reason = row.locator('span.error.blocked[data-code="terminal_required"]');
    assert.equal(await reason.count(), 1, "the row says why");
    assert.equal((await reason.textContent()).trim(), TERMINAL_REQUIRED_JA);
    await shot(p, "42-no-terminal-home");

    const resp = await p.goto(`${gw.url}/compartments/${cid}`);
    assert.equal(resp.status(), 403, "the compartment page is refused");
    const error = p.locator("main p.error");
    assert.equal(await error.getAttribute("data-code"), "terminal_required");
    assert.equal((await error.textContent()).trim(), TERMINAL_REQUIRED_JA);
    assert.ok(!(await p.content()).includes(FILE_NAME), "no file name without the terminal");
    assert.equal(await p.locator("tr.file-row, table#files, #upload-form").count(), 0);
    await shot(p, "43-no-terminal-compartment");

    const api = await fetchJson(p, `/api/v1/compartments/${cid}/files`);
    assert.equal(api.status, 403, api.text);
    assert.equal(api.json?.error?.code, "terminal_required", api.text);
    assert.ok(!api.text.includes(FILE_NAME));

    // In English (GET /lang/en sets the cookie and leads to the home page).
    await Promise.all([p.waitForURL(pathIs("/")), p.click("#lang-switch")]);
    assert.equal(await p.getAttribute("html", "lang"), "en");
    assert.equal((await reason.textContent()).trim(), TERMINAL_REQUIRED_EN);
    await p.goto(`${gw.url}/compartments/${cid}`);
    assert.equal(await p.getAttribute("html", "lang"), "en");
    assert.equal(await error.getAttribute("data-code"), "terminal_required");
    assert.equal((await error.textContent()).trim(), TERMINAL_REQUIRED_EN);
    await shot(p, "44-no-terminal-compartment-en");
  } finally {
    await plain.context.close();
  }
});

test("another company's terminal is refused with its own reason", { timeout: 120_000 }, async () => {
  assert.ok(credential, "the previous test registered the passkey");
  const other = await signInWithPasskey("sato@hokuto");
  try {
    const reason = other.page.locator('table#compartments span.error.blocked[data-code="terminal_other_company"]');
    assert.equal(await reason.count(), 1, "the A-001 row names the other company's terminal");
    assert.equal(await other.page.locator("a.compartment-link").count(), 0);
    const resp = await other.page.goto(`${gw.url}/compartments/${cid}`);
    assert.equal(resp.status(), 403);
    assert.equal(await other.page.getAttribute("main p.error", "data-code"), "terminal_other_company");
    assert.ok(!(await other.page.content()).includes(FILE_NAME));
    await shot(other.page, "45-other-company-terminal");
  } finally {
    await other.context.close();
  }
});

test("the client-certificate proxy verifies the gateway's certificate", { timeout: 120_000 }, async () => {
  // Through the browser that trusts the gateway CA: the login page.
  const trusted = await newGatewayPage(browser, gw, { terminal: USER });
  try {
    const resp = await trusted.page.goto(`${gw.url}/login`);
    assert.equal(resp.status(), 200, `GET /login through the proxy: ${await resp.text()}`);
    assert.equal(await trusted.page.locator("#login-form").count(), 1);
  } finally {
    await trusted.context.close();
  }
  // A browser whose Playwright server does not trust it: no page.
  const untrusting = await launchBrowser(home, { caPath: null });
  try {
    const p = await newGatewayPage(untrusting, gw, { terminal: USER });
    const resp = await p.page.goto(`${gw.url}/login`);
    const body = await resp.text();
    assert.equal(resp.status(), 503, body);
    assert.match(body, /client-certificate error: self-signed certificate in certificate chain/);
    assert.equal(await p.page.locator("#login-form").count(), 0);
  } finally {
    await untrusting.close();
  }
});
