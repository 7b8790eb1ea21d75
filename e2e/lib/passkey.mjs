// Passkeys in the browser tests: a Chromium virtual authenticator (CDP
// WebAuthn domain) and the enrolment of a new account through its
// one-time link.

import { randomBytes } from "node:crypto";

const pathIs = (p) => (url) => new URL(url).pathname === p;

/**
 * Adds a CTAP2 platform-like virtual authenticator with resident keys and
 * user verification to the page. Returns { cdp, authenticatorId }.
 */
export async function addVirtualAuthenticator(page, options = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...options,
    },
  });
  return { cdp, authenticatorId };
}

/** A long random password (zxcvbn scores it 4). */
export function strongPassword() {
  return `e2e-${randomBytes(18).toString("base64url")}`;
}

/**
 * Follows an enrolment link (`path` = "/enrol?token=…") in the page, sets
 * the password and registers a passkey with the page's virtual
 * authenticator. Leaves the page on /enrol/authenticator with the recovery
 * codes shown; returns them. Throws with the server's answer on failure.
 */
export async function enrolWithPasskey(page, gw, path, password, { passkeyName = "e2e passkey" } = {}) {
  const resp = await page.goto(`${gw.url}${path}`);
  if (resp.status() !== 200) throw new Error(`GET ${path} answered ${resp.status()}: ${(await resp.text()).slice(0, 600)}`);
  // A weak password and a mistyped confirmation are refused on the same
  // page, with the reason next to the field, in the page's language.
  await page.fill("#new-password", password);
  await page.fill("#confirm-password", `${password}x`);
  await page.click("#enrol-submit");
  await page.locator("#enrol-error").waitFor();
  if (!/一致しません|differ/.test(await page.locator("#enrol-error").innerText())) {
    throw new Error(`mismatch not explained: ${await page.locator("#enrol-error").innerText()}`);
  }
  await page.fill("#new-password", "password1234");
  await page.fill("#confirm-password", "password1234");
  await page.click("#enrol-submit");
  await page.locator("#enrol-error").waitFor();
  const weak = await page.locator("#enrol-error").innerText();
  if (!/推測されやすい|easy to guess/.test(weak) || /easy to guess.*推測|推測.*easy to guess/.test(weak)) {
    throw new Error(`weak password not explained in one language: ${weak}`);
  }
  await page.fill("#new-password", password);
  await page.fill("#confirm-password", password);
  const [post] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && pathIs("/enrol")(r.url())),
    page.click("#enrol-submit"),
  ]);
  if (post.status() !== 303 && post.status() !== 302) {
    const body = await post.text().catch(() => "");
    throw new Error(`POST /enrol answered ${post.status()}, not a redirect: ${body.slice(0, 800)}`);
  }
  await page.waitForURL(pathIs("/enrol/authenticator"));
  await page.fill("#passkey-name", passkeyName);
  await page.click("#passkey-register");
  const status = page.locator('#register-status[data-state="done"], #register-status[data-state="failed"]');
  await status.waitFor();
  if ((await status.getAttribute("data-state")) !== "done") {
    throw new Error(`passkey registration failed: ${await status.textContent()}`);
  }
  await page.locator("#recovery-codes").waitFor({ state: "visible" });
  return (await page.locator("#recovery-code-list li").allTextContents()).map((c) => c.trim());
}

/**
 * The second step with a passkey: clicks #passkey-check on /login/verify.
 * Returns "done" once the page has gone on to `/`, or "failed" once
 * #passkey-status says failed (with its text).
 */
export async function passkeyCheck(page, { timeout = 20_000 } = {}) {
  const failed = page.locator('#passkey-status[data-state="failed"]');
  const done = page.waitForURL(pathIs("/"), { timeout }).then(() => ({ state: "done" }));
  const fail = failed.waitFor({ timeout }).then(async () => ({ state: "failed", text: await failed.textContent() }));
  done.catch(() => {});
  fail.catch(() => {});
  await page.click("#passkey-check");
  return Promise.race([done, fail]);
}
