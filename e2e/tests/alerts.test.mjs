// Browser end-to-end test of the off-hours alert (issue #17, finding 16).
// The gateway is started with allowed hours that exclude the present hour
// in the deployment's zone (the demo's default, JST), so every data access
// is off hours; a handler opens a compartment again and again. The
// operator's alert list must show one off-hours alert for that handler,
// with every access linked to it, not one alert per request.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
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
const JST_MINUTES = 9 * 60;

let gw;
let home;
let browser;

before(async () => {
  // An hour that starts two hours from now (JST) and lasts one: the test
  // runs well inside the complement, whatever the time of day.
  const hour = new Date(Date.now() + JST_MINUTES * 60_000).getUTCHours();
  const start = (hour + 2) % 24;
  const pad = (n) => String(n).padStart(2, "0");
  process.env.DSG_ALERTS__OFF_HOURS__ALLOWED_HOURS = `${pad(start)}-${pad(start + 1)}`;
  process.env.DSG_ALERTS__OFF_HOURS__ALLOWED_WEEKDAYS = "[1,2,3,4,5,6,7]";
  gw = await startGateway({ logName: "alerts-server.log" });
  home = makeHomeTrusting(gw.caPath);
  browser = await launchBrowser(home, { caPath: gw.caPath });
});

after(async () => {
  delete process.env.DSG_ALERTS__OFF_HOURS__ALLOWED_HOURS;
  delete process.env.DSG_ALERTS__OFF_HOURS__ALLOWED_WEEKDAYS;
  await browser?.close();
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("off-hours access raises one alert per user and period, not one per request", { timeout: 360_000 }, async () => {
  const handler = await newGatewayPage(browser, gw, { terminal: HANDLER });
  await loginWithTotp(handler.page, gw, HANDLER);
  const link = handler.page.locator("table#compartments a.compartment-link").first();
  const href = await link.getAttribute("href");
  const visits = 6;
  for (let i = 0; i < visits; i++) {
    await handler.page.goto(`${gw.url}${href}`);
    await handler.page.locator(".protected-marking").first().waitFor();
  }
  await handler.context.close();

  // The operator's list, once the watcher has judged every visit: each is
  // linked to the one alert.
  const op = await newGatewayPage(browser, gw);
  await loginWithTotp(op.page, gw, "operator");
  const session = await apiLogin(gw, "operator");
  let rows = [];
  for (let i = 0; i < 80; i++) {
    const r = await apiRequest(gw, "GET", "/api/v1/alerts?status=all", { session });
    assert.equal(r.status, 200, r.raw);
    rows = r.json.alerts.filter((a) => a.rule === "off_hours" && a.key_name === HANDLER);
    const linked = rows.reduce((n, a) => n + a.entry_count, 0);
    if (linked >= visits) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  assert.ok(rows.reduce((n, a) => n + a.entry_count, 0) >= visits, `every visit judged: ${JSON.stringify(rows)}`);
  assert.equal(rows.length, 1, `one off-hours alert for ${HANDLER}: ${JSON.stringify(rows)}`);

  // Closed, the alert stays the one of this period: further access in
  // the same off-hours period attaches to it rather than raising another.
  const id = rows[0].id;
  await op.page.goto(`${gw.url}/alerts?status=all`);
  const row = op.page.locator(`tr.alert-row[data-id="${id}"]`);
  assert.equal(await op.page.locator('tr.alert-row[data-rule="off_hours"]').count(), 1);
  await checkPage(op.page, "alerts-off-hours");
  await Promise.all([
    op.page.waitForURL((u) => new URL(u).pathname === "/alerts"),
    row.locator("button.alert-close").click(),
  ]);
  const before = rows[0].entry_count;
  const again = await newGatewayPage(browser, gw, { terminal: HANDLER });
  await loginWithTotp(again.page, gw, HANDLER);
  await again.page.goto(`${gw.url}${href}`);
  await again.context.close();
  for (let i = 0; i < 80; i++) {
    const r = await apiRequest(gw, "GET", "/api/v1/alerts?status=all", { session });
    rows = r.json.alerts.filter((a) => a.rule === "off_hours" && a.key_name === HANDLER);
    if (rows.reduce((n, a) => n + a.entry_count, 0) > before) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  assert.equal(rows.length, 1, `still one off-hours alert in this period: ${JSON.stringify(rows)}`);
  assert.ok(rows[0].entry_count > before, `the later access is linked to it: ${JSON.stringify(rows)}`);
  await op.context.close();
});
