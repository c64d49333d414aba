// Headless-Chromium smoke test of the voting page served by a real board.
// Usage: node smoke.mjs <page URL, e.g. http://127.0.0.1:PORT/vote/ID> <election fingerprint>
// Driven by bulletin-board/tests/browser.rs (scripts/test-browser).
//
// Checks: a fragment naming another election than the path is refused;
// the page and its WebAssembly load under the board's CSP with no
// CSP violation or console error; the SHA-256 of the wasm the page shows
// equals pkg/SHA256SUMS; the election loads from the fingerprint; an
// invalid credential gets a clear message, in English and in Russian;
// axe-core finds no serious or critical violation; a voter makes their own
// credential (spec/client.md §8.4): the code and the public credential are
// shown with the warning, copy and download give exactly the public
// credential, the code typed back (in another spelling) gives the same
// public credential, a mistyped code is refused, hiding removes the code.
import { chromium } from "playwright-core";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const [pageUrl, fingerprint] = process.argv.slice(2);
if (!pageUrl || !fingerprint) {
  console.error("usage: node smoke.mjs <page URL> <fingerprint>");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const sums = readFileSync(join(here, "../../wasm/www/pkg/SHA256SUMS"), "utf8");
const expectedHash = (sums.split("\n").find((l) => l.includes("urna_bg.wasm")) || "").split(/\s+/)[0];

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

const userDataDir = mkdtempSync(join(tmpdir(), "urna-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  locale: "en-US",
});
try {
  const page = context.pages()[0] || (await context.newPage());
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !/favicon/.test(m.text() + (m.location().url || ""))) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });

  // docs/attacks.md G9: a fragment naming another election than the path
  // is refused, and nothing is loaded (its own tab: a hash-only change
  // would not reload the page).
  {
    const other = await context.newPage();
    await other.goto(`${pageUrl}#e=look-alike&fp=${encodeURIComponent(fingerprint)}`);
    await other.locator("#error").waitFor({ state: "visible", timeout: 30000 });
    check((await other.locator("#error").getAttribute("data-code")) === "ERR_LINK_MISMATCH",
      `a fragment naming another election is refused: "${((await other.locator("#error").textContent()) || "").trim().slice(0, 60)}…"`);
    check(await other.locator("#step-credential").isHidden(), "…and no election is loaded");
    await other.close();
  }

  const t0 = Date.now();
  const res = await page.goto(`${pageUrl}#fp=${encodeURIComponent(fingerprint)}`);
  check(res && res.status() === 200, `GET page: ${res && res.status()}`);
  const csp = res ? (await res.allHeaders())["content-security-policy"] || "" : "";
  check(csp.includes("'wasm-unsafe-eval'") && !csp.includes("unsafe-inline"), "page CSP allows wasm, no inline");

  await page.locator("#step-credential").waitFor({ state: "visible", timeout: 30000 });
  console.log(`     election loaded in ${Date.now() - t0} ms`);
  const shown = await page.locator("#client-hash").getAttribute("data-sha256");
  check(shown === expectedHash, `wasm SHA-256 shown (${shown}) equals SHA256SUMS (${expectedHash})`);
  const title = (await page.locator("#election-title").textContent()) || "";
  check(title.trim().length > 0, `election title shown: "${title.trim()}"`);

  // Accessibility (axe-core, injected through the DevTools protocol, which the CSP does not govern).
  await page.evaluate(axeSource);
  const axe = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  const bad = axe.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of axe) console.log(`     axe: ${v.impact} ${v.id} (${v.nodes} nodes)`);
  check(bad.length === 0, `axe-core: no serious or critical violation (${axe.length} minor/moderate)`);

  // An invalid credential: a clear message, in English…
  await page.fill("#credential", "NOT-A-CODE");
  await page.click("#credential-form button[type=submit]");
  await page.locator("#error").waitFor({ state: "visible", timeout: 10000 });
  const en = (await page.locator("#error").textContent()) || "";
  check(/credential code/i.test(en), `invalid credential (en): "${en.trim()}"`);
  const cred = await page.inputValue("#credential");
  console.log(`     credential field after refusal: ${cred === "" ? "cleared" : "kept"}`);

  // …and in Russian.
  await page.selectOption("#lang", "ru");
  check((await page.getAttribute("html", "lang")) === "ru", "language switched to ru");
  await page.fill("#credential", "NOT-A-CODE");
  await page.click("#credential-form button[type=submit]");
  await page.waitForFunction(() => /[а-яё]/i.test(document.getElementById("error").textContent || ""));
  const ru = (await page.locator("#error").textContent()) || "";
  check(/код/i.test(ru), `invalid credential (ru): "${ru.trim()}"`);

  // Making one's own credential, in Russian first.
  const origin = new URL(pageUrl).origin;
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  check(await page.locator("#make-entry").isVisible(), "the make-your-own-credential link is shown");
  check(/удостоверение/.test(await page.textContent("#make-open")), `its text in Russian: "${(await page.textContent("#make-open")).trim()}"`);
  await page.click("#make-open");
  await page.locator("#step-make").waitFor({ state: "visible", timeout: 5000 });
  check(await page.locator("#step-credential").isHidden(), "the make step replaces the credential step");
  await page.click("#make-generate");
  await page.locator("#make-result").waitFor({ state: "visible", timeout: 10000 });
  const code = ((await page.textContent("#make-code")) || "").trim();
  check(/^[0-9A-Z]{6}(-[0-9A-Z]{6}){8}$/.test(code), `a credential code is shown (${code.length} characters, 9 groups)`);
  const publicCredential = ((await page.textContent("#make-public")) || "").trim();
  check(/^[0-9a-f]{64}$/.test(publicCredential), `the public credential is 64 lower-case hex digits: ${publicCredential}`);
  const warningRu = (await page.locator(".warning").textContent()) || "";
  check(/нельзя восстановить/.test(warningRu), `the warning in Russian: "${warningRu.trim().slice(0, 60)}…"`);
  check(await page.locator("#make-generate").isHidden(), "one credential per visit: the make button is gone");
  // Back to English for the rest.
  await page.selectOption("#lang", "en");
  const warning = (await page.locator(".warning").textContent()) || "";
  check(/write this code down/i.test(warning) && /cannot be recovered/.test(warning) && /secret/.test(warning),
    `the warning in English: "${warning.trim()}"`);
  // Copy.
  await page.click("#make-copy");
  // (Locators, not waitForFunction: the page's CSP forbids the eval it needs.)
  await page.locator("#make-copied:not(:empty)").waitFor({ timeout: 5000 });
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  check(copied === publicCredential, `copy puts exactly the public credential on the clipboard (${(await page.textContent("#make-copied")).trim()})`);
  // Download.
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#make-download")]);
  const saved = readFileSync(await dl.path(), "utf8");
  check(saved === `${publicCredential}\n` && /^public-credential-[a-z0-9_-]+\.txt$/.test(dl.suggestedFilename()),
    `download ${dl.suggestedFilename()} holds exactly the public credential`);
  check(!saved.includes(code.slice(0, 6)), "the file holds no part of the secret code");
  // Accessibility of the make step.
  const axeMake = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
  });
  check(axeMake.length === 0, `axe-core on the make step: no serious or critical violation ${axeMake.join(" ")}`);
  // The code typed back, lower case and without dashes, gives the same public credential.
  await page.fill("#make-check", code.replaceAll("-", "").toLowerCase());
  await page.click("#make-check-form button[type=submit]");
  await page.locator("#make-check-result[data-ok]").waitFor({ timeout: 5000 });
  check((await page.getAttribute("#make-check-result", "data-ok")) === "true",
    `the code parses back to the same public credential: "${(await page.textContent("#make-check-result")).trim()}"`);
  check((await page.inputValue("#make-check")) === "", "the typed code is cleared");
  // A mistyped code (two characters swapped) is refused by its checksum.
  const chars = code.replaceAll("-", "").split("");
  const i = chars.findIndex((c, j) => j > 0 && c !== chars[j - 1]);
  [chars[i - 1], chars[i]] = [chars[i], chars[i - 1]];
  await page.fill("#make-check", chars.join(""));
  await page.click("#make-check-form button[type=submit]");
  await page.locator("#error").waitFor({ state: "visible", timeout: 5000 });
  const typo = (await page.getAttribute("#error", "data-code")) || "";
  check(typo === "ERR_CREDENTIAL_CHECKSUM", `a mistyped code is refused: ${typo} "${(await page.textContent("#error")).trim()}"`);
  // Hide the code: gone from the page.
  await page.click("#make-hide");
  check((await page.textContent("#make-code")) === "" && (await page.locator("#make-code-box").isHidden()),
    "hiding removes the code from the page");
  check(!(await page.content()).includes(code), "the code is nowhere in the page any more");
  // Back to voting.
  await page.click("#make-back");
  check(await page.locator("#step-credential").isVisible(), "back returns to the credential step");

  check(problems.length === 0, `no console error or CSP violation${problems.length ? ": " + problems.join("; ") : ""}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
if (failures.length) {
  console.error(`${failures.length} browser check(s) failed`);
  process.exit(1);
}
console.log("browser smoke test passed");
