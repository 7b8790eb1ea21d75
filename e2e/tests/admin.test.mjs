// Browser end-to-end test of the operator's side: an agency operator
// registers a company, a user and a special-clause contract, opens the
// contract's compartment and designates the user as handler, all through
// the web UI; the handler then reaches the compartment, and after the
// operator removes the designation, no longer does.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

import { ARTIFACTS, launchBrowser, makeHomeTrusting, startGateway } from "../lib/dsg.mjs";

const NOT_FOUND_JA = "見つからないか、アクセスが許可されていません。";
const COMPANY = "株式会社イーツーイー工業";
const CONTRACT = "E2E-001";
const HANDLER = "e2e.handler";
const HANDLER_PASSWORD = "e2e-handler-password-1";

let gw;
let home;
let browser;

const pathIs = (p) => (url) => new URL(url).pathname === p;

async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

async function login(page, username, password) {
  await page.goto(`${gw.url}/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(pathIs("/")), page.click("#login-submit")]);
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
  home = makeHomeTrusting(gw.caPath, { trustCa: process.env.DSG_E2E_NO_CA !== "1" });
  browser = await launchBrowser(home);
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("an operator registers a contract, opens its compartment and designates a handler", { timeout: 120_000 }, async () => {
  const operator = await newPage();
  const op = operator.page;
  await login(op, "operator", gw.users.operator);
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
  await op.fill("#user-password", HANDLER_PASSWORD);
  await submit(op, "#user-form");
  assert.equal(await op.locator("table#users td", { hasText: HANDLER }).count(), 1);

  // Contract with the special clause; the form leads to the contract page.
  await op.selectOption("#contract-company", { label: COMPANY });
  await op.fill("#contract-number", CONTRACT);
  await op.fill("#contract-title", "E2E 試験契約");
  await op.fill("#contract-start", "2026-04-01");
  await op.fill("#contract-end", "2027-03-31");
  await submit(op, "#contract-form");
  assert.match(new URL(op.url()).pathname, /^\/admin\/contracts\/[0-9a-f-]{36}$/);
  const contractPage = new URL(op.url()).pathname;

  // Open the compartment, designate the handler.
  await submit(op, "#open-compartment");
  assert.equal(await op.locator("#compartment-id").count(), 1, "compartment opened");
  await op.selectOption("#designate-user", { label: `E2E 太郎 (${HANDLER})` });
  await submit(op, "#designate-form");
  assert.equal(await op.locator("table#handlers td", { hasText: HANDLER }).count(), 1);
  await shot(op, "21-contract-with-handler");

  // The handler now reaches the compartment.
  const handler = await newPage();
  const h = handler.page;
  await login(h, HANDLER, HANDLER_PASSWORD);
  const link = h.locator("table#compartments a.compartment-link", { hasText: CONTRACT });
  assert.equal(await link.count(), 1, "the handler sees the new compartment");
  await Promise.all([h.waitForNavigation(), link.click()]);
  const compartmentUrl = h.url();
  assert.equal(await h.locator("#upload-form").count(), 1);
  await shot(h, "22-handler-compartment");

  // The operator removes the designation; it takes effect on the next request.
  await op.goto(`${gw.url}${contractPage}`);
  await submit(op, "table#handlers form");
  assert.equal(await op.locator("table#handlers td", { hasText: HANDLER }).count(), 0);
  const resp = await h.goto(compartmentUrl);
  assert.equal(resp.status(), 404);
  assert.equal((await h.locator("p.error").textContent()).trim(), NOT_FOUND_JA);
  await h.goto(`${gw.url}/`);
  assert.equal(await h.locator("#no-compartments").count(), 1);
  await shot(h, "23-handler-removed");

  // A handler is not an operator: the administration is refused.
  const admin = await h.goto(`${gw.url}/admin`);
  assert.equal(admin.status(), 403);

  await operator.context.close();
  await handler.context.close();
});
