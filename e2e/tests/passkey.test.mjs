// Browser end-to-end test of passkeys: the demo operator (password + TOTP)
// creates a user in みなと精機 and designates them as handler of A-001's
// compartment; the user follows the one-time enrolment link in a browser
// with a Chromium virtual authenticator (user verification on), sets a
// password, registers a passkey and is shown 10 recovery codes; logs in
// with password + passkey and opens the compartment, all from みなと精機's
// registered terminal (the browser context presents its client
// certificate). With user verification switched off on the authenticator,
// the passkey step fails and the user is not signed in.

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

const MARKING_JA = "保護すべき情報";
const COMPANY = "株式会社みなと精機 (Minato Seiki)";
const CONTRACT = "A-001";
const USER = "passkey.user@minato";
const DISPLAY = "パスキー 次郎";
const PASSWORD = strongPassword();

let gw;
let home;
let browser;

const pathIs = (p) => (url) => new URL(url).pathname === p;

// Every page the test reaches: axe (WCAG 2.1 A/AA) in both languages, no
// sideways scrolling at 390 and 1,280 px, screenshots (lib/check.mjs).
async function shot(page, name) {
  await checkPage(page, `passkey-${name}`);
}

// With `terminal` (a user name), the context presents the terminal
// certificate of the user's company.
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

// Submits a form and waits for the page it leads to; fails on an error page.
async function submit(page, formSelector) {
  await Promise.all([
    page.waitForNavigation(),
    page.locator(`${formSelector} button[type=submit]`).first().click(),
  ]);
  const errors = page.locator("p.error");
  if ((await errors.count()) > 0) {
    assert.fail(`error after ${formSelector}: ${await errors.first().textContent()}\n${await page.content()}`);
  }
}

// GET /api/v1/me from the page, with the page's session cookie.
async function me(page) {
  return page.evaluate(async () => {
    const r = await fetch("/api/v1/me", { credentials: "same-origin" });
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: r.status, json, text };
  });
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  gw = await startGateway({ logName: "server-passkey.log" });
  const trustCa = process.env.DSG_E2E_NO_CA !== "1";
  home = makeHomeTrusting(gw.caPath, { trustCa });
  browser = await launchBrowser(home, { caPath: trustCa ? gw.caPath : null });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("a new handler enrols a passkey, signs in with it, and a passkey without user verification is refused", { timeout: 360_000 }, async () => {
  // --- The operator: user, then designation as handler of A-001. -------
  const operator = await newPage();
  const op = operator.page;
  await loginWithTotp(op, gw, "operator");
  await Promise.all([op.waitForURL(pathIs("/admin")), op.click("#admin-link")]);

  await op.selectOption("#user-company", { label: COMPANY });
  await op.fill("#user-username", USER);
  await op.fill("#user-display", DISPLAY);
  await op.selectOption("#user-role", "member");
  await submit(op, "#user-form");
  const enrolmentPath = await op.locator("code#enrolment-link").getAttribute("data-path");
  assert.match(enrolmentPath ?? "", /^\/enrol\?token=./, `enrolment link path: ${enrolmentPath}`);
  await shot(op, "30-enrolment-link");

  await op.goto(`${gw.url}/admin`);
  assert.equal(await op.locator("table#users td", { hasText: USER }).count(), 1);
  await Promise.all([
    op.waitForNavigation(),
    op.locator("table#contracts a.contract-link", { hasText: CONTRACT }).click(),
  ]);
  assert.equal(await op.locator("#compartment-id").count(), 1, "A-001 has a compartment");
  await op.selectOption("#designate-user", { label: `${DISPLAY} (${USER})` });
  await submit(op, "#designate-form");
  assert.equal(await op.locator("table#handlers td", { hasText: USER }).count(), 1, "designated");
  await shot(op, "31-designated");
  await operator.context.close();

  // --- The new user, at みなと精機's registered terminal: enrolment link,
  // password, passkey. ---------------------------------------------------
  const user = await newPage({ terminal: USER });
  const u = user.page;
  const { cdp, authenticatorId } = await addVirtualAuthenticator(u, { isUserVerified: true });
  const codes = await enrolWithPasskey(u, gw, enrolmentPath, PASSWORD);
  assert.equal(codes.length, 10, `10 recovery codes shown: ${JSON.stringify(codes)}`);
  assert.ok(codes.every((c) => c.length >= 8), "recovery codes are not empty");
  assert.equal(new Set(codes).size, 10, "recovery codes are distinct");
  assert.equal(await u.getAttribute("#register-status", "data-state"), "done");
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  assert.equal(credentials.length, 1, "the authenticator holds one credential");
  await shot(u, "32-enrolled-recovery-codes");

  // The enrolment session has ended: log in again.
  await Promise.all([u.waitForURL(pathIs("/login")), u.click("#to-login")]);
  const afterEnrol = await me(u);
  assert.equal(afterEnrol.status, 401, `enrolment session ended: ${afterEnrol.text}`);

  // --- Password, then the passkey. -------------------------------------
  await passwordStep(u, gw, USER, PASSWORD);
  assert.equal(await u.locator("#passkey-check").count(), 1, "the passkey button is offered");
  await shot(u, "33-verify-passkey");
  const ok = await passkeyCheck(u);
  assert.equal(ok.state, "done", `passkey step: ${ok.text ?? ""}`);
  assert.equal(new URL(u.url()).pathname, "/");
  const signedIn = await me(u);
  assert.equal(signedIn.status, 200, signedIn.text);
  assert.equal(signedIn.json.mfa, "webauthn", `signed in with the passkey: ${signedIn.text}`);
  assert.equal(signedIn.json.user?.username, USER);

  // Home: the compartment link and the marking; then the compartment.
  const link = u.locator("table#compartments a.compartment-link", { hasText: CONTRACT });
  assert.equal(await link.count(), 1, "one link to A-001");
  assert.equal(await u.locator(".blocked").count(), 0, "no refusal from the registered terminal");
  assert.ok(await link.isVisible(), "the compartment link is visible");
  const marking = u.locator(".protected-marking").first();
  assert.ok(await marking.isVisible(), "marking banner visible on the home page");
  assert.equal((await marking.textContent()).trim(), MARKING_JA);
  await shot(u, "34-home-passkey-user");
  await Promise.all([u.waitForURL(/\/compartments\/[0-9a-f-]{36}$/), link.click()]);
  assert.equal((await u.locator(".protected-marking").first().textContent()).trim(), MARKING_JA);
  assert.equal(await u.locator("#upload-form").count(), 1, "the handler may upload");
  await shot(u, "35-compartment-passkey-user");

  // Log out.
  await Promise.all([u.waitForURL(pathIs("/login")), u.click("#logout")]);
  assert.equal((await me(u)).status, 401, "logged out");

  // --- The same credential without user verification. ------------------
  await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: false });
  const secondFactorPosts = [];
  u.on("response", (r) => {
    if (r.request().method() === "POST" && pathIs("/api/v1/session/second-factor")(r.url())) {
      secondFactorPosts.push(r.status());
    }
  });
  await passwordStep(u, gw, USER, PASSWORD);
  const refused = await passkeyCheck(u);
  assert.equal(refused.state, "failed", "the passkey step fails without user verification");
  assert.equal(await u.getAttribute("#passkey-status", "data-state"), "failed");
  assert.equal(new URL(u.url()).pathname, "/login/verify", "still on the second step");
  await shot(u, "36-passkey-no-uv-refused");
  // If the browser sent an assertion at all, the server refused it.
  for (const status of secondFactorPosts) {
    assert.ok(status >= 400 && status < 500, `second-factor POST answered ${status}`);
  }
  const notSignedIn = await me(u);
  assert.ok(
    notSignedIn.status === 401 || (notSignedIn.status === 200 && notSignedIn.json?.mfa === "none"),
    `only the password step counts: ${notSignedIn.status} ${notSignedIn.text}`,
  );
  assert.notEqual(notSignedIn.json?.mfa, "webauthn");
  const homeResp = await u.goto(`${gw.url}/`);
  assert.notEqual(new URL(u.url()).pathname, "/", `/ redirects away (status ${homeResp.status()})`);
  assert.equal(await u.locator("a.compartment-link").count(), 0, "no compartment shown");
  await shot(u, "37-not-signed-in");
  console.log(
    `# passkey without UV: second-factor POSTs ${JSON.stringify(secondFactorPosts)}, status text ${JSON.stringify(refused.text)}, /api/v1/me ${notSignedIn.status} mfa=${notSignedIn.json?.mfa ?? "-"}, / went to ${new URL(u.url()).pathname}`,
  );

  // The browser above refused by itself (user verification is required in
  // the options). So that the gateway's own check is exercised too, the
  // page is made to ask the authenticator without user verification (as a
  // tampered client could): the assertion then lacks the UV flag, and the
  // gateway must refuse it.
  secondFactorPosts.length = 0;
  await u.goto(`${gw.url}/login/verify`);
  assert.equal(new URL(u.url()).pathname, "/login/verify");
  await u.evaluate(() => {
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = (options) => {
      options.publicKey.userVerification = "discouraged";
      return get(options);
    };
  });
  const forged = await passkeyCheck(u);
  assert.equal(forged.state, "failed", "an assertion without user verification is refused");
  assert.equal(secondFactorPosts.length, 1, "the browser sent the assertion to the gateway");
  assert.ok(
    secondFactorPosts[0] >= 400 && secondFactorPosts[0] < 500,
    `the gateway refused it: ${secondFactorPosts[0]}`,
  );
  assert.equal(new URL(u.url()).pathname, "/login/verify", "still on the second step");
  const stillNot = await me(u);
  assert.notEqual(stillNot.json?.mfa, "webauthn", `not signed in: ${stillNot.status} ${stillNot.text}`);
  await u.goto(`${gw.url}/`);
  assert.notEqual(new URL(u.url()).pathname, "/", "/ redirects away");
  await shot(u, "38-no-uv-assertion-refused-by-server");
  console.log(
    `# assertion without UV sent to the gateway: answered ${JSON.stringify(secondFactorPosts)}, status text ${JSON.stringify(forged.text)}, /api/v1/me ${stillNot.status} mfa=${stillNot.json?.mfa ?? "-"}`,
  );

  await user.context.close();
});
