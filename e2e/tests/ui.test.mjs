// Browser end-to-end tests of the dsg web UI, run with `node --test`.
//
// One demo gateway is started for this file (in a temp dir) and stopped at
// the end. The system Chromium trusts the gateway's CA through an NSS
// database in a temp HOME, and the Playwright server that runs it (whose
// proxy presents client certificates) through OpenSSL's default store;
// certificate errors are never ignored, so these tests fail if the CA is
// not trusted (set DSG_E2E_NO_CA=1 to see that). Handlers reach their
// compartments from their company's registered terminal: their browser
// context presents the terminal's client certificate from the first
// request (`serve --demo` registers one per demo company).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  ARTIFACTS,
  apiLogin,
  apiRequest,
  clientCertificateOptions,
  launchBrowser,
  makeHomeTrusting,
  passwordStep,
  startGateway,
  totpStep,
  trackNavigations,
} from "../lib/dsg.mjs";
import { SCREENSHOTS, checkPage } from "../lib/check.mjs";
import { stepAt, totpAt } from "../lib/totp.mjs";

const MARKING_JA = "保護すべき情報";
const NOT_FOUND_JA = "見つからないか、アクセスが許可されていません。";
const LOGIN_FAILED_JA = "ユーザIDまたはパスワードが正しくありません。";
// A file that tanaka stores in A-001 before the tests, through the API, so
// that the access-control test has something that must not leak.
const SEEDED_NAME = "A-001 秘匿図面 seed.bin";

let gw;
let home;
let browser;
let work;
let cidA001;
let seededFid;

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");
const cssString = (s) => `"${s.replace(/["\\]/g, "\\$&")}"`;
const pathIs = (p) => (url) => new URL(url).pathname === p;

// Every page the test reaches: axe (WCAG 2.1 A/AA) in both languages, no
// sideways scrolling at 390 and 1,280 px, screenshots (lib/check.mjs).
async function shot(page, name) {
  await checkPage(page, `ui-${name}`);
}

// A new context and page; with `terminal` (a demo user name), the context
// presents that user's company's terminal certificate.
async function newPage({ terminal } = {}) {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1100, height: 800 },
    ...(terminal ? clientCertificateOptions(gw, terminal) : {}),
  });
  const page = await context.newPage();
  trackNavigations(page);
  page.setDefaultTimeout(20_000);
  page.setDefaultNavigationTimeout(20_000);
  return { context, page };
}

// Fills in and submits the login form, then the TOTP form of the second
// step; fails at once (with the server's answer) if the password POST is
// not redirected to /login/verify or the TOTP POST not to the home page.
async function loginViaForm(page, username, password, { open = true } = {}) {
  await passwordStep(page, gw, username, password, { open });
  assert.equal(new URL(page.url()).pathname, "/login/verify", "password step leads to the second factor");
  assert.equal(await page.locator("#totp-form").count(), 1, "the TOTP form is offered");
  await totpStep(page, gw, username);
  assert.equal(new URL(page.url()).pathname, "/");
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), "dsg-e2e-work-"));
  gw = await startGateway();
  const trustCa = process.env.DSG_E2E_NO_CA !== "1";
  home = makeHomeTrusting(gw.caPath, { trustCa });
  browser = await launchBrowser(home, { caPath: trustCa ? gw.caPath : null });

  // From Node, over みなと精機's terminal certificate.
  const tanaka = await apiLogin(gw, "tanaka@minato", { terminal: "tanaka@minato" });
  const list = await apiRequest(gw, "GET", "/api/v1/compartments", { session: tanaka });
  assert.equal(list.status, 200, "GET /api/v1/compartments");
  const a001 = list.json.compartments.find((c) => c.contract.number === "A-001");
  assert.ok(a001, "tanaka has compartment A-001");
  cidA001 = a001.compartment.id;
  const up = await apiRequest(
    gw,
    "POST",
    `/api/v1/compartments/${cidA001}/files?name=${encodeURIComponent(SEEDED_NAME)}`,
    { body: randomBytes(4096), session: tanaka },
  );
  assert.equal(up.status, 201, `seed upload: ${up.raw}`);
  seededFid = up.json.file.id;
  // The session belongs to the certificate it was made with.
  const bare = await apiRequest(gw, "GET", `/api/v1/compartments/${cidA001}/files`, { cookie: tanaka.cookie });
  assert.equal(bare.status, 401, `the session without its certificate: ${bare.raw}`);
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

test("handler uploads a 6 MiB file through the UI and downloads the same bytes", { timeout: 360_000 }, async () => {
  // From みなと精機's registered terminal (its client certificate).
  const { context, page } = await newPage({ terminal: "tanaka@minato" });
  try {
    // The login page, over the TLS connection that Playwright's proxy made
    // with the client certificate (verifying the gateway with its CA).
    const loginResp = await page.goto(`${gw.url}/login`);
    assert.equal(loginResp.status(), 200, `GET /login: ${(await loginResp.text()).slice(0, 300)}`);
    await shot(page, "01-login");

    await loginViaForm(page, "tanaka@minato", gw.users["tanaka@minato"], { open: false });

    // Home: the compartment list with the marking.
    const link = page.locator("table#compartments a.compartment-link", { hasText: "A-001" });
    assert.equal(await link.count(), 1, "one link to A-001");
    assert.equal(await page.locator("#no-compartments").count(), 0);
    assert.equal(await page.locator(".blocked").count(), 0, "no refusal from the registered terminal");
    const marking = page.locator(".protected-marking").first();
    assert.ok(await marking.isVisible(), "marking banner visible on the home page");
    assert.equal((await marking.textContent()).trim(), MARKING_JA);
    await shot(page, "02-home-tanaka");

    await Promise.all([page.waitForURL(pathIs(`/compartments/${cidA001}`)), link.click()]);
    assert.equal((await page.locator(".protected-marking").first().textContent()).trim(), MARKING_JA);
    assert.equal(
      await page.locator(`tr.file-row[data-name=${cssString(SEEDED_NAME)}]`).count(),
      1,
      "the seeded file is listed",
    );
    await shot(page, "03-compartment");

    // Upload through the form. A non-ASCII name with a space exercises the
    // ?name= encoding and the Content-Disposition of the download.
    const name = "油圧系統 図面-e2e.bin";
    const data = randomBytes(6 * 1024 * 1024 + 4321);
    const src = join(work, name);
    writeFileSync(src, data);

    // Record every change of the progress bar and the status, in Node, so
    // the record survives the page's reload after "done".
    const events = [];
    await page.exposeFunction("__dsgRecord", (e) => events.push(e));
    await page.evaluate(() => {
      const p = document.querySelector("#upload-progress");
      const s = document.querySelector("#upload-status");
      const rec = () =>
        window.__dsgRecord({
          state: s.dataset.state ?? null,
          value: p.value,
          visible: !p.hidden && p.getBoundingClientRect().height > 0,
        });
      new MutationObserver(rec).observe(p, { attributes: true });
      new MutationObserver(rec).observe(s, { attributes: true, childList: true });
    });

    await page.setInputFiles("#file-input", src);
    const uploadResponse = page.waitForResponse(
      (r) =>
        r.request().method() === "POST" &&
        new URL(r.url()).pathname === `/api/v1/compartments/${cidA001}/files`,
      { timeout: 90_000 },
    );
    const reloaded = page.waitForEvent("load", { timeout: 90_000 });
    await page.click("#upload-button");
    // A picture only (best effort: it may already be done); the page is
    // checked before and after the upload.
    await page
      .screenshot({ path: join(SCREENSHOTS, "ui-04-uploading.png"), fullPage: true })
      .catch(() => {});

    const up = await uploadResponse;
    assert.equal(up.status(), 201, `upload answered ${up.status()}: ${await up.text().catch(() => "")}`);
    assert.equal(new URL(up.url()).searchParams.get("name"), name);
    await reloaded;

    const states = events.map((e) => e.state).filter((s, i, a) => s && s !== a[i - 1]);
    assert.deepEqual(states, ["uploading", "done"], `status went uploading → done (${JSON.stringify(events)})`);
    assert.ok(
      events.some((e) => e.state === "uploading" && e.visible),
      `progress bar visible while uploading (${JSON.stringify(events)})`,
    );
    const last = events.at(-1);
    assert.equal(last.state, "done");
    assert.equal(last.value, 100, "progress at 100 when done");

    // After the reload: the new row.
    const row = page.locator(`tr.file-row[data-name=${cssString(name)}]`);
    await row.waitFor();
    await shot(page, "05-uploaded");

    // Download it as a person would: click the link, save the attachment.
    const dl = row.locator("a.download-link");
    const href = await dl.getAttribute("href");
    const [download] = await Promise.all([page.waitForEvent("download"), dl.click()]);
    assert.equal(download.suggestedFilename(), name, "the browser's file name");
    const saved = join(work, "downloaded.bin");
    await download.saveAs(saved);
    assert.equal(await download.failure(), null);
    const got = readFileSync(saved);
    assert.equal(got.length, data.length, "downloaded size");
    assert.equal(sha256(got), sha256(data), "downloaded bytes equal the uploaded bytes (SHA-256)");

    // The download's headers, fetched by the browser itself (same session,
    // same TLS trust).
    const h = await page.evaluate(async (u) => {
      const r = await fetch(u);
      const b = await r.arrayBuffer();
      return {
        status: r.status,
        disposition: r.headers.get("content-disposition"),
        type: r.headers.get("content-type"),
        cache: r.headers.get("cache-control"),
        length: b.byteLength,
      };
    }, href);
    assert.equal(h.status, 200);
    assert.match(h.disposition ?? "", /^attachment\b/, "Content-Disposition: attachment");
    const star = (h.disposition ?? "").match(/filename\*=UTF-8''([^;]+)/i);
    assert.ok(star, `filename* in ${h.disposition}`);
    assert.equal(decodeURIComponent(star[1]), name);
    assert.equal(h.type, "application/octet-stream");
    assert.equal(h.cache, "no-store");
    assert.equal(h.length, data.length);

    // Logging out ends the session.
    const [out] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && pathIs("/logout")(r.url())),
      page.click("#logout"),
    ]);
    assert.ok([302, 303].includes(out.status()), `POST /logout answered ${out.status()}`);
    await page.waitForURL(pathIs("/login"));
    await page.goto(`${gw.url}/`);
    assert.equal(new URL(page.url()).pathname, "/login", "logged out: / goes to the login page");
  } finally {
    await context.close();
  }
});

test("a non-handler of the same company sees no compartment and gets the uniform 404", { timeout: 120_000 }, async () => {
  // From his company's registered terminal: only the designation is missing.
  const { context, page } = await newPage({ terminal: "suzuki@minato" });
  try {
    await loginViaForm(page, "suzuki@minato", gw.users["suzuki@minato"]);
    await page.locator("#no-compartments").waitFor();
    assert.equal(await page.locator("table#compartments").count(), 0);
    assert.equal(await page.locator("a.compartment-link").count(), 0);
    await shot(page, "06-home-suzuki");

    const resp = await page.goto(`${gw.url}/compartments/${cidA001}`);
    assert.equal(resp.status(), 404, "tanaka's compartment is 404 for suzuki");
    const error = page.locator("main p.error");
    assert.equal((await error.textContent()).trim(), NOT_FOUND_JA);
    assert.equal(await error.getAttribute("data-code"), "not_found");
    const html = await page.content();
    for (const leak of [SEEDED_NAME, "A-001", "油圧系統"]) {
      assert.ok(!html.includes(leak), `404 page does not show ${leak}`);
    }
    assert.equal(await page.locator("tr.file-row, table#files, #upload-form").count(), 0);
    assert.equal(await page.locator(".protected-marking").count(), 0);
    const mainText = await page.locator("main").innerText();
    await shot(page, "07-forbidden-404");

    // Uniform: the same page as for a compartment that does not exist.
    const resp2 = await page.goto(`${gw.url}/compartments/00000000-0000-4000-8000-000000000000`);
    assert.equal(resp2.status(), 404);
    assert.equal(await page.locator("main").innerText(), mainText, "same page as a missing compartment");

    // The API answers the same way for the file's content.
    const api = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, body: await r.text() };
    }, `/api/v1/compartments/${cidA001}/files/${seededFid}/content`);
    assert.equal(api.status, 404, `API content: ${api.body}`);
    assert.ok(!api.body.includes(SEEDED_NAME));

    // Without a terminal, too, he is told nothing more: the reason
    // (terminal_required) is only for those who would otherwise be let in.
    const bare = await apiLogin(gw, "suzuki@minato");
    const bareList = await apiRequest(gw, "GET", "/api/v1/compartments", { session: bare });
    assert.equal(bareList.status, 200, `compartments without a terminal: ${bareList.raw}`);
    assert.deepEqual(bareList.json.compartments, [], "none listed, none blocked");
    for (const path of [`/api/v1/compartments/${cidA001}/files`, `/api/v1/compartments/${cidA001}/files/${seededFid}/content`]) {
      const r = await apiRequest(gw, "GET", path, { session: bare });
      assert.equal(r.status, 404, `${path} without a terminal: ${r.raw}`);
      assert.equal(r.json?.error?.code, "not_found", `${path}: ${r.raw}`);
    }
  } finally {
    await context.close();
  }
});

test("a wrong password shows the login error", { timeout: 120_000 }, async () => {
  const { context, page } = await newPage();
  try {
    // Without a client certificate the browser makes the TLS connection
    // itself, and verified the gateway with the CA in its NSS database.
    const loginResp = await page.goto(`${gw.url}/login`);
    assert.equal(loginResp.status(), 200);
    const tls = await loginResp.securityDetails();
    assert.equal(tls?.issuer, "dsg gateway CA", "certificate issued by the gateway CA");
    await page.fill("#username", "tanaka@minato");
    await page.fill("#password", "not-the-password");
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && pathIs("/login")(r.url())),
      page.click("#login-submit"),
    ]);
    assert.equal(resp.status(), 401);
    const err = page.locator("#login-error");
    await err.waitFor();
    assert.equal((await err.textContent()).trim(), LOGIN_FAILED_JA);
    assert.equal(new URL(page.url()).pathname, "/login");
    const cookies = await context.cookies();
    assert.ok(!cookies.some((c) => c.name === "__Host-dsg_session"), "no session cookie");
    await shot(page, "08-login-error");
  } finally {
    await context.close();
  }
});

test("a wrong TOTP code shows the second-factor error and signs nobody in", { timeout: 120_000 }, async () => {
  const { context, page } = await newPage();
  try {
    const user = "sato@hokuto";
    await passwordStep(page, gw, user, gw.users[user]);
    await shot(page, "10-verify");
    // A code of a step far from now: not accepted, and it uses up no step.
    const now = stepAt();
    const inWindow = [now - 1, now, now + 1].map((s) => totpAt(gw.totp.users.get(user).secret, s));
    let wrong = totpAt(gw.totp.users.get(user).secret, now + 40);
    if (inWindow.includes(wrong)) wrong = String((Number(wrong) + 1) % 1_000_000).padStart(6, "0");
    await page.fill("#totp-code", wrong);
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && pathIs("/login/verify")(r.url())),
      page.click("#totp-submit"),
    ]);
    assert.equal(resp.status(), 401);
    await page.locator("#verify-error").waitFor();
    assert.equal(new URL(page.url()).pathname, "/login/verify");
    const me = await page.evaluate(async () => {
      const r = await fetch("/api/v1/me");
      return { status: r.status, body: await r.json().catch(() => null) };
    });
    assert.ok(me.status === 401 || me.body?.mfa === "none", `not signed in after a wrong code: ${JSON.stringify(me)}`);
    const home = await page.goto(`${gw.url}/`);
    assert.notEqual(new URL(page.url()).pathname, "/", `/ redirects away (status ${home.status()})`);
    await shot(page, "11-verify-error");
    // The right code still works afterwards.
    await page.goto(`${gw.url}/login/verify`);
    await totpStep(page, gw, user);
  } finally {
    await context.close();
  }
});

test("the English switch shows the login page in English", { timeout: 120_000 }, async () => {
  const { context, page } = await newPage();
  try {
    await page.goto(`${gw.url}/login`);
    assert.equal(await page.getAttribute("html", "lang"), "ja");
    assert.equal((await page.locator("#login-submit").textContent()).trim(), "ログイン");
    // The language link (GET /lang/en) sets the cookie and comes back here.
    assert.equal(await page.getAttribute("#lang-switch", "href"), "/lang/en");
    await Promise.all([page.waitForURL(pathIs("/login")), page.click("#lang-switch")]);
    const cookies = await context.cookies();
    assert.ok(cookies.some((c) => c.name === "dsg_lang" && c.value === "en"), "language cookie set");
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.equal((await page.locator("#login-submit").textContent()).trim(), "Log in");
    await shot(page, "09-login-en");
  } finally {
    await context.close();
  }
});
