// The checks every page a browser test visits goes through (`checkPage`):
//
// - axe-core (WCAG 2.1 A and AA rules) finds no violation;
// - at 390 px and at 1,280 px width the page does not scroll sideways
//   (`document.scrollingElement.scrollWidth <= innerWidth`; a wide table
//   scrolls inside its `.table-scroll` container, which does not count);
// - a full-page screenshot per language and width is kept in
//   artifacts/screenshots/ (left behind by a CI run for a reviewer).
//
// Both languages: the page as the test reached it, then (if it was reached
// by a GET, so that loading it again changes nothing) the same address in
// a second tab of the same context with the other language's cookie
// (`dsg_lang`, which the language switch `/lang/{code}` sets). A page that
// answered a form post (a one-time secret, say) is checked in its own
// language only, and `checkPage` says so in its result.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";

import { ARTIFACTS, lastNavigationMethod } from "./dsg.mjs";

/** Where the screenshots go. */
export const SCREENSHOTS = join(ARTIFACTS, "screenshots");

/** The axe-core tags of WCAG 2.1 levels A and AA. */
export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** The widths every page is laid out at: a phone and a desktop. */
export const WIDTHS = [390, 1280];

const LANG_COOKIE = "dsg_lang";
function describe(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.split("\n").join(" ")}`)
        .join("\n");
      return `  ${v.id} (${v.impact}): ${v.help}\n${nodes}`;
    })
    .join("\n");
}

/** Runs axe on the page as it is; returns the violations as text, or "". */
export async function axeViolations(page) {
  const result = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return result.violations.length ? describe(result.violations) : "";
}

/**
 * The page's horizontal overflow at its current width: "" if it fits, else
 * the widths and the elements sticking out (outside `.table-scroll`).
 */
export async function overflow(page) {
  return page.evaluate(() => {
    const doc = document.scrollingElement ?? document.documentElement;
    const width = window.innerWidth;
    if (doc.scrollWidth <= width) return "";
    const culprits = [];
    for (const el of document.body.querySelectorAll("*")) {
      if (el.closest(".table-scroll")) continue;
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5 && culprits.length < 8) {
        const id = el.id ? `#${el.id}` : "";
        const cls = el.classList.length ? `.${[...el.classList].join(".")}` : "";
        culprits.push(`${el.tagName.toLowerCase()}${id}${cls} (right ${Math.round(r.right)})`);
      }
    }
    return `scrollWidth ${doc.scrollWidth} > innerWidth ${width}: ${culprits.join(", ")}`;
  });
}

async function checkOne(page, name, lang, problems) {
  const found = await axeViolations(page);
  if (found) problems.push(`${name} [${lang}] axe (WCAG 2.1 A/AA):\n${found}`);
  const original = page.viewportSize();
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    const wide = await overflow(page);
    if (wide) problems.push(`${name} [${lang}] at ${width} px scrolls sideways: ${wide}`);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.${lang}.${width}.png`), fullPage: true });
  }
  if (original) await page.setViewportSize(original);
}

/**
 * Checks the page the test is on (see the top of this file) and fails the
 * test with every problem found. `name` names the screenshots
 * (`<name>.<lang>.<width>.png`). Returns { langs } (the languages checked).
 */
export async function checkPage(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.waitForLoadState("load");
  const problems = [];
  const lang = await page.evaluate(() => document.documentElement.lang || "none");
  await checkOne(page, name, lang, problems);
  const langs = [lang];
  const url = page.url();
  const reloadable = (lastNavigationMethod(page) ?? "GET") === "GET" && url.startsWith("https://");
  if (reloadable && (lang === "ja" || lang === "en")) {
    const other = lang === "ja" ? "en" : "ja";
    const context = page.context();
    const origin = new URL(url).origin;
    await context.addCookies([{ name: LANG_COOKIE, value: other, url: origin, secure: true, sameSite: "Lax" }]);
    const second = await context.newPage();
    try {
      await second.setViewportSize(page.viewportSize() ?? { width: 1280, height: 900 });
      await second.goto(url);
      const shown = await second.evaluate(() => document.documentElement.lang);
      assert.equal(shown, other, `${name}: ${url} again with ${LANG_COOKIE}=${other} is not in ${other}`);
      await checkOne(second, name, other, problems);
      langs.push(other);
    } finally {
      await second.close();
      await context.addCookies([{ name: LANG_COOKIE, value: lang, url: origin, secure: true, sameSite: "Lax" }]);
    }
  }
  assert.equal(problems.length, 0, `page checks failed:\n${problems.join("\n")}`);
  return { langs };
}
