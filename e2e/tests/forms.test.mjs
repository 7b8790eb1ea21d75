// Browser end-to-end tests of forms that used to lose work (issue #17):
// a second file of the same name (finding 2) and refused forms that went
// to a generic error page (finding 4: a duplicate company, a policy text
// that does not parse, with the line and column of the error).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
const SAME = "仕様書 同名.pdf";

let gw;
let home;
let browser;
let work;

const cssString = (s) => `"${s.replace(/["\\]/g, "\\$&")}"`;
const pathIs = (p) => (url) => new URL(url).pathname === p;

before(async () => {
  work = mkdtempSync(join(tmpdir(), "dsg-e2e-forms-"));
  // Checkpoints every second, so a proof is soon under a signed one.
  process.env.DSG_AUDIT__CHECKPOINT_SECONDS = "1";
  gw = await startGateway({ logName: "forms-server.log" });
  delete process.env.DSG_AUDIT__CHECKPOINT_SECONDS;
  home = makeHomeTrusting(gw.caPath);
  browser = await launchBrowser(home, { caPath: gw.caPath });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

test("a file of a name already in the compartment becomes its new version", { timeout: 360_000 }, async () => {
  const api = await apiLogin(gw, HANDLER, { terminal: HANDLER });
  const list = await apiRequest(gw, "GET", "/api/v1/compartments", { session: api });
  const cid = list.json.compartments.find((c) => c.contract.number === "A-001").compartment.id;
  const first = await apiRequest(gw, "POST", `/api/v1/compartments/${cid}/files?name=${encodeURIComponent(SAME)}`, {
    body: randomBytes(1000),
    session: api,
  });
  assert.equal(first.status, 201, first.raw);
  const fid = first.json.file.id;
  // The API refuses a second file of that name, pointing to versions.
  const again = await apiRequest(gw, "POST", `/api/v1/compartments/${cid}/files?name=${encodeURIComponent(SAME)}`, {
    body: randomBytes(1000),
    session: api,
  });
  assert.equal(again.status, 409, again.raw);
  assert.match(again.json.error.message, /new version/, again.raw);

  // The page: choosing a file of that name offers its new version (the
  // default), and uploading makes version 2 of the one row.
  const { page, context } = await newGatewayPage(browser, gw, { terminal: HANDLER });
  await loginWithTotp(page, gw, HANDLER);
  await page.goto(`${gw.url}/compartments/${cid}`);
  const src = join(work, SAME);
  writeFileSync(src, randomBytes(2000));
  await page.setInputFiles("#file-input", src);
  const choice = page.locator("#upload-collision");
  await choice.waitFor({ state: "visible" });
  assert.equal(await page.locator("#collision-name").innerText(), SAME);
  assert.ok(await page.locator('#upload-collision input[value="version"]').isChecked(), "new version is the default");
  await checkPage(page, "forms-upload-collision");

  // "Do not upload" sends nothing.
  await page.locator('#upload-collision input[value="cancel"]').check();
  await page.click("#upload-button");
  await page.locator('#upload-status[data-state="cancelled"]').waitFor();

  await page.locator('#upload-collision input[value="version"]').check();
  const posted = page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/api/v1/compartments/"));
  const reloaded = page.waitForEvent("load");
  await page.click("#upload-button");
  const response = await posted;
  assert.equal(response.status(), 201, "the version upload is stored");
  assert.equal(new URL(response.url()).pathname, `/api/v1/compartments/${cid}/files/${fid}/versions`);
  await reloaded;
  const rows = page.locator(`tr.file-row[data-name=${cssString(SAME)}]`);
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1, "one row for the name");
  assert.equal(await rows.first().getAttribute("data-version"), "2");
  await context.close();
});

test("several files dropped at once upload with a bar each, and list their uploader", { timeout: 360_000 }, async () => {
  const api = await apiLogin(gw, HANDLER, { terminal: HANDLER });
  const me = await apiRequest(gw, "GET", "/api/v1/me", { session: api });
  const list = await apiRequest(gw, "GET", "/api/v1/compartments", { session: api });
  const cid = list.json.compartments.find((c) => c.contract.number === "A-001").compartment.id;
  const EXISTING = "既存 図面.txt";
  const first = await apiRequest(gw, "POST", `/api/v1/compartments/${cid}/files?name=${encodeURIComponent(EXISTING)}`, {
    body: randomBytes(500),
    session: api,
  });
  assert.equal(first.status, 201, first.raw);
  const existingId = first.json.file.id;

  const { page, context } = await newGatewayPage(browser, gw, { terminal: HANDLER });
  await loginWithTotp(page, gw, HANDLER);
  await page.goto(`${gw.url}/compartments/${cid}`);
  // The field and the button say different things (finding 14).
  const fieldLabel = (await page.locator('label[for="file-input"]').innerText()).trim();
  const buttonLabel = (await page.locator("#upload-button").innerText()).trim();
  assert.notEqual(fieldLabel, buttonLabel, "the field and the button are labelled apart");

  // Every change of a queued file's line, heard in Node so it survives the
  // reload after the last upload.
  const events = [];
  await page.exposeFunction("__dsgItem", (e) => events.push(e));
  await page.evaluate(() => {
    const queue = document.querySelector("#upload-queue");
    new MutationObserver(() => {
      for (const li of queue.querySelectorAll("li.upload-item")) {
        window.__dsgItem({ name: li.dataset.name, state: li.dataset.state ?? null, value: li.querySelector("progress").value });
      }
    }).observe(queue, { attributes: true, childList: true, subtree: true });
  });

  // Three files dropped on the zone, as a person drags them from a folder:
  // two new names and one already in the compartment.
  const names = ["図面A-多数.bin", "図面B-多数.bin", EXISTING];
  const sizes = [700 * 1024, 1024, 2048];
  const dropped = await page.evaluateHandle(([names, sizes]) => {
    const dt = new DataTransfer();
    names.forEach((n, i) => dt.items.add(new File([new Uint8Array(sizes[i]).fill(i + 1)], n)));
    return dt;
  }, [names, sizes]);
  await page.dispatchEvent("#drop-zone", "dragover", { dataTransfer: dropped });
  await page.dispatchEvent("#drop-zone", "drop", { dataTransfer: dropped });
  const queued = page.locator("#upload-queue li.upload-item");
  await queued.nth(2).waitFor();
  assert.deepEqual(await queued.evaluateAll((lis) => lis.map((l) => [l.dataset.name, l.dataset.state])), names.map((n) => [n, "waiting"]));
  await page.locator("#upload-collision").waitFor({ state: "visible" });
  assert.equal(await page.locator("#collision-name").innerText(), EXISTING);
  await checkPage(page, "forms-multi-upload-queued");

  const posts = [];
  page.on("response", (r) => {
    if (r.request().method() === "POST" && r.url().includes(`/api/v1/compartments/${cid}/files`)) posts.push(r);
  });
  const reloaded = page.waitForEvent("load", { timeout: 120_000 });
  await page.click("#upload-button");
  await reloaded;
  assert.equal(posts.length, 3, "one request a file");
  for (const r of posts) assert.equal(r.status(), 201, r.url());
  const paths = posts.map((r) => new URL(r.url()).pathname);
  assert.equal(paths.filter((p) => p === `/api/v1/compartments/${cid}/files`).length, 2, "two new files");
  assert.ok(paths.includes(`/api/v1/compartments/${cid}/files/${existingId}/versions`), "the known name became a version");
  for (const n of names) {
    const mine = events.filter((e) => e.name === n);
    assert.ok(mine.some((e) => e.state === "uploading"), `${n} was shown uploading (${JSON.stringify(mine)})`);
    const last = mine.at(-1);
    assert.equal(last.state, "done", `${n} ended done (${JSON.stringify(mine)})`);
    assert.equal(last.value, 100, `${n}'s own bar at 100`);
  }

  // The list: uploader (by name, id on hover) and version on each row.
  for (const n of names) {
    const row = page.locator(`tr.file-row[data-name=${cssString(n)}]`);
    await row.waitFor();
    const uploader = row.locator("td.uploader");
    assert.equal(await uploader.getAttribute("title"), me.json.user.id);
    const shown = (await uploader.innerText()).trim();
    assert.equal(shown, me.json.user.display_name, "the uploader by name");
  }
  assert.equal(await page.locator(`tr.file-row[data-name=${cssString(EXISTING)}] td.version`).innerText(), "2");
  await checkPage(page, "forms-multi-upload-listed");

  // Search and sort on the server, in the address.
  await page.fill("#files-q", "図面A-多数");
  await Promise.all([page.waitForURL((u) => new URL(u).searchParams.get("q") === "図面A-多数"), page.click("#files-search button[type=submit]")]);
  assert.equal(await page.locator("tr.file-row").count(), 1);
  await page.goto(`${gw.url}/compartments/${cid}?sort=size&dir=desc`);
  const order = (await page.locator("tr.file-row").evaluateAll((rows) => rows.map((r) => r.dataset.name))).filter((n) => names.includes(n));
  assert.deepEqual(order, [names[0], EXISTING, names[1]], "largest first");
  assert.equal(await page.locator('th[aria-sort="descending"] a[data-sort="size"]').count(), 1);
  await context.close();
});

test("a duplicate company is refused beside its field, the name kept", { timeout: 180_000 }, async () => {
  const { page, context } = await newGatewayPage(browser, gw);
  await loginWithTotp(page, gw, "operator");
  const name = "株式会社フォーム検査";
  for (let i = 0; i < 2; i++) {
    await page.goto(`${gw.url}/admin`);
    await page.fill("#company-name", name);
    await Promise.all([page.waitForURL(pathIs("/admin")), page.click("#company-form button[type=submit]")]);
  }
  // The same page (the admin page, not the error page), the field marked,
  // the message beside it in Japanese only, the name as typed.
  assert.equal(await page.locator("#company-form").count(), 1, "the admin page is shown again");
  const error = page.locator("#company-form-name-error");
  assert.match(await error.innerText(), /既に登録されています/);
  assert.doesNotMatch(await error.innerText(), /already exists|company name/);
  assert.equal(await page.locator("#company-name").inputValue(), name);
  assert.equal(await page.locator("#company-name").getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator("#company-name").getAttribute("aria-describedby"), "company-form-name-error");
  await checkPage(page, "forms-company-duplicate");
  await context.close();
});

test("a policy text that does not parse is refused with its line and column, the text kept", { timeout: 180_000 }, async () => {
  const { page, context } = await newGatewayPage(browser, gw);
  await loginWithTotp(page, gw, "operator");
  await page.goto(`${gw.url}/admin/policies`);
  const text = (await page.locator("#policies").inputValue()) + '\n@id("broken")\npermit (principal, action, resource)\n  when { 1 + };\n';
  const lines = text.split("\n");
  const brokenLine = lines.findIndex((l) => l.includes("when { 1 + }")) + 1;
  await page.fill("#summary", "壊れた案");
  await page.fill("#policies", text);
  await Promise.all([page.waitForURL(pathIs("/admin/policies")), page.click("#propose-policy button[type=submit]")]);
  const at = page.locator("#policy-error-at");
  assert.equal(Number(await at.getAttribute("data-line")), brokenLine, await at.innerText());
  assert.ok(Number(await at.getAttribute("data-column")) > 0);
  assert.match(await at.innerText(), new RegExp(`${brokenLine} 行目`));
  assert.equal(await page.locator("#policies").inputValue(), text, "the text as typed");
  assert.equal(await page.locator("#summary").inputValue(), "壊れた案");
  assert.equal(await page.locator("#policies").getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator(".error-title, h1").first().innerText() !== "エラー", true);
  await checkPage(page, "forms-policy-invalid");
  await context.close();
});

test("policy versions and accounts show their state as labelled badges", { timeout: 180_000 }, async () => {
  const { page, context } = await newGatewayPage(browser, gw);
  await loginWithTotp(page, gw, "operator");
  await page.goto(`${gw.url}/admin/policies`);
  const active = page.locator('tr.policy-row[data-status="active"] td.status');
  const badge = active.locator("span.badge");
  assert.equal(await badge.count(), 1, "a badge in the status cell");
  assert.equal((await badge.innerText()).trim(), "施行中");
  assert.equal(await badge.getAttribute("data-tone"), "success");
  assert.doesNotMatch(await active.innerText(), /active|shipped|proposed/, "no codes in the Japanese page");
  await page.goto(`${gw.url}/admin/accounts`);
  const row = page.locator(`tr.account-row[data-username="${HANDLER}"] td.state span.badge`);
  assert.equal((await row.innerText()).trim().length > 0, true);
  assert.equal(await row.getAttribute("data-tone"), "success");
  await checkPage(page, "forms-accounts-badges");
  await context.close();
});

test("the audit page shows fifty entries a page and pages through the rest without a gap", { timeout: 360_000 }, async () => {
  const { page, context } = await newGatewayPage(browser, gw);
  await loginWithTotp(page, gw, "operator");
  // Enough entries for three pages: every page view is recorded.
  for (let i = 0; i < 12; i++) await page.goto(`${gw.url}/admin/policies`);
  const session = await apiLogin(gw, "operator");
  const all = await apiRequest(gw, "GET", "/api/v1/audit/entries?limit=1000", { session });
  assert.equal(all.status, 200, all.raw);
  await page.goto(`${gw.url}/audit`);
  const seen = [];
  for (let p = 0; p < 40; p++) {
    const rows = page.locator("#audit-entries tr.audit-row");
    const n = await rows.count();
    assert.ok(n <= 50, `at most 50 rows a page, not ${n}`);
    seen.push(...(await rows.evaluateAll((rs) => rs.map((r) => r.dataset.id))));
    if (p === 0) {
      assert.equal(n, 50, "the first page is full");
      await checkPage(page, "forms-audit-page");
    }
    const older = page.locator("#audit-older");
    if ((await older.count()) === 0) break;
    await Promise.all([page.waitForURL((u) => new URL(u).searchParams.has("before")), older.click()]);
  }
  assert.equal(new Set(seen).size, seen.length, "no entry twice");
  // Every entry up to the first page's newest is on some page.
  assert.ok(seen.length > 100, `more than two pages (${seen.length})`);
  assert.ok(!all.json.truncated, "the API listed every entry");
  const missing = all.json.entries.filter((e) => !seen.includes(e.id));
  assert.deepEqual(missing.map((e) => e.action), [], "no entry left out");
  await context.close();
});

test("a proof opens as a page that says whether it verifies, under which checkpoint, with the JSON to download", { timeout: 180_000 }, async () => {
  const { page, context } = await newGatewayPage(browser, gw);
  await loginWithTotp(page, gw, "operator");
  await page.goto(`${gw.url}/audit`);
  const link = page.locator("#audit-entries a.proof-link").last();
  const href = await link.getAttribute("href");
  assert.match(href, /^\/audit\/proofs\/\d+$/, "the proof link opens a page, not raw JSON");
  await Promise.all([page.waitForURL((u) => new URL(u).pathname === href), link.click()]);
  let state = await page.locator("#proof-check").getAttribute("data-state");
  for (let i = 0; i < 40 && state !== "verified"; i++) {
    await new Promise((r) => setTimeout(r, 250));
    await page.goto(`${gw.url}${href}`);
    state = await page.locator("#proof-check").getAttribute("data-state");
  }
  assert.equal(state, "verified");
  assert.match(await page.locator("#proof-check").innerText(), /検証済み/);
  assert.match(await page.locator("#proof-checkpoint").innerText(), /JST/);
  const json = page.locator("#proof-json");
  const seq = href.split("/").pop();
  assert.equal(await json.getAttribute("href"), `/api/v1/audit/entries/${seq}/proof`);
  assert.equal(await json.getAttribute("download"), `dsg-proof-${seq}.json`);
  const [download] = await Promise.all([page.waitForEvent("download"), json.click()]);
  assert.equal(download.suggestedFilename(), `dsg-proof-${seq}.json`);
  await checkPage(page, "forms-audit-proof");
  await context.close();
});
