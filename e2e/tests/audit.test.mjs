// Browser end-to-end test of the audit log's readers. The operator grants
// a contractor's user the security-administrator duty on the accounts page;
// that user opens the audit log page, sees only their company's entries
// (never the other company's), and downloads the verifiable extract; the
// other company's user, without the duty, is refused. Every login is
// password + TOTP (the demo users).

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

const OWN = "株式会社みなと精機 (Minato Seiki)";
const ADMIN = "suzuki@minato";
const OTHER = "sato@hokuto";

let gw;
let home;
let browser;

// Every page the test reaches: axe (WCAG 2.1 A/AA) in both languages, no
// sideways scrolling at 390 and 1,280 px, screenshots (lib/check.mjs).
async function shot(page, name) {
  await checkPage(page, `audit-${name}`);
}

before(async () => {
  // Checkpoints (and company heads) every second, so the extract is ready.
  process.env.DSG_AUDIT__CHECKPOINT_SECONDS = "1";
  gw = await startGateway({ logName: "audit-server.log" });
  home = makeHomeTrusting(gw.caPath);
  browser = await launchBrowser(home, { caPath: gw.caPath });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("a company's security administrator reads only their company's log and downloads its extract", { timeout: 360_000 }, async () => {
  // The operator grants the duty on the accounts page.
  const op = await newGatewayPage(browser, gw);
  await loginWithTotp(op.page, gw, "operator");
  await op.page.goto(`${gw.url}/admin/accounts`);
  const row = op.page.locator(`tr.account-row[data-username="${ADMIN}"]`);
  await row.locator("button.grant-security-admin").click();
  await op.page.waitForURL((u) => new URL(u).pathname === "/admin/accounts");
  await row.locator('span.duty[data-duty="security-admin"]').waitFor();
  assert.match(await row.locator("td.duties").innerText(), /保護システム管理者/);
  await shot(op.page, "audit-duty-granted");
  // The operator reads the whole log.
  await op.page.goto(`${gw.url}/audit`);
  assert.equal(await op.page.locator("#audit-scope").getAttribute("data-scope"), "all");
  // Times read in the deployment's zone (the demo's default, JST), named.
  const times = await op.page.locator("#audit-entries td.when").allInnerTexts();
  assert.ok(times.length > 0, "the log lists entries");
  for (const t of times) assert.match(t, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} JST$/);
  // Actions read as labels, not codes; the search offers them by label.
  const grantCell = op.page.locator('tr.audit-row[data-action="duty.grant"] td[title="duty.grant"]').first();
  assert.equal((await grantCell.innerText()).trim(), "職務の付与");
  assert.equal((await op.page.locator('#audit-action option[value="duty.grant"]').innerText()).trim(), "職務の付与");
  // The grant is a privilege change: the alert watcher raises it (the SOC
  // view), and the operator opens it from the header.
  let raised = 0;
  for (let i = 0; i < 40 && raised === 0; i++) {
    await op.page.click("#alerts-link");
    raised = await op.page.locator('tr.alert-row[data-rule="privilege_change"]').count();
    if (raised === 0) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(raised > 0, "a privilege-change alert is listed");
  await shot(op.page, "alerts-list");
  // The terminal register shows each terminal's posture report column.
  await op.page.goto(`${gw.url}/admin/terminals`);
  assert.ok((await op.page.locator("td.posture").count()) > 0);
  await shot(op.page, "terminals-posture");

  // The security administrator: the link in the header, their company only.
  const admin = await newGatewayPage(browser, gw);
  await loginWithTotp(admin.page, gw, ADMIN);
  await admin.page.click("#audit-link");
  await admin.page.waitForURL((u) => new URL(u).pathname === "/audit");
  const scope = admin.page.locator("#audit-scope");
  assert.equal(await scope.getAttribute("data-scope"), "company");
  assert.match(await scope.innerText(), /自社に関する記録のみ/);
  const companies = await admin.page.locator("#audit-entries tbody tr td:nth-child(7)").allInnerTexts();
  assert.ok(companies.length > 3, `entries shown: ${companies.length}`);
  assert.ok(companies.every((c) => c === OWN), `only ${OWN}: ${[...new Set(companies)]}`);
  assert.ok(
    (await admin.page.locator('tr.audit-row[data-action="duty.grant"]').count()) >= 1,
    "the grant of the duty is in the company's log",
  );
  await shot(admin.page, "audit-company-view");

  // The verifiable extract, once the sequencer signed the company's head.
  const href = await admin.page.locator("#audit-extract").getAttribute("href");
  let extract;
  for (let i = 0; i < 40; i++) {
    extract = await admin.page.evaluate(async (u) => {
      const r = await fetch(u, { credentials: "same-origin" });
      return { status: r.status, text: await r.text() };
    }, href);
    if (extract.status === 200) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(extract.status, 200, extract.text);
  const lines = extract.text.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines[0].format, "dsg-audit-company-extract/v1");
  assert.equal(lines.at(-2).type, "head");
  assert.equal(lines.at(-1).type, "checkpoint");
  const company = lines[0].company;
  assert.ok(lines.filter((l) => l.type === "entry").every((l) => l.company === company));

  // The other company's user has no duty: the page is refused.
  const other = await newGatewayPage(browser, gw);
  await loginWithTotp(other.page, gw, OTHER);
  assert.equal(await other.page.locator("#audit-link").count(), 0);
  const response = await other.page.goto(`${gw.url}/audit`);
  assert.equal(response.status(), 403);
  await shot(other.page, "audit-refused");
});
