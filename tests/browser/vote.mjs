// Headless-Chromium: real votes through the voting page served by a real board.
// Usage: node vote.mjs <page URL> <fingerprint> <credential 1> <credential 2> <download dir>
// Driven by admin/tests/browser.rs (scripts/test-browser), which then checks
// the board's record (two ballots cast, one audited).
//
// Voter 1 (English): credential, choices, review, encrypt, audit once (the
// audit must show the choices), encrypt afresh, cast, download the receipt,
// check it on the page. Voter 2 (Russian): the same without the audit.
// Prints the time from clicking "encrypt" until the tracking code appears.
import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [pageUrl, fingerprint, cred1, cred2, outDir] = process.argv.slice(2);
if (!pageUrl || !fingerprint || !cred1 || !cred2 || !outDir) {
  console.error("usage: node vote.mjs <page URL> <fingerprint> <credential 1> <credential 2> <download dir>");
  process.exit(2);
}

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};
// Poll a page predicate from Node (page.waitForFunction evaluates a string,
// which the page's CSP forbids once it has to poll).
async function until(page, fn, what, timeout = 60000) {
  const end = Date.now() + timeout;
  while (!(await page.evaluate(fn))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const visible = (page, sel) => page.locator(sel).waitFor({ state: "visible", timeout: 60000 });

// Click "encrypt" (or "continue" after an audit) and measure, in the page,
// the time until the tracking code is shown.
async function timedEncrypt(page, button) {
  await page.evaluate((sel) => {
    window.__urnaT = {};
    const code = document.getElementById("tracking-code");
    const obs = new MutationObserver(() => {
      if (window.__urnaT.t1 === undefined && code.textContent) { window.__urnaT.t1 = performance.now(); obs.disconnect(); }
    });
    code.textContent = "";
    obs.observe(code, { childList: true, characterData: true, subtree: true });
    document.querySelector(sel).addEventListener("click", () => { window.__urnaT.t0 = performance.now(); }, { capture: true, once: true });
  }, button);
  await page.click(button);
  await visible(page, "#step-sealed");
  await until(page, () => window.__urnaT.t1 !== undefined, "the tracking code");
  const t = await page.evaluate(() => window.__urnaT.t1 - window.__urnaT.t0);
  const code = ((await page.locator("#tracking-code").textContent()) || "").trim();
  return { ms: t, code };
}

async function vote(context, { lang, cred, approve, scores, doAudit, n }) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !/favicon/.test(m.text() + (m.location().url || ""))) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${pageUrl}#fp=${encodeURIComponent(fingerprint)}`);
  await visible(page, "#step-credential");
  if (lang !== "en") {
    await page.selectOption("#lang", lang);
    check((await page.getAttribute("html", "lang")) === lang, `voter ${n}: language switched to ${lang}`);
  }

  await page.fill("#credential", cred);
  await page.click("#credential-form button[type=submit]");
  await visible(page, "#step-choose");
  check((await page.inputValue("#credential")) === "", `voter ${n}: credential accepted and cleared from the field`);

  // Choices; the option labels (in the page's language) for the checks below.
  const expected = [];
  for (let o = 0; o < approve.length; o++) {
    const title = ((await page.locator(`label[for=c0o${o}]`).textContent()) || "").trim();
    if (approve[o]) { await page.check(`#c0o${o}`); expected.push(title); }
  }
  for (let o = 0; o < scores.length; o++) {
    const title = ((await page.locator(`label[for=c1o${o}]`).textContent()) || "").trim();
    await page.fill(`#c1o${o}`, String(scores[o]));
    if (scores[o] > 0) expected.push(`${title}: ${scores[o]}`);
  }
  await page.click("#choose-form button[type=submit]");
  await visible(page, "#step-review");
  const review = (await page.locator("#review-list dd").allTextContents()).map((s) => s.trim());
  check(JSON.stringify(review) === JSON.stringify(expected), `voter ${n}: review shows ${JSON.stringify(review)}`);

  let sealed = await timedEncrypt(page, "#encrypt");
  console.log(`     voter ${n} (${lang}): encrypt + prove in Chromium: ${sealed.ms.toFixed(0)} ms (page's own seal timing ${await page.evaluate(() => document.body.dataset.sealMs)} ms)`);
  check(sealed.code.length > 0, `voter ${n}: tracking code shown: ${sealed.code}`);

  if (doAudit) {
    const posted = page.waitForResponse((r) => r.url().endsWith("/spoiled") && r.request().method() === "POST", { timeout: 60000 });
    await page.click("#audit");
    await visible(page, "#step-audit");
    const resp = await posted;
    check(resp.ok(), `voter ${n}: audited ballot posted to the board (${resp.status()})`);
    const auditCode = ((await page.locator("#audit-code").textContent()) || "").trim();
    check(auditCode === sealed.code, `voter ${n}: audit is of the tracking code shown (${auditCode})`);
    const shown = (await page.locator("#audit-list dd").allTextContents()).map((s) => s.trim());
    check(JSON.stringify(shown) === JSON.stringify(expected), `voter ${n}: audit shows the choices ${JSON.stringify(shown)}`);
    const verdict = ((await page.locator("#audit-verdict").textContent()) || "").trim();
    check(verdict === "", `voter ${n}: no audit mismatch${verdict ? ": " + verdict : ""}`);
    const again = await timedEncrypt(page, "#audit-continue");
    console.log(`     voter ${n} (${lang}): encrypt + prove afresh after the audit: ${again.ms.toFixed(0)} ms`);
    check(again.code.length > 0 && again.code !== sealed.code, `voter ${n}: a new tracking code after the audit: ${again.code}`);
    sealed = again;
  }

  await page.click("#cast");
  await visible(page, "#step-done");
  const done = ((await page.locator("#done-code").textContent()) || "").trim();
  check(done === sealed.code, `voter ${n}: cast, receipt tracking code ${done} is the one shown before casting`);

  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 30000 }), page.click("#download-receipt")]);
  const receiptPath = join(outDir, `receipt-voter${n}.json`);
  await download.saveAs(receiptPath);
  const receipt = JSON.parse(readFileSync(receiptPath, "utf8"));
  check(receipt.short_code === done, `voter ${n}: receipt downloaded (${download.suggestedFilename()}), short code ${receipt.short_code}`);

  await visible(page, "#step-check");
  await page.setInputFiles("#receipt-file", receiptPath);
  await page.click("#check-form button[type=submit]");
  await until(page, () => (document.getElementById("check-result").textContent || "") !== "" || !document.getElementById("error").hidden, "the receipt check");
  const result = ((await page.locator("#check-result").textContent()) || "").trim();
  const cls = await page.getAttribute("#check-result", "class");
  const err = (await page.locator("#error").isVisible()) ? await page.locator("#error").textContent() : "";
  check(cls === "ok" && result.includes(done), `voter ${n}: receipt checked on the page: "${result}"${err ? " error: " + err : ""}`);

  check(problems.length === 0, `voter ${n}: no console error or CSP violation${problems.length ? ": " + problems.join("; ") : ""}`);
  await page.close();
}

const userDataDir = mkdtempSync(join(tmpdir(), "urna-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  acceptDownloads: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  locale: "en-US",
});
try {
  await vote(context, { n: 1, lang: "en", cred: cred1, approve: [1, 0, 1], scores: [4, 2], doAudit: true });
  await vote(context, { n: 2, lang: "ru", cred: cred2, approve: [0, 1, 0], scores: [5, 0], doAudit: false });
} catch (e) {
  check(false, `browser flow: ${e && e.stack ? e.stack : e}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
if (failures.length) {
  console.error(`${failures.length} browser check(s) failed`);
  process.exit(1);
}
console.log("browser vote test passed");
