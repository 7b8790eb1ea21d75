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
