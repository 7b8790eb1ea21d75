// Browser end-to-end test of the handler roster (取扱者名簿) and training
// records. The gateway is started requiring a confirmed roster line and a
// current training for data, as the standard asks; the demo seeds both for
// its handlers. The operator sees
// Minato's roster; a security administrator (granted the duty on the
// accounts page) takes the handler off the roster, and the handler, on
// their registered terminal, is refused at once with the plain-language
// reason; the administrator enters the line again and records a training;
// the operator, who did not enter it, confirms it, and the handler reaches
// the compartment again. Every login is password + TOTP (the demo users).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";

import {
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

let gw;
let home;
let browser;

// Every page the test reaches: axe (WCAG 2.1 A/AA) in both languages, no
// sideways scrolling at 390 and 1,280 px, screenshots (lib/check.mjs).
async function shot(page, name) {
  await checkPage(page, `records-${name}`);
}

const pathIs = (p) => (url) => new URL(url).pathname === p;

before(async () => {
  process.env.DSG_ZERO_TRUST__REQUIRE_CONFIRMED_ROSTER = "true";
  process.env.DSG_ZERO_TRUST__TRAINING_VALID_DAYS = "365";
  // The demo also records each handler's training on designation.
  process.env.DSG_ZERO_TRUST__REQUIRE_DESIGNATION_TRAINING = "true";
  gw = await startGateway({ logName: "records-server.log" });
  home = makeHomeTrusting(gw.caPath);
  browser = await launchBrowser(home, { caPath: gw.caPath });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("a roster line taken off stops the handler at once; entered again and confirmed by the agency, it lets them back", { timeout: 360_000 }, async () => {
  // The handler, on Minato's registered terminal, reaches A-001.
  const handler = await newGatewayPage(browser, gw, { terminal: HANDLER });
  await loginWithTotp(handler.page, gw, HANDLER);
  const link = handler.page.locator("a.compartment-link");
  assert.equal(await link.count(), 1, "the seeded roster line and training let the handler in");
  const compartment = new URL(await link.getAttribute("href"), gw.url).toString();
  let resp = await handler.page.goto(compartment);
  assert.equal(resp.status(), 200);

  // The operator: the records of every contractor, Minato's roster confirmed.
  const op = await newGatewayPage(browser, gw);
  await loginWithTotp(op.page, gw, "operator");
  await op.page.click("#records-link");
  await op.page.waitForURL(pathIs("/records"));
  await op.page.locator("tr.record-company a", { hasText: MINATO }).click();
  const minatoPath = new URL(op.page.url()).pathname;
  assert.match(minatoPath, /^\/records\/[0-9a-f-]{36}$/);
  const opRow = op.page.locator(`tr.roster-row[data-username="${HANDLER}"]`);
  assert.equal(await opRow.getAttribute("data-status"), "confirmed");
  assert.equal(await opRow.locator("td.training.current").count(), 1);
  assert.match(await op.page.locator("#record-requirements").innerText(), /必須/);
  // The roster downloads as CSV, from the operator's session.
  const csv = await op.page.evaluate(async (href) => {
    const r = await fetch(href, { credentials: "same-origin" });
    return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
  }, await op.page.getAttribute("#roster-csv", "href"));
  assert.equal(csv.status, 200);
  assert.match(csv.type, /^text\/csv/);
  assert.match(csv.text, /田中 一郎/);
  // Per contract: every designated handler of Minato's contract is
  // confirmed on the roster, and that contract's roster downloads alone.
  const contractRow = op.page.locator("tr.contract-roster").first();
  const handlers = await contractRow.locator("td.handlers").innerText();
  assert.ok(Number(handlers) > 0);
  assert.equal(await contractRow.locator("td.confirmed").innerText(), handlers);
  const perContract = await op.page.evaluate(async (href) => {
    const r = await fetch(href, { credentials: "same-origin" });
    return { status: r.status, text: await r.text() };
  }, await contractRow.locator("a.contract-roster-csv").getAttribute("href"));
  assert.equal(perContract.status, 200);
  assert.equal(perContract.text.trim().split("\n").length, 1 + Number(handlers));
  await shot(op.page, "records-operator");

  // The operator makes suzuki Minato's security administrator.
  await op.page.goto(`${gw.url}/admin/accounts`);
  const account = op.page.locator(`tr.account-row[data-username="${ADMIN}"]`);
  await account.locator("button.grant-security-admin").click();
  await account.locator('span.duty[data-duty="security-admin"]').waitFor();

  // The administrator lands on their own company's records and takes the
  // handler off the roster.
  const admin = await newGatewayPage(browser, gw);
  await loginWithTotp(admin.page, gw, ADMIN);
  await admin.page.click("#records-link");
  await admin.page.waitForURL(pathIs(minatoPath));
  const row = admin.page.locator(`tr.roster-row[data-username="${HANDLER}"]`);
  const handlerId = await row.getAttribute("data-user");
  // Taking someone off the roster is asked twice, saying what happens.
  await row.locator("summary.roster-remove").click();
  assert.match(await row.locator("details.confirm .warning").innerText(), /名簿から外します/);
  await row.locator("button.confirm-roster-remove").click();
  await admin.page.waitForURL(pathIs(minatoPath));
  // The page it returns to says what was done.
  assert.equal(await admin.page.locator("#notice").getAttribute("data-notice"), "roster-changed");
  assert.equal(await row.getAttribute("data-status"), "removed");

  // The very next request of the handler is refused, and they are told why.
  resp = await handler.page.goto(compartment);
  assert.equal(resp.status(), 403);
  const error = handler.page.locator("main p.error");
  assert.equal(await error.getAttribute("data-code"), "roster_unconfirmed");
  assert.match(await error.innerText(), /取扱者名簿/);
  await shot(handler.page, "records-handler-refused");

  // The administrator enters the line again and records a training.
  await admin.page.selectOption("#roster-user", handlerId);
  await admin.page.fill("#roster-full_name", "田中 一郎");
  await admin.page.fill("#roster-birth_date", "1980-05-12");
  await admin.page.fill("#roster-department", "設計部");
  await admin.page.fill("#roster-position", "主任");
  await admin.page.fill("#roster-nationality", "日本");
  await admin.page.fill("#roster-undertaking_date", "2026-04-01");
  await Promise.all([admin.page.waitForURL(pathIs(minatoPath)), admin.page.click("#roster-submit")]);
  assert.equal(await row.getAttribute("data-status"), "submitted");
  const trainings = await admin.page.locator("tr.training-row").count();
  await admin.page.selectOption("#training-user", handlerId);
  await admin.page.selectOption("#training-course", "change");
  await admin.page.fill("#training-completed-on", new Date().toISOString().slice(0, 10));
  await admin.page.fill("#training-instructor", "保護システム管理者");
  await admin.page.fill("#training-topics", "取扱者名簿の再確認に伴う教育");
  // The topics of 第7-1 the session covered, ticked on the checklist.
  await admin.page.check("#training-topic-need-to-know");
  await admin.page.check("#training-topic-policies");
  await Promise.all([admin.page.waitForURL(pathIs(minatoPath)), admin.page.click("#training-submit")]);
  assert.equal(await admin.page.locator("tr.training-row").count(), trainings + 1);
  assert.ok((await admin.page.locator('tr.training-row li[data-topic="policies"]').count()) >= 1);
  await shot(admin.page, "records-security-admin");

  // Awaiting confirmation: still no data.
  resp = await handler.page.goto(compartment);
  assert.equal(resp.status(), 403);
  assert.equal(await error.getAttribute("data-code"), "roster_unconfirmed");

  // The operator, who did not enter the line, confirms it.
  await op.page.goto(`${gw.url}${minatoPath}`);
  await Promise.all([op.page.waitForURL(pathIs(minatoPath)), opRow.locator("button.roster-confirm").click()]);
  assert.equal(await opRow.getAttribute("data-status"), "confirmed");

  resp = await handler.page.goto(compartment);
  assert.equal(resp.status(), 200);
  assert.equal(await handler.page.locator("main p.error").count(), 0);

  for (const p of [handler, op, admin]) await p.context.close();
});
