// Browser end-to-end test of the company's roles (第5-2(3)) and the
// protected-system users' consent (第5-2(2)). The gateway is started
// requiring consent for data; the demo records its handlers' consent. The
// operator makes suzuki Minato's security administrator and, on Minato's
// behalf, its executive. suzuki designates tanaka general manager; a role
// the standard does not let him hold as well is refused beside the form,
// with what was typed kept. suzuki withdraws tanaka's consent: tanaka, on
// his registered terminal, is refused at once and told why; suzuki records
// the consent again (three items, the day signed) and tanaka downloads his
// file. Every login is password + TOTP (the demo users).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";

import {
  apiLogin,
  apiRequest,
  launchBrowser,
  loginWithTotp,
  makeHomeTrusting,
  newGatewayPage,
  startGateway,
} from "../lib/dsg.mjs";
import { checkPage } from "../lib/check.mjs";

const HANDLER = "tanaka@minato";
const ADMIN = "suzuki@minato";
const MINATO = "株式会社みなと精機 (Minato Seiki)";
const FILE_NAME = "consent-check.bin";

let gw;
let home;
let browser;
let cid;

// Every page the test reaches: axe (WCAG 2.1 A/AA) in both languages, no
// sideways scrolling at 390 and 1,280 px, screenshots (lib/check.mjs).
async function shot(page, name) {
  await checkPage(page, `roles-consent-${name}`);
}

const pathIs = (p) => (url) => new URL(url).pathname === p;

before(async () => {
  process.env.DSG_ZERO_TRUST__REQUIRE_SYSTEM_USE_CONSENT = "true";
  gw = await startGateway({ logName: "roles-consent-server.log" });
  home = makeHomeTrusting(gw.caPath);
  browser = await launchBrowser(home, { caPath: gw.caPath });
  // tanaka stores a file in A-001 from his terminal (his consent is seeded).
  const tanaka = await apiLogin(gw, HANDLER, { terminal: HANDLER });
  const list = await apiRequest(gw, "GET", "/api/v1/compartments", { session: tanaka });
  assert.equal(list.status, 200, "GET /api/v1/compartments");
  cid = list.json.compartments.find((c) => c.contract.number === "A-001").compartment.id;
  const up = await apiRequest(gw, "POST", `/api/v1/compartments/${cid}/files?name=${FILE_NAME}`, {
    body: randomBytes(2048),
    session: tanaka,
  });
  assert.equal(up.status, 201, `seed upload: ${up.raw}`);
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("the administrator designates roles and records consent; the handler then downloads", { timeout: 360_000 }, async () => {
  // The operator: suzuki becomes Minato's security administrator and, on
  // Minato's behalf, its executive.
  const op = await newGatewayPage(browser, gw);
  await loginWithTotp(op.page, gw, "operator");
  await op.page.goto(`${gw.url}/admin/accounts`);
  const account = op.page.locator(`tr.account-row[data-username="${ADMIN}"]`);
  await account.locator("button.grant-security-admin").click();
  await account.locator('span.duty[data-duty="security-admin"]').waitFor();
  await op.page.click("#records-link");
  await op.page.waitForURL(pathIs("/records"));
  await op.page.locator("tr.record-company a", { hasText: MINATO }).click();
  const minatoPath = new URL(op.page.url()).pathname;
  const adminId = await op.page
    .locator(`tr.roster-row[data-username="${ADMIN}"]`)
    .getAttribute("data-user");
  const rolesPath = `${minatoPath}/roles`;
  const consentPath = `${minatoPath}/consent`;
  await Promise.all([op.page.waitForURL(pathIs(rolesPath)), op.page.click("#company-roles-link")]);
  await op.page.selectOption("#role-user", adminId);
  await op.page.selectOption("#role-role", "executive");
  await op.page.fill("#role-unit", "経営企画部");
  await Promise.all([op.page.waitForURL(pathIs(rolesPath)), op.page.click("#role-submit")]);
  assert.equal(await op.page.locator("#notice").getAttribute("data-notice"), "role-designated");
  assert.equal(await op.page.locator('tr.role-row[data-role="executive"]').count(), 1);
  assert.equal(await op.page.locator(`tr.role-row[data-user="${adminId}"]`).count(), 1);
  await shot(op.page, "operator-roles");

  // suzuki, from his company's records, designates tanaka general manager.
  const admin = await newGatewayPage(browser, gw);
  await loginWithTotp(admin.page, gw, ADMIN);
  await admin.page.click("#records-link");
  await admin.page.waitForURL(pathIs(minatoPath));
  const handlerId = await admin.page
    .locator(`tr.roster-row[data-username="${HANDLER}"]`)
    .getAttribute("data-user");
  await Promise.all([admin.page.waitForURL(pathIs(rolesPath)), admin.page.click("#company-roles-link")]);
  await admin.page.selectOption("#role-user", handlerId);
  await admin.page.selectOption("#role-role", "general-manager");
  await admin.page.fill("#role-unit", "設計部");
  await Promise.all([admin.page.waitForURL(pathIs(rolesPath)), admin.page.click("#role-submit")]);
  assert.equal(await admin.page.locator("#notice").getAttribute("data-notice"), "role-designated");

  // The protected-system administrator as well: refused by the policy
  // point, shown beside the form, what was typed kept.
  await admin.page.selectOption("#role-user", handlerId);
  await admin.page.selectOption("#role-role", "system-admin");
  await admin.page.fill("#role-unit", "情報システム部");
  const [refused] = await Promise.all([
    admin.page.waitForNavigation(),
    admin.page.click("#role-submit"),
  ]);
  assert.equal(refused.status(), 403);
  const why = admin.page.locator("#role-form-role-error");
  assert.match(await why.innerText(), /方針決定点がこの指定を拒否しました/);
  assert.equal(await admin.page.inputValue("#role-unit"), "情報システム部");
  assert.equal(await admin.page.inputValue("#role-role"), "system-admin");
  assert.equal(await admin.page.getAttribute("#role-role", "aria-invalid"), "true");
  await shot(admin.page, "refused-combination");
  // A form's answer is not fetched again in the other language: the same
  // refusal, sent again in English.
  const origin = new URL(gw.url).origin;
  const english = { name: "dsg_lang", value: "en", url: origin, secure: true, sameSite: "Lax" };
  await admin.context.addCookies([english]);
  await Promise.all([admin.page.waitForNavigation(), admin.page.click("#role-submit")]);
  assert.match(await why.innerText(), /the policy point refused this designation/);
  assert.equal(await admin.page.inputValue("#role-unit"), "情報システム部");
  await shot(admin.page, "refused-combination");
  await admin.context.addCookies([{ ...english, value: "ja" }]);
  assert.equal(await admin.page.locator(`tr.role-row[data-user="${handlerId}"]`).count(), 1);

  // tanaka, on Minato's terminal, reaches A-001 with his seeded consent.
  const handler = await newGatewayPage(browser, gw, { terminal: HANDLER });
  await loginWithTotp(handler.page, gw, HANDLER);
  const compartment = `${gw.url}/compartments/${cid}`;
  let resp = await handler.page.goto(compartment);
  assert.equal(resp.status(), 200);

  // suzuki withdraws it: tanaka is refused at once, and told why.
  await admin.page.goto(`${gw.url}${consentPath}`);
  const row = admin.page.locator(`tr.consent-row[data-user="${handlerId}"]`);
  assert.equal(await row.getAttribute("data-state"), "consented");
  await row.locator("summary.consent-withdraw").click();
  await Promise.all([
    admin.page.waitForURL(pathIs(consentPath)),
    row.locator("button.confirm-consent-withdraw").click(),
  ]);
  assert.equal(await admin.page.locator("#notice").getAttribute("data-notice"), "consent-withdrawn");
  assert.equal(await row.getAttribute("data-state"), "withdrawn");
  resp = await handler.page.goto(compartment);
  assert.equal(resp.status(), 403);
  const error = handler.page.locator("main p.error");
  assert.equal(await error.getAttribute("data-code"), "consent_missing");
  assert.match(await error.innerText(), /保護システム利用の同意/);
  await shot(handler.page, "handler-refused");

  // suzuki records the signed consent again: the three items, the day.
  await admin.page.selectOption("#consent-user", handlerId);
  for (const item of ["protected_system", "monitored", "liability"]) {
    await admin.page.check(`#consent-${item}`);
  }
  await admin.page.fill("#consent-signed-on", new Date().toISOString().slice(0, 10));
  await Promise.all([admin.page.waitForURL(pathIs(consentPath)), admin.page.click("#consent-submit")]);
  assert.equal(await admin.page.locator("#notice").getAttribute("data-notice"), "consent-recorded");
  assert.equal(await row.getAttribute("data-state"), "consented");
  await shot(admin.page, "consent-recorded");

  // tanaka downloads his file.
  resp = await handler.page.goto(compartment);
  assert.equal(resp.status(), 200);
  const link = handler.page.locator(`tr.file-row[data-name="${FILE_NAME}"] a.download-link`);
  const [download] = await Promise.all([handler.page.waitForEvent("download"), link.click()]);
  assert.equal(download.suggestedFilename(), FILE_NAME);
  assert.equal(await download.failure(), null);

  for (const p of [handler, op, admin]) await p.context.close();
});
