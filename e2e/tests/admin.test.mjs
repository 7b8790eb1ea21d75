// Browser end-to-end test of the operator's side: an agency operator
// registers a company, a user and a special-clause contract, opens the
// contract's compartment and designates the user as handler, all through
// the web UI; the new user enrols through the one-time link the operator
// was given (password, then a passkey on a Chromium virtual
// authenticator), reaches the compartment, and after the operator removes
// the designation, no longer does. Every login has a second factor: TOTP
// for the demo operator, the passkey for the new user. The operator also
// registers a terminal for the new company (the gateway issues its
// certificate as PKCS#12, shown once with its password); the user works
// from it: their browser context presents that client certificate.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

import {
  ARTIFACTS,
  clientCertificateOptions,
  launchBrowser,
  loginWithTotp,
  makeHomeTrusting,
  passwordStep,
  startGateway,
  trackNavigations,
} from "../lib/dsg.mjs";
import { checkPage } from "../lib/check.mjs";
import { addVirtualAuthenticator, enrolWithPasskey, passkeyCheck, strongPassword } from "../lib/passkey.mjs";

const NOT_FOUND_JA = "見つからないか、アクセスが許可されていません。";
const COMPANY = "株式会社イーツーイー工業";
const CONTRACT = "E2E-001";
const CONTRACT2 = "E2E-002";
const HANDLER = "e2e.handler";
const HANDLER_PASSWORD = strongPassword();

let gw;
let home;
let browser;

const pathIs = (p) => (url) => new URL(url).pathname === p;

// Every page the test reaches: axe (WCAG 2.1 A/AA) in both languages, no
// sideways scrolling at 390 and 1,280 px, screenshots (lib/check.mjs).
async function shot(page, name) {
  await checkPage(page, `admin-${name}`);
}

// With `terminal` ({ pfx, passphrase }), the context presents that client
// certificate.
async function newPage({ terminal } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1100, height: 900 },
    ...(terminal ? clientCertificateOptions(gw, terminal) : {}),
  });
  const page = await context.newPage();
  trackNavigations(page);
  page.setDefaultTimeout(20_000);
  return { context, page };
}

// Password, then the passkey of the page's virtual authenticator.
async function loginWithPasskey(page, username, password) {
  await passwordStep(page, gw, username, password);
  const r = await passkeyCheck(page);
  assert.equal(r.state, "done", `passkey step: ${r.text ?? ""}`);
  assert.equal(new URL(page.url()).pathname, "/");
}

// Submits a form and waits for the page it redirects to.
async function submit(page, formSelector) {
  await Promise.all([
    page.waitForNavigation(),
    page.locator(`${formSelector} button[type=submit]`).first().click(),
  ]);
  const errors = page.locator("p.error");
  if ((await errors.count()) > 0) {
    assert.fail(`error after ${formSelector}: ${await errors.first().textContent()}`);
  }
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  gw = await startGateway({ logName: "server-admin.log" });
  const trustCa = process.env.DSG_E2E_NO_CA !== "1";
  home = makeHomeTrusting(gw.caPath, { trustCa });
  browser = await launchBrowser(home, { caPath: trustCa ? gw.caPath : null });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("an operator registers a contract, opens its compartment and designates a handler", { timeout: 360_000 }, async () => {
  const operator = await newPage();
  const op = operator.page;
  await loginWithTotp(op, gw, "operator");
  await Promise.all([op.waitForURL(pathIs("/admin")), op.click("#admin-link")]);
  await shot(op, "20-admin");

  // Company.
  await op.fill("#company-name", COMPANY);
  await submit(op, "#company-form");
  assert.equal(await op.locator("table#companies td", { hasText: COMPANY }).count(), 1);

  // User of that company.
  await op.selectOption("#user-company", { label: COMPANY });
  await op.fill("#user-username", HANDLER);
  await op.fill("#user-display", "E2E 太郎");
  await op.selectOption("#user-role", "member");
  await submit(op, "#user-form");
  // No password: the operator is shown the one-time enrolment link.
  const enrolmentPath = await op.locator("code#enrolment-link").getAttribute("data-path");
  assert.match(enrolmentPath ?? "", /^\/enrol\?token=./, `enrolment link path: ${enrolmentPath}`);
  await shot(op, "20a-enrolment-link");
  await op.goto(`${gw.url}/admin`);
  assert.equal(await op.locator("table#users td", { hasText: HANDLER }).count(), 1);

  // Contract with the special clause; the form leads to the contract page.
  // Open the compartment, designate the handler.
  async function contractWithHandler(number, title) {
    await op.goto(`${gw.url}/admin`);
    await op.selectOption("#contract-company", { label: COMPANY });
    await op.fill("#contract-number", number);
    await op.fill("#contract-title", title);
    await op.fill("#contract-start", "2026-04-01");
    await op.fill("#contract-end", "2027-03-31");
    await submit(op, "#contract-form");
    assert.match(new URL(op.url()).pathname, /^\/admin\/contracts\/[0-9a-f-]{36}$/);
    const page = new URL(op.url()).pathname;
    await submit(op, "#open-compartment");
    assert.equal(await op.locator("#compartment-id").count(), 1, "compartment opened");
    await op.selectOption("#designate-user", { label: `E2E 太郎 (${HANDLER})` });
    await submit(op, "#designate-form");
    assert.equal(await op.locator("table#handlers td", { hasText: HANDLER }).count(), 1);
    return page;
  }
  const contractPage = await contractWithHandler(CONTRACT, "E2E 試験契約");
  await shot(op, "21-contract-with-handler");
  // A second one: an account removed from its last contract is disabled
  // (below), so the removal from the first is seen with a live session.
  const contractPage2 = await contractWithHandler(CONTRACT2, "E2E 試験契約 2");

  // A terminal for the company: the gateway issues its certificate as a
  // PKCS#12 file (a download link) and shows its password once.
  await op.goto(`${gw.url}/admin`);
  await Promise.all([op.waitForURL(pathIs("/admin/terminals")), op.click("#terminals-link")]);
  await op.selectOption("#company_id", { label: COMPANY });
  await op.fill("#name", "E2E 端末 1");
  await op.fill("#site", "本社");
  await op.fill("#serial", "E2E-0001");
  await submit(op, "#register-terminal");
  const p12Href = await op.locator("#pkcs12-download").getAttribute("href");
  const p12 = (p12Href ?? "").match(/^data:application\/x-pkcs12;base64,([A-Za-z0-9+/=]+)$/);
  assert.ok(p12, `PKCS#12 download link: ${(p12Href ?? "").slice(0, 60)}`);
  const terminal = {
    pfx: Buffer.from(p12[1], "base64"),
    passphrase: (await op.locator("#pkcs12-password").textContent()).trim(),
  };
  assert.ok(terminal.passphrase.length >= 16, "a PKCS#12 password is shown");
  // Large and legible, with copy, save as text (the password alone) and print.
  const passwordPx = await op.locator("#pkcs12-password").evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok(passwordPx >= 20, `the PKCS#12 password is shown at ${passwordPx} px`);
  for (const button of ["#pkcs12-password-copy", "#pkcs12-password-print"]) {
    assert.ok(await op.locator(button).isVisible(), `${button} offered`);
  }
  const saved = await op.locator("#pkcs12-password-download").getAttribute("href");
  const prefix = "data:text/plain;charset=utf-8,";
  assert.ok(saved?.startsWith(prefix), `a text file: ${saved}`);
  assert.equal(decodeURIComponent(saved.slice(prefix.length)), `${terminal.passphrase}\n`);
  await shot(op, "21b-terminal-issued");
  await op.goto(`${gw.url}/admin/terminals`);
  assert.equal(await op.locator('tr.terminal-row[data-serial="E2E-0001"][data-status="active"]').count(), 1);

  // The new user, at that terminal, follows the link: password, passkey,
  // recovery codes; the enrolment session ends, and they log in with
  // password and passkey.
  const handler = await newPage({ terminal });
  const h = handler.page;
  await addVirtualAuthenticator(h);
  const codes = await enrolWithPasskey(h, gw, enrolmentPath, HANDLER_PASSWORD);
  assert.ok(codes.length > 0, "recovery codes shown");
  await shot(h, "21a-handler-enrolled");
  await Promise.all([h.waitForURL(pathIs("/login")), h.click("#to-login")]);

  // The handler now reaches the compartment.
  await loginWithPasskey(h, HANDLER, HANDLER_PASSWORD);
  const link = h.locator("table#compartments a.compartment-link", { hasText: CONTRACT });
  assert.equal(await link.count(), 1, "the handler sees the new compartment");
  await Promise.all([h.waitForNavigation(), link.click()]);
  const compartmentUrl = h.url();
  assert.equal(await h.locator("#upload-form").count(), 1);
  await shot(h, "22-handler-compartment");

  // The operator removes the designation; it takes effect on the next request.
  async function removeHandler(page) {
    await op.goto(`${gw.url}${page}`);
    // Asked twice: the button opens a panel saying what will happen.
    await op.locator("table#handlers summary.handler-remove").first().click();
    assert.match(await op.locator("table#handlers details.confirm .warning").first().innerText(), /アクセスできなくなります/);
    await submit(op, "table#handlers form.confirm-form");
    assert.equal(await op.locator("#notice").getAttribute("data-notice"), "handler-removed");
    assert.equal(
      new URL(op.url()).pathname,
      page,
      `the removal leads back to the contract page, not ${op.url()}:\n${await op.content()}`,
    );
    assert.equal(await op.locator("table#handlers td", { hasText: HANDLER }).count(), 0);
  }
  await removeHandler(contractPage);
  const resp = await h.goto(compartmentUrl);
  assert.equal(resp.status(), 404, `GET ${compartmentUrl} after the removal: ${new URL(h.url()).pathname}`);
  assert.equal((await h.locator("p.error").textContent()).trim(), NOT_FOUND_JA);
  await h.goto(`${gw.url}/`);
  assert.equal(new URL(h.url()).pathname, "/", "still signed in (handler of E2E-002)");
  assert.equal(await h.locator("a.compartment-link", { hasText: CONTRACT }).count(), 0, "E2E-001 no longer listed");
  assert.equal(await h.locator("a.compartment-link", { hasText: CONTRACT2 }).count(), 1, "E2E-002 still listed");
  await shot(h, "23-handler-removed");

  // A handler is not an operator: the administration is refused.
  const admin = await h.goto(`${gw.url}/admin`);
  assert.equal(admin.status(), 403);

  // Removed from their last contract, the account is disabled and its
  // sessions end at once; the password no longer opens a session.
  await removeHandler(contractPage2);
  await h.goto(`${gw.url}/`);
  assert.equal(new URL(h.url()).pathname, "/login", "the handler's session has ended");
  const me = await h.evaluate(async () => (await fetch("/api/v1/me")).status);
  assert.equal(me, 401);
  await h.fill("#username", HANDLER);
  await h.fill("#password", HANDLER_PASSWORD);
  const [again] = await Promise.all([
    h.waitForResponse((r) => r.request().method() === "POST" && pathIs("/login")(r.url())),
    h.click("#login-submit"),
  ]);
  assert.equal(again.status(), 401, "a disabled account cannot log in");
  await h.locator("#login-error").waitFor();
  await shot(h, "24-handler-disabled");

  await operator.context.close();
  await handler.context.close();
});
