// Browser end-to-end tests of what people do every day (issue #17):
// a home per role and a navigation grouped by what the policy point lets
// this person reach (finding 10), list pages with search, sort and pages
// (finding 10), the enrolment password's strength as the gateway judges it
// (finding 12), and refused forms shown again on their own page, what was
// typed kept, the message beside its field (finding 4). Every page visited
// goes through lib/check.mjs (axe in both languages, 390 and 1,280 px,
// screenshots).

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

const COMPANY = "株式会社みなと精機 (Minato Seiki)";

let gw;
let home;
let browser;

const pathIs = (p) => (url) => new URL(url).pathname === p;

before(async () => {
  gw = await startGateway({ logName: "daily-server.log" });
  home = makeHomeTrusting(gw.caPath);
  browser = await launchBrowser(home, { caPath: gw.caPath });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** Creates an account as the operator on `page`; returns its enrolment path. */
async function newAccount(page, username, display) {
  await page.goto(`${gw.url}/admin`);
  await page.selectOption("#user-company", { label: COMPANY });
  await page.fill("#user-username", username);
  await page.fill("#user-display", display);
  await page.selectOption("#user-role", "member");
  await Promise.all([page.waitForNavigation(), page.click("#user-form button[type=submit]")]);
  const path = await page.locator("#enrolment-link").getAttribute("data-path");
  assert.match(path ?? "", /^\/enrol\?token=./);
  return path;
}

test("a refused enrolment password shows the gateway's strength verdict and advice, in one language", { timeout: 240_000 }, async () => {
  const { page: op, context: opContext } = await newGatewayPage(browser, gw);
  await loginWithTotp(op, gw, "operator");
  const path = await newAccount(op, "strength.user@minato", "強度 確認");
  await opContext.close();

  const { page, context } = await newGatewayPage(browser, gw);
  await page.goto(`${gw.url}${path}`);
  // The rules are on the page before anything is typed; no verdict yet.
  assert.match(await page.locator("#password-rules").innerText(), /文字以上/);
  assert.equal(await page.locator("#password-strength").count(), 0);
  for (const [lang, warning] of [
    ["ja", /よく使われる|推測されやすい/],
    ["en", /common|easy to guess/i],
  ]) {
    await page.goto(`${gw.url}/lang/${lang}`);
    await page.goto(`${gw.url}${path}`);
    await page.fill("#new-password", "password1234");
    await page.fill("#confirm-password", "password1234");
    const [post] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && pathIs("/enrol")(r.url())),
      page.click("#enrol-submit"),
    ]);
    assert.equal(post.status(), 400);
    // The same page: the token kept, the password not sent back.
    assert.equal(await page.locator("#enrol-form").count(), 1);
    assert.equal(await page.locator("#new-password").inputValue(), "");
    assert.equal(await page.locator("input[name=token]").inputValue(), new URLSearchParams(path.split("?")[1]).get("token"));
    const box = page.locator("#password-strength");
    assert.equal(await box.count(), 1, "the verdict is shown");
    const score = Number(await box.getAttribute("data-score"));
    assert.ok(score < Number(await box.getAttribute("data-required")), `score ${score} below the required`);
    assert.equal(Number(await page.locator("#password-meter").getAttribute("value")), score);
    assert.ok((await page.locator("#password-strength-label").innerText()).trim().length > 0, "the score in words");
    const advice = await box.innerText();
    assert.match(advice, warning);
    if (lang === "ja") assert.doesNotMatch(advice, /[A-Za-z]{4,}/, `no English in the Japanese page: ${advice}`);
    assert.deepEqual(await checkPage(page, `daily-enrol-weak-${lang}`), { langs: [lang] });
  }
  await page.goto(`${gw.url}/lang/ja`);
  await context.close();
});

/**
 * Checks that `form` came back refused on its own page: the message beside
 * `input` (by its element id `control`) in Japanese only, the control
 * marked, and the other `kept` controls holding what was typed.
 */
async function refusedBeside(page, form, input, control, pattern, kept = {}) {
  assert.equal(await page.locator(`#${form}`).count(), 1, `the page with #${form} is shown again`);
  assert.notEqual((await page.locator("h1").innerText()).trim(), "エラー");
  const error = page.locator(`#${form}-${input}-error`);
  assert.equal(await error.count(), 1, `a message beside ${input}`);
  const text = await error.innerText();
  assert.match(text, pattern);
  assert.doesNotMatch(text, /already exists|invalid |must /, `only Japanese: ${text}`);
  const el = page.locator(`#${control}`);
  assert.equal(await el.getAttribute("aria-invalid"), "true");
  assert.equal(await el.getAttribute("aria-describedby"), `${form}-${input}-error`);
  for (const [id, value] of Object.entries(kept)) {
    assert.equal(await page.locator(`#${id}`).inputValue(), value, `#${id} kept`);
  }
}

/** Submits `form` on `page` and waits for the answer; returns its status. */
async function submitForm(page, form, button = "button[type=submit]") {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.request().frame() === page.mainFrame()),
    page.click(`#${form} ${button}`),
  ]);
  await page.waitForLoadState("load");
  return resp.status();
}

test("refused terminal, roster, training and designation forms come back on their page, as typed, the message beside the field", { timeout: 300_000 }, async () => {
  const { page, context } = await newGatewayPage(browser, gw);
  await loginWithTotp(page, gw, "operator");

  // A terminal serial already registered.
  for (let i = 0; i < 2; i++) {
    await page.goto(`${gw.url}/admin/terminals`);
    await page.selectOption("#company_id", { label: COMPANY });
    await page.fill("#name", `日次確認端末 ${i}`);
    await page.fill("#site", "本社 3F");
    await page.fill("#serial", "DAILY-0001");
    const status = await submitForm(page, "register-terminal");
    assert.equal(status, i === 0 ? 200 : 409);
  }
  await refusedBeside(page, "register-terminal", "serial", "serial", /既に登録されています/, {
    name: "日次確認端末 1",
    site: "本社 3F",
    serial: "DAILY-0001",
  });
  assert.equal(await page.locator("#company_id option:checked").innerText(), COMPANY);
  assert.deepEqual(await checkPage(page, "daily-terminal-refused"), { langs: ["ja"] });

  // A roster line with a birth date in the future, entered by the agency
  // on the company's behalf.
  await page.goto(`${gw.url}/records`);
  const minato = await page.locator("tr.record-company a", { hasText: COMPANY }).getAttribute("href");
  await page.goto(`${gw.url}${minato}`);
  const person = await page.locator("tr.roster-row").first().getAttribute("data-user");
  await page.selectOption("#roster-user", person);
  const typed = {
    "roster-full_name": "日次 花子",
    "roster-birth_date": "2999-01-01",
    "roster-department": "品質保証部",
    "roster-position": "係長",
    "roster-nationality": "日本",
    "roster-undertaking_date": "2026-04-01",
  };
  for (const [id, value] of Object.entries(typed)) await page.fill(`#${id}`, value);
  assert.equal(await submitForm(page, "roster-form"), 400);
  await refusedBeside(page, "roster-form", "birth_date", "roster-birth_date", /生年月日.*過去/, typed);
  assert.equal(await page.locator("#roster-user").inputValue(), person, "the person chosen is kept");
  assert.deepEqual(await checkPage(page, "daily-roster-refused"), { langs: ["ja"] });

  // A training record whose instructor is only spaces (the browser's
  // `required` lets it through; the gateway refuses it).
  await page.selectOption("#training-user", person);
  await page.selectOption("#training-course", "annual");
  await page.fill("#training-completed-on", "2026-01-15");
  await page.fill("#training-instructor", "   ");
  await page.fill("#training-topics", "年次教育の内容");
  assert.equal(await submitForm(page, "training-form"), 400);
  await refusedBeside(page, "training-form", "instructor", "training-instructor", /講師/, {
    "training-completed-on": "2026-01-15",
    "training-topics": "年次教育の内容",
    "training-course": "annual",
  });
  assert.deepEqual(await checkPage(page, "daily-training-refused"), { langs: ["ja"] });

  // A designation someone else made meanwhile (a second tab).
  await page.goto(`${gw.url}/admin`);
  const contract = await page.locator("table#contracts a.contract-link").first().getAttribute("href");
  const other = await context.newPage();
  for (const p of [page, other]) await p.goto(`${gw.url}${contract}`);
  for (const [select, form] of [
    ["designate-user", "designate-form"],
    ["participant-user", "participant-form"],
  ]) {
    if ((await page.locator(`#${select}`).count()) === 0) continue;
    assert.equal(await page.locator(`#${select}`).inputValue(), "", "no person chosen beforehand");
    const value = await page.locator(`#${select} option:not([disabled])`).first().getAttribute("value");
    await other.selectOption(`#${select}`, value);
    await Promise.all([other.waitForURL((u) => new URL(u).pathname === contract), other.click(`#${form} button[type=submit]`)]);
    await page.selectOption(`#${select}`, value);
    assert.equal(await submitForm(page, form), 409);
    await refusedBeside(page, form, "user_id", select, /既に登録されています/);
    assert.deepEqual(await checkPage(page, `daily-${form}-refused`), { langs: ["ja"] });
    for (const p of [page, other]) await p.goto(`${gw.url}${contract}`);
  }
  await context.close();
});

test("the operator's home shows what awaits them, open alerts and new registrations, and the administration in groups", { timeout: 240_000 }, async () => {
  const { page, context } = await newGatewayPage(browser, gw);
  await loginWithTotp(page, gw, "operator");
  await page.goto(`${gw.url}/`);
  // Not the handler's view with "no compartments".
  assert.equal(await page.locator("#no-compartments").count(), 0);
  for (const id of ["home-pending", "home-recent", "admin-nav"]) {
    assert.equal(await page.locator(`#${id}`).count(), 1, `#${id} on the operator's home`);
  }
  // The newest registrations, by name, linking to their detail pages.
  const recent = page.locator("#recent-registrations tbody tr");
  assert.ok((await recent.count()) > 0);
  assert.match(await recent.first().locator("a").getAttribute("href"), /^\/admin\/(companies|users|contracts)\/[0-9a-f-]{36}$/);
  // The administration's groups, each link one the policy point allows.
  const groups = await page.locator("#admin-nav .hub-group h2").allInnerTexts();
  assert.deepEqual(groups, ["登録簿", "監督・監査"]);
  for (const id of ["companies-link", "users-link", "contracts-link", "accounts-link", "terminals-link", "policies-link", "access-link"]) {
    assert.equal(await page.locator(`#admin-nav #${id}`).count(), 1, `#${id}`);
  }
  // The header groups its links too.
  assert.ok((await page.locator("header nav .nav-group[role=group]").count()) >= 2);
  await checkPage(page, "daily-operator-home");
  await page.goto(`${gw.url}/admin`);
  await checkPage(page, "daily-admin-hub");
  await context.close();
});

test("the registers list with search, sort and pages on the server, and open a detail page", { timeout: 240_000 }, async () => {
  const { page, context } = await newGatewayPage(browser, gw);
  await loginWithTotp(page, gw, "operator");
  // Two rows a page: the demo's five accounts need three pages.
  await page.goto(`${gw.url}/admin/users?per=2`);
  const rows = page.locator("#user-list tbody tr");
  assert.equal(await rows.count(), 2);
  const total = Number(await page.locator("#user-list-count").getAttribute("data-count"));
  assert.ok(total >= 5, `${total} users`);
  const at = page.locator("#user-list-pages .pager-at");
  assert.equal(await at.getAttribute("data-page"), "1");
  assert.equal(Number(await at.getAttribute("data-pages")), Math.ceil(total / 2));
  const seen = await rows.evaluateAll((rs) => rs.map((r) => r.dataset.username));
  await Promise.all([page.waitForURL((u) => new URL(u).searchParams.get("page") === "2"), page.click("#user-list-pages a.pager-next")]);
  const second = await rows.evaluateAll((rs) => rs.map((r) => r.dataset.username));
  assert.equal(second.length, 2);
  assert.ok(second.every((u) => !seen.includes(u)), "the second page shows other rows");
  // Sorted by login name, ascending then descending.
  await page.goto(`${gw.url}/admin/users`);
  await Promise.all([page.waitForURL((u) => new URL(u).searchParams.get("sort") === "username"), page.click('#user-list th a[data-sort="username"]')]);
  const names = await rows.evaluateAll((rs) => rs.map((r) => r.dataset.username));
  const th = page.locator('#user-list th:has(a[data-sort="username"])');
  const direction = await th.getAttribute("aria-sort");
  const sorted = [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  assert.deepEqual(names, direction === "ascending" ? sorted : sorted.reverse(), `sorted ${direction}`);
  await Promise.all([page.waitForURL((u) => new URL(u).searchParams.get("dir") === (direction === "ascending" ? "desc" : "asc")), page.click('#user-list th a[data-sort="username"]')]);
  assert.deepEqual(await rows.evaluateAll((rs) => rs.map((r) => r.dataset.username)), [...names].reverse());
  // A search keeps to the rows with the words.
  await page.fill("#user-list-q", "hokuto");
  await Promise.all([page.waitForURL((u) => new URL(u).searchParams.get("q") === "hokuto"), page.click("#user-list-search button[type=submit]")]);
  const found = await rows.evaluateAll((rs) => rs.map((r) => r.dataset.username));
  assert.deepEqual([...found].sort(), ["ito@hokuto", "sato@hokuto"]);
  await checkPage(page, "daily-user-list");
  // The page size is bounded.
  await page.goto(`${gw.url}/admin/users?per=100000`);
  assert.ok((await rows.count()) <= 100);
  // A user's detail page, then their company's.
  await page.goto(`${gw.url}/admin/users?q=tanaka`);
  await Promise.all([page.waitForURL((u) => /^\/admin\/users\/[0-9a-f-]{36}$/.test(new URL(u).pathname)), page.click("#user-list tbody a[href^='/admin/users/']")]);
  assert.equal(await page.locator("#user-facts").getAttribute("data-username"), "tanaka@minato");
  await checkPage(page, "daily-user-detail");
  await Promise.all([page.waitForURL((u) => /^\/admin\/companies\/[0-9a-f-]{36}$/.test(new URL(u).pathname)), page.click("#user-facts a[href^='/admin/companies/']")]);
  assert.equal((await page.locator("h1").innerText()).trim(), COMPANY);
  assert.ok((await page.locator("#detail-users tr[data-username='tanaka@minato']").count()) === 1);
  await checkPage(page, "daily-company-detail");
  for (const [path, table] of [
    ["/admin/companies", "company-list"],
    ["/admin/contracts", "contract-list"],
    ["/admin/terminals", "terminals"],
  ]) {
    await page.goto(`${gw.url}${path}?per=1`);
    assert.equal(await page.locator(`#${table} tbody tr`).count(), 1, path);
    assert.equal(await page.locator(`#${table}-pages a.pager-next`).count(), 1, `${path} has a next page`);
    await checkPage(page, `daily${path.replaceAll("/", "-")}`);
  }
  await context.close();
});

test("a company administrator's home shows its contracts, its people and what needs doing; a refused membership filing keeps the form", { timeout: 300_000 }, async () => {
  const ADMIN = "suzuki@minato";
  const { page: op, context: opContext } = await newGatewayPage(browser, gw);
  await loginWithTotp(op, gw, "operator");
  await op.goto(`${gw.url}/admin/accounts`);
  const account = op.locator(`tr.account-row[data-username="${ADMIN}"]`);
  await account.locator("button.grant-security-admin").click();
  await account.locator('span.duty[data-duty="security-admin"]').waitFor();
  await opContext.close();

  const { page, context } = await newGatewayPage(browser, gw);
  await loginWithTotp(page, gw, ADMIN);
  await page.goto(`${gw.url}/`);
  for (const id of ["home-duties", "home-contracts", "home-people"]) {
    assert.equal(await page.locator(`#${id}`).count(), 1, `#${id} on the company administrator's home`);
  }
  assert.equal(await page.locator("#home-pending").count(), 0, "no operator part");
  assert.equal(await page.locator("#no-compartments").count(), 0, "not the handler's empty view");
  assert.ok((await page.locator("#home-contract-list tbody tr").count()) >= 1);
  assert.equal(await page.locator("#home-people-list tr[data-username='tanaka@minato']").count(), 1);
  // suzuki is not on the roster but handles nothing; tanaka is on it.
  assert.equal(await page.locator("#home-people-list tr[data-username='tanaka@minato']").getAttribute("data-roster"), "confirmed");
  await checkPage(page, "daily-company-admin-home");

  // A membership application whose company name is only spaces: the
  // browser lets it through, the gateway refuses it beside the field.
  await page.goto(`${gw.url}/memberships`);
  const typed = {
    "m-company_name": "   ",
    "m-company_address": "東京都港区 1-2-3",
    "m-site_name": "本社",
    "m-site_address": "東京都港区 1-2-3",
    "m-contact": "鈴木 花子 総務部 03-0000-0000",
    "m-contracts_evidence": "特約条項付き契約を履行予定",
    "m-facility_evidence": "基準第8に準拠",
    "m-equipment_evidence": "仕様を満たす機器",
    "m-location_evidence": "日本国内",
  };
  for (const [id, value] of Object.entries(typed)) await page.fill(`#${id}`, value);
  assert.equal(await submitForm(page, "membership-form"), 400);
  const { "m-company_name": _, ...kept } = typed;
  await refusedBeside(page, "membership-form", "company_name", "m-company_name", /企業名/, kept);
  assert.deepEqual(await checkPage(page, "daily-membership-refused"), { langs: ["ja"] });
  await context.close();
});

test("a handler's home is their compartments", { timeout: 180_000 }, async () => {
  const { page, context } = await newGatewayPage(browser, gw, { terminal: "tanaka@minato" });
  await loginWithTotp(page, gw, "tanaka@minato");
  assert.ok((await page.locator("table#compartments a.compartment-link").count()) >= 1);
  for (const id of ["home-pending", "home-duties", "admin-nav"]) {
    assert.equal(await page.locator(`#${id}`).count(), 0, `no #${id} for a handler`);
  }
  await checkPage(page, "daily-handler-home");
  await context.close();
});

test("an operator renames a company from its page: recorded in the audit log, a taken name refused beside the field", { timeout: 240_000 }, async () => {
  const { page, context } = await newGatewayPage(browser, gw);
  await loginWithTotp(page, gw, "operator");
  await page.goto(`${gw.url}/admin`);
  await page.fill("#company-name", "株式会社改名前");
  await Promise.all([page.waitForURL(pathIs("/admin")), page.click("#company-form button[type=submit]")]);
  await page.goto(`${gw.url}/admin/companies?q=${encodeURIComponent("改名前")}`);
  const href = await page.locator("#company-list tbody a").first().getAttribute("href");
  await page.goto(`${gw.url}${href}`);
  await page.click("#rename-open");
  assert.equal(await page.locator("#rename-name").inputValue(), "株式会社改名前", "the form starts from the name as it is");
  await checkPage(page, "daily-company-rename");
  // A name another company has: refused on the same page, as typed.
  if (!(await page.locator("#rename-name").isVisible())) await page.click("#rename-open");
  await page.fill("#rename-name", COMPANY);
  assert.equal(await submitForm(page, "rename-form"), 409);
  await refusedBeside(page, "rename-form", "name", "rename-name", /既に登録されています/, { "rename-name": COMPANY });
  assert.deepEqual(await checkPage(page, "daily-company-rename-refused"), { langs: ["ja"] });
  // A new name: saved, said so, and recorded.
  await page.fill("#rename-name", "株式会社改名後");
  await Promise.all([page.waitForURL(pathIs(href)), page.click("#rename-submit")]);
  assert.equal((await page.locator("h1").innerText()).trim(), "株式会社改名後");
  assert.equal(await page.locator("#notice").count(), 1, "the page says it was done");
  const session = await apiLogin(gw, "operator");
  const log = await apiRequest(gw, "GET", "/api/v1/audit/entries?limit=1000", { session });
  assert.equal(log.status, 200, log.raw);
  const renames = log.json.entries.filter((e) => e.action === "company.rename");
  assert.deepEqual(renames.map((e) => e.outcome), ["success"], JSON.stringify(renames));
  await context.close();
});

test("a refused disposal record comes back on its file's card, the message beside the place", { timeout: 240_000 }, async () => {
  // A file of A-001, stored and marked for disposal by its handler.
  const HANDLER = "tanaka@minato";
  const api = await apiLogin(gw, HANDLER, { terminal: HANDLER });
  const list = await apiRequest(gw, "GET", "/api/v1/compartments", { session: api });
  const cid = list.json.compartments.find((c) => c.contract.number === "A-001").compartment.id;
  const stored = await apiRequest(gw, "POST", `/api/v1/compartments/${cid}/files?name=${encodeURIComponent("廃棄確認.txt")}`, {
    body: Buffer.from("dispose me"),
    session: api,
  });
  assert.equal(stored.status, 201, stored.raw);
  const fid = stored.json.file.id;
  const marked = await apiRequest(gw, "DELETE", `/api/v1/compartments/${cid}/files/${fid}`, { session: api });
  assert.equal(marked.status, 204, marked.raw);

  // The company's security administrator (made one above) records its
  // disposal with a place of spaces only.
  const ADMIN = "suzuki@minato";
  const { page, context } = await newGatewayPage(browser, gw, { terminal: ADMIN });
  await loginWithTotp(page, gw, ADMIN);
  await page.goto(`${gw.url}/compartments/${cid}/disposals`);
  const card = page.locator(`div.disposal[data-file="${fid}"]`);
  await card.locator(`#place-${fid}`).fill("   ");
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith(`/files/${fid}/disposal`)),
    card.locator("button[type=submit]").click(),
  ]);
  assert.equal(resp.status(), 400);
  await page.waitForLoadState("load");
  assert.equal(await page.locator(`div.disposal[data-file="${fid}"]`).count(), 1, "the same page, the file's card");
  const error = page.locator(`div.disposal[data-file="${fid}"] #disposal-record-place-error`);
  assert.equal(await error.count(), 1, "the message on this file's card");
  assert.match(await error.innerText(), /200文字以内/);
  assert.equal(await page.locator(`#place-${fid}`).getAttribute("aria-invalid"), "true");
  assert.deepEqual(await checkPage(page, "daily-disposal-refused"), { langs: ["ja"] });
  await context.close();
});
