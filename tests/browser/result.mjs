// Headless-Chromium check of the election's public pages served by a real
// board (spec/api.md §5.11).
// Usage: node result.mjs <board URL, e.g. http://127.0.0.1:PORT> <election id>
//        <fingerprint> <expected totals as JSON, [[n, …], …]>
// Driven by bulletin-board/tests/browser.rs (scripts/test-browser).
//
// Checks: the election page shows the state, the fingerprint and the
// commands to verify; its link leads to the result page; the result page
// loads under its CSP with no CSP violation or console error, its
// stylesheet applies, its tables show the expected totals and every option
// has an SVG bar; the language links switch to Russian; the same page
// renders with JavaScript turned off (Tor Browser's "Safest" level);
// axe-core finds no serious or critical violation.
import { chromium } from "playwright-core";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const [board, election, fingerprint, totalsJson] = process.argv.slice(2);
if (!board || !election || !fingerprint || !totalsJson) {
  console.error("usage: node result.mjs <board URL> <election id> <fingerprint> <totals JSON>");
  process.exit(2);
}
const expected = JSON.parse(totalsJson);
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

const launch = (dir, javaScriptEnabled) =>
  chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    javaScriptEnabled,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    locale: "en-US",
  });

// The totals shown in the tables, [[n, …], …] in page order.
const shownTotals = (page) =>
  page.$$eval("section.contest", (sections) =>
    sections.map((s) => [...s.querySelectorAll("td.total")].map((td) => Number(td.textContent))),
  );

const userDataDir = mkdtempSync(join(tmpdir(), "urna-chromium-"));
const context = await launch(userDataDir, true);
try {
  const page = context.pages()[0] || (await context.newPage());
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !/favicon/.test(m.text() + (m.location().url || ""))) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    if (!/favicon/.test(r.url())) problems.push(`request failed: ${r.url()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });

  // The election page.
  const res = await page.goto(`${board}/elections/${election}`);
  check(res && res.status() === 200, `GET election page: ${res && res.status()}`);
  const csp = res ? (await res.allHeaders())["content-security-policy"] || "" : "";
  check(csp.startsWith("default-src 'none'") && !csp.includes("script-src") && !csp.includes("unsafe-inline"),
    `page CSP allows no script and no inline style: ${csp}`);
  const state = await page.getAttribute("#state", "data-state");
  check(state === "result", `state shown: ${state} (${(await page.textContent("#state")).trim()})`);
  const fp = (await page.textContent("#fingerprint")).trim();
  check(fp === fingerprint, `fingerprint shown: ${fp}`);
  const short = (await page.textContent("#fingerprint-short")).trim();
  check(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/.test(short), `short fingerprint shown: ${short}`);
  const verify = (await page.textContent("#verify-command")).trim();
  check(
    verify === `curl -fo election.urna ${board}/api/elections/${election}/record\ntally verify election.urna`,
    `verify command to copy: ${JSON.stringify(verify)}`,
  );
  const tableBorder = await page.$eval("pre", (e) => getComputedStyle(e).borderTopStyle);
  check(tableBorder === "solid", `the stylesheet applies (pre border ${tableBorder})`);

  // The record link in the command works.
  const record = await page.request.get(`${board}/api/elections/${election}/record`);
  check(record.status() === 200 && (await record.body()).length > 100, `record downloads: ${record.status()}`);

  // To the result page by its link.
  await Promise.all([page.waitForURL(/\/result/), page.click("#result-link")]);
  check(new URL(page.url()).pathname === `/elections/${election}/result`, `result page at ${page.url()}`);
  const status = await page.getAttribute("#status", "data-status");
  check(status === "official", `result marked ${status}: "${(await page.textContent("#status")).trim()}"`);
  const totals = await shownTotals(page);
  check(JSON.stringify(totals) === JSON.stringify(expected), `tables show ${JSON.stringify(totals)}, expected ${JSON.stringify(expected)}`);
  const bars = await page.$$eval("section.contest", (sections) =>
    sections.map((s) => [...s.querySelectorAll("svg rect.bar")].map((r) => Number(r.getAttribute("width")))),
  );
  check(
    bars.length === expected.length && bars.every((row, i) => row.length === expected[i].length),
    `one SVG bar per option: ${JSON.stringify(bars)}`,
  );
  check(
    bars.every((row, i) => row.every((w, j) => (expected[i][j] > 0) === (w > 0))),
    "a bar is drawn exactly for every option with votes",
  );
  const box = await page.locator("svg.chart").first().boundingBox();
  check(box && box.width > 100 && box.height > 20, `the chart is laid out (${box && Math.round(box.width)}×${box && Math.round(box.height)})`);
  const collapse = await page.$eval("table", (e) => getComputedStyle(e).borderCollapse);
  check(collapse === "collapse", `the result page's stylesheet applies (border-collapse ${collapse})`);

  // Accessibility (axe-core, injected through the DevTools protocol, which the CSP does not govern).
  await page.evaluate(axeSource);
  const axe = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  for (const v of axe) console.log(`     axe: ${v.impact} ${v.id} (${v.nodes} nodes)`);
  const bad = axe.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `axe-core: no serious or critical violation (${axe.length} minor/moderate)`);

  // Russian, by the language link.
  await Promise.all([page.waitForURL(/lang=ru/), page.click("a[hreflang=ru]")]);
  check((await page.getAttribute("html", "lang")) === "ru", "language switched to ru");
  const ru = (await page.textContent("#status")).trim();
  check(/Официальный результат/.test(ru), `status in Russian: "${ru}"`);
  const header = (await page.textContent("thead")).trim();
  check(/Вариант/.test(header) && /Всего/.test(header), `table header in Russian: "${header}"`);
  check(JSON.stringify(await shownTotals(page)) === JSON.stringify(expected), "same totals in Russian");
  // Back to the election page, still in Russian.
  await Promise.all([page.waitForURL(new RegExp(`/elections/${election}\\?lang=ru$`)), page.click("p.back a")]);
  const stateRu = (await page.textContent("#state")).trim();
  check(/Результат опубликован/.test(stateRu), `state in Russian: "${stateRu}"`);

  check(problems.length === 0, `no console error, failed request or CSP violation${problems.length ? ": " + problems.join("; ") : ""}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

// JavaScript off, as in Tor Browser at "Safest": the same tables.
const noJsDir = mkdtempSync(join(tmpdir(), "urna-chromium-"));
const noJs = await launch(noJsDir, false);
try {
  const page = noJs.pages()[0] || (await noJs.newPage());
  const res = await page.goto(`${board}/elections/${election}/result`);
  check(res && res.status() === 200, "result page without JavaScript");
  check(JSON.stringify(await shownTotals(page)) === JSON.stringify(expected), "totals shown without JavaScript");
} finally {
  await noJs.close();
  rmSync(noJsDir, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`${failures.length} browser check(s) failed`);
  process.exit(1);
}
console.log("browser result-page test passed");
