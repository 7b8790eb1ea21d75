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
