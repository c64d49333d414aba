// The voting page. All cryptography runs in the WebAssembly of
// voter-client (pkg/); this file only shows, asks and fetches.
// URLs are relative to the page (no host name): it works under any host,
// including an onion address. The page is served at <prefix>/vote/<election>
// with its files at <prefix>/vote/; the board's API is at <prefix>/api/.
// The fragment may carry the fingerprint and, on a page without an election
// in its path, the election: #fp=…&e=… (a fragment is never sent to the server).

import { LANGUAGES, has, pickLanguage, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const state = {
  lang: pickLanguage(),
  wasm: null,
  election: null,
  manifest: null,
  boardKey: null,
  draft: null,
  sealed: null,
  file: null,
  audit: null,
  receipt: null,
  values: [],
  chosen: null,
  error: null,
};

// ---------- paths ----------
const fragment = new URLSearchParams(location.hash.slice(1));
const pathMatch = location.pathname.match(/^(.*\/)vote\/([a-z0-9_-]{1,64})\/?$/);
const prefix = pathMatch ? pathMatch[1] : location.pathname.replace(/vote\/[^/]*$/, "").replace(/[^/]*$/, "");
const apiBase = prefix + "api/";
// The election is the one the path names; the fragment's `e=` may name it
// only on a page without one (/vote/). A fragment that names another
// election than the path is refused (docs/attacks.md G9): otherwise a
// look-alike election could be loaded under the real election's URL.
const pathElection = pathMatch ? pathMatch[2] : null;
const fragmentElection = fragment.get("e");
const linkMismatch = Boolean(pathElection && fragmentElection && fragmentElection !== pathElection);
const electionId = pathElection || fragmentElection;

// ---------- text ----------
function tr(key, values) { return t(state.lang, key, values); }

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = tr(el.dataset.t);
  document.title = state.manifest ? `${localized(state.manifest.title)} — Urna` : `${tr("title")} — Urna`;
  if (state.manifest) renderElection();
  if (state.error) showError(state.error);
}

function localized(text) {
  if (!text) return "";
  return text[state.lang] || (state.manifest && text[state.manifest.default_language]) || Object.values(text)[0] || "";
}

function show(step) {
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== step;
  // The way to make one's own credential, wherever the page is, once the wasm runs.
  $("make-entry").hidden = !state.wasm || step === "step-make";
  if (step === "step-done") $("step-check").hidden = false;
  const h = $(step).querySelector("h2, label, p");
  $("main").focus({ preventScroll: false });
  if (h) h.scrollIntoView({ block: "nearest" });
}

function status(text) { $("status").textContent = text || ""; }

function parseError(e) {
  if (e && typeof e === "object" && e.code) return e;
  try { const j = JSON.parse(String(e)); if (j && j.code) return j; } catch (_) { /* not JSON */ }
  return { code: "ERR_INTERNAL", message: String(e && e.message ? e.message : e) };
}

function errorText(err) {
  const d = err.detail || {};
  const values = { ...d, message: err.message || err.code };
  if (typeof d.contest === "number" && state.manifest) {
    values.contest = localized(state.manifest.contests[d.contest].title);
  }
  if (has(err.code)) return tr(err.code, values);
  return tr("err_generic", values);
}

function showError(err) {
  state.error = err;
  const box = $("error");
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = errorText(err);
  box.dataset.code = err.code;
  box.hidden = false;
}

function clearError() { showError(null); }

// ---------- network ----------
async function getJson(path) {
  let r;
  try { r = await fetch(apiBase + path, { credentials: "omit", cache: "no-store" }); }
  catch (e) { throw { code: "ERR_TRANSPORT", message: String(e) }; }
  const text = await r.text();
  if (!r.ok) throw boardError(r.status, text);
  return text;
}

async function postEntry(path, entryHex) {
  return postJson(path, JSON.stringify({ entry: entryHex }));
}

async function postJson(path, body) {
  let r;
  try {
    r = await fetch(apiBase + path, {
      method: "POST", credentials: "omit", cache: "no-store",
      headers: { "content-type": "application/json" },
      body,
    });
  } catch (e) { throw { code: "ERR_TRANSPORT", message: String(e) }; }
  const text = await r.text();
  if (!r.ok) throw boardError(r.status, text);
  // 202: a mirror queued the ballot for the board (spec/api.md §8.3); the
  // same submission later returns the board's receipt.
  if (r.status === 202) throw { code: "ERR_QUEUED", message: text };
  return text;
}

function boardError(statusCode, text) {
  try { const j = JSON.parse(text); if (j.code) return { code: j.code, message: j.message }; } catch (_) { /* not JSON */ }
  return { code: statusCode >= 500 ? "ERR_TRANSPORT" : "ERR_HTTP", message: `HTTP ${statusCode}` };
}

function download(name, bytes, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement("a");
  a.href = url; a.download = name; a.rel = "noopener";
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------- start ----------
async function start() {
  const select = $("lang");
  for (const [code, name] of LANGUAGES) {
    const o = document.createElement("option");
    o.value = code; o.textContent = name; o.lang = code;
    select.append(o);
  }
  select.value = state.lang;
  select.addEventListener("change", () => { state.lang = select.value; applyLanguage(); });
  applyLanguage();

  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    show("step-nowasm");
    return;
  }
  // No Web Crypto, no ballot: there is no weaker fallback (docs/attacks.md G1).
  if (!globalThis.crypto || typeof globalThis.crypto.getRandomValues !== "function") {
    showError({ code: "ERR_NO_SECURE_RNG" });
    return;
  }
  status(tr("loading"));
  try {
    const wasmUrl = new URL("./pkg/urna_bg.wasm", import.meta.url);
    const bytes = await (await fetch(wasmUrl, { credentials: "omit" })).arrayBuffer();
    if (globalThis.crypto.subtle) {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
      $("client-hash").textContent = tr("client_hash", { hash: hex });
      $("client-hash").dataset.sha256 = hex;
    }
    const mod = await import("./pkg/urna.js");
    await mod.default({ module_or_path: bytes });
    state.wasm = mod;
    mod.checkSecureRng();
  } catch (e) {
    const err = parseError(e);
    showError(err.code === "ERR_INTERNAL" && typeof WebAssembly !== "object" ? { code: "ERR_NO_WASM" } : err);
    status("");
    if (err.code !== "ERR_NO_SECURE_RNG") show("step-nowasm");
    return;
  }
  $("make-entry").hidden = false;
  // `#make`: the organizers' link for voters who make their own credential
  // (the election need not be open, nor its credential list posted).
  if (fragment.has("make")) { status(""); openMake(); return; }
  if (linkMismatch) { status(""); showError({ code: "ERR_LINK_MISMATCH" }); return; }
  if (!electionId) { status(""); show("step-check"); return; }
  try {
    const info = JSON.parse(await getJson("board"));
    state.boardKey = info.board_key;
    state.bundle = await loadBundle();
  } catch (e) { status(""); showError(parseError(e)); return; }
  status("");
  const fp = fragment.get("fp");
  if (fp) loadElection(fp); else show("step-fingerprint");
}

async function loadBundle() {
  const rows = [];
  for (;;) {
    const page = JSON.parse(await getJson(`elections/${electionId}/entries?start=${rows.length}&end=${rows.length + 1000}`));
    rows.push(...page.entries);
    const bundle = state.wasm.bundleFromEntries(JSON.stringify({ entries: rows }), state.boardKey);
    if (bundle) return bundle;
    if (page.entries.length === 0 || rows.length >= page.tree_size) throw { code: "ERR_ELECTION_NOT_OPEN" };
  }
}

function loadElection(fp) {
  clearError();
  try {
    state.election = new state.wasm.WasmElection(state.bundle, fp);
  } catch (e) { showError(parseError(e)); show("step-fingerprint"); return; }
  state.manifest = JSON.parse(state.election.manifestJson());
  state.values = state.manifest.contests.map((c) => c.options.map(() => 0));
  renderElection();
  show("step-credential");
  $("credential").focus();
}

// ---------- rendering ----------
function ruleText(c) {
  switch (c.kind) {
    case "approval": return c.min === c.max ? tr("choose_exactly", { n: c.min }) : tr("choose_at_least", { min: c.min, max: c.max });
    case "score": return tr("score_range", { max: c.max_score });
    case "budget": return tr("budget_range", { max: c.max_per_option, budget: c.budget });
    default: return "";
  }
}

function renderElection() {
  const m = state.manifest;
  $("title").textContent = localized(m.title);
  $("election-title").textContent = localized(m.title);
  $("election-description").textContent = localized(m.description);
  $("fingerprint-ok").textContent = tr("fingerprint_ok", { fp: state.election.shortFingerprint() });
  renderContests();
  if (!$("step-review").hidden) renderReview();
}

function renderContests() {
  const box = $("contests");
  box.replaceChildren();
  state.manifest.contests.forEach((c, ci) => {
    const fs = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = localized(c.title);
    const rule = document.createElement("p");
    rule.className = "help"; rule.id = `rule-${ci}`; rule.textContent = ruleText(c);
    fs.append(legend, rule);
    fs.setAttribute("aria-describedby", rule.id);
    const single = c.kind === "approval" && c.min === 1 && c.max === 1;
    c.options.forEach((o, oi) => {
      const row = document.createElement("div");
      row.className = "option";
      const input = document.createElement("input");
      input.id = `c${ci}o${oi}`;
      if (c.kind === "approval") {
        input.type = single ? "radio" : "checkbox";
        input.name = `contest-${ci}`;
        input.checked = state.values[ci][oi] === 1;
        input.addEventListener("change", () => {
          if (single) state.values[ci] = state.values[ci].map(() => 0);
          state.values[ci][oi] = input.checked ? 1 : 0;
        });
      } else {
        input.type = "number"; input.min = "0"; input.inputMode = "numeric";
        input.max = String(c.kind === "score" ? c.max_score : c.max_per_option);
        input.value = String(state.values[ci][oi]);
        input.addEventListener("input", () => {
          const v = Number.parseInt(input.value, 10);
          state.values[ci][oi] = Number.isFinite(v) && v >= 0 ? v : 0;
        });
      }
      const label = document.createElement("label");
      label.htmlFor = input.id;
      label.textContent = localized(o.title);
      label.style.margin = "0";
      row.append(input, label);
      fs.append(row);
    });
    box.append(fs);
  });
}

function renderReview() {
  const dl = $("review-list");
  dl.replaceChildren();
  state.manifest.contests.forEach((c, ci) => {
    const dt = document.createElement("dt");
    dt.textContent = localized(c.title);
    dl.append(dt);
    const chosen = c.options.map((o, oi) => [o, state.values[ci][oi]]).filter(([, v]) => v > 0);
    if (chosen.length === 0) {
      const dd = document.createElement("dd"); dd.textContent = tr("nothing_chosen"); dl.append(dd);
    }
    for (const [o, v] of chosen) {
      const dd = document.createElement("dd");
      dd.textContent = c.kind === "approval" ? localized(o.title) : `${localized(o.title)}: ${v}`;
      dl.append(dd);
    }
  });
}

// ---------- steps ----------
function onFingerprint(ev) {
  ev.preventDefault();
  loadElection($("fingerprint").value);
}

function onCredential(ev) {
  ev.preventDefault();
  clearError();
  const input = $("credential");
  try {
    state.draft = new state.wasm.WasmDraft(state.election, input.value);
  } catch (e) { showError(parseError(e)); input.focus(); return; }
  input.value = ""; // the code lives only inside the wasm from now on (G7)
  show("step-choose");
}

function onReview(ev) {
  ev.preventDefault();
  clearError();
  try {
    state.values.forEach((row, ci) => row.forEach((v, oi) => state.draft.set(ci, oi, v)));
    state.draft.check();
  } catch (e) { showError(parseError(e)); return; }
  renderReview();
  show("step-review");
}

function seal() {
  clearError();
  status(tr("encrypting"));
  const t0 = performance.now();
  try {
    state.chosen = state.draft.choicesJson();
    state.sealed = state.draft.seal(); // consumes the draft
    state.draft = null;
  } catch (e) { status(""); showError(parseError(e)); return; }
  document.body.dataset.sealMs = (performance.now() - t0).toFixed(1);
  status("");
  $("tracking-code").textContent = state.sealed.shortCode();
  show("step-sealed");
  $("cast").focus();
}

async function cast() {
  clearError();
  if (state.sealed) { state.file = state.sealed.intoBallotFile(); state.sealed = null; } // randomness dropped (G4)
  const buttons = [$("cast"), $("retry")];
  buttons.forEach((b) => { b.disabled = true; });
  status(tr("casting"));
  try {
    const answer = await postEntry(`elections/${electionId}/ballots`, state.file.entryHex());
    state.receipt = state.file.acceptReceipt(state.election, answer, state.boardKey);
  } catch (e) {
    const err = parseError(e);
    status(""); showError(err);
    if (err.code === "ERR_TRANSPORT" || err.code === "ERR_QUEUED" || err.code === "ERR_RATE_LIMITED" || err.code === "ERR_STORAGE_UNAVAILABLE") show("step-retry");
    return;
  } finally { buttons.forEach((b) => { b.disabled = false; }); }
  status("");
  $("done-code").textContent = JSON.parse(state.receipt).short_code;
  show("step-done");
}

async function audit() {
  clearError();
  const a = state.sealed.audit(); // consumes the sealed ballot: it can never be cast
  state.sealed = null;
  state.audit = a;
  $("audit-code").textContent = a.shortCode();
  let shown;
  try { shown = JSON.parse(a.shownJson()); } catch (e) { showError(parseError(e)); return; }
  const dl = $("audit-list");
  dl.replaceChildren();
  const chosen = JSON.parse(state.chosen);
  let same = true;
  shown.forEach((c, ci) => {
    const contest = state.manifest.contests[ci];
    const dt = document.createElement("dt"); dt.textContent = localized(contest.title); dl.append(dt);
    c.values.forEach(([, v], oi) => {
      if (v !== chosen[ci][oi]) same = false;
      if (v > 0) {
        const dd = document.createElement("dd");
        const title = localized(contest.options[oi].title);
        dd.textContent = contest.kind === "approval" ? title : `${title}: ${v}`;
        dl.append(dd);
      }
    });
  });
  $("audit-verdict").textContent = same ? "" : tr("audit_mismatch");
  $("audit-verdict").className = same ? "" : "error";
  show("step-audit");
  // The entry names no credential; the request (credential and its
  // signature over the tracking code) is checked by the board, never logged.
  try { await postJson(`elections/${electionId}/spoiled`, a.requestJson()); } catch (e) { showError(parseError(e)); }
}

function auditContinue() {
  state.draft = state.audit.takeDraft();
  state.audit = null;
  seal(); // fresh randomness, new tracking code
}

function saveFile() {
  if (state.sealed) { state.file = state.sealed.intoBallotFile(); state.sealed = null; }
  download(`ballot-${state.file.shortCode()}.urna-ballot`, state.file.fileBytes(), "application/octet-stream");
  show("step-retry");
}

async function checkReceiptFile(ev) {
  ev.preventDefault();
  clearError();
  $("check-result").textContent = "";
  const f = $("receipt-file").files[0];
  if (!f) return;
  try {
    const text = await f.text();
    const summary = JSON.parse(state.wasm.checkReceipt(text));
    const latest = JSON.parse(await getJson(`elections/${summary.election}/proof/inclusion?index=${summary.log_index}`));
    state.wasm.checkInclusion(text, JSON.stringify(latest.tree_head), JSON.stringify(latest.inclusion_proof));
    $("check-result").textContent = tr("receipt_ok", { code: summary.short_code, index: summary.log_index });
    $("check-result").className = "ok";
  } catch (e) { showError(parseError(e)); }
}

$("fingerprint-form").addEventListener("submit", onFingerprint);
$("credential-form").addEventListener("submit", onCredential);
$("choose-form").addEventListener("submit", onReview);
$("change").addEventListener("click", () => show("step-choose"));
$("encrypt").addEventListener("click", seal);
$("cast").addEventListener("click", cast);
$("retry").addEventListener("click", cast);
$("audit").addEventListener("click", audit);
$("audit-continue").addEventListener("click", auditContinue);
$("save-file").addEventListener("click", saveFile);
$("retry-save").addEventListener("click", saveFile);
$("download-receipt").addEventListener("click", () => {
  const r = JSON.parse(state.receipt);
  download(`receipt-${r.short_code}.json`, state.receipt, "application/json");
});
$("check-form").addEventListener("submit", checkReceiptFile);


// ---------- making one's own credential (spec/client.md §8.4) ----------
// The secret code is made by the wasm from the platform's secure
// generator, shown once, never stored or sent; only the public credential
// (64 lower-case hex digits) is copied or saved, for the authority.
function openMake() {
  clearError();
  const current = [...document.querySelectorAll("main > section")].find((s) => !s.hidden);
  state.beforeMake = current ? current.id : null;
  show("step-make");
}

function makeCredential() {
  clearError();
  if (state.made) return; // one credential per visit: the voter may already have sent it
  let made;
  try { made = state.wasm.generateCredential(); } catch (e) { showError(parseError(e)); return; }
  try {
    state.made = { public: made.publicCredential() };
    $("make-code").textContent = made.code();
  } finally { made.free(); }
  $("make-public").textContent = state.made.public;
  $("make-generate").hidden = true;
  $("make-result").hidden = false;
  $("make-code").scrollIntoView({ block: "nearest" });
}

function hideMadeCode() {
  $("make-code").textContent = "";
  $("make-code-box").hidden = true;
  $("make-hide").hidden = true;
  $("make-hidden").hidden = false;
}

// A dynamic message that follows the language switch (applyLanguage
// re-translates every [data-t]).
function say(id, key, cls) {
  const el = $(id);
  el.dataset.t = key;
  el.textContent = tr(key);
  el.className = cls || "";
}

async function copyPublic() {
  try {
    await navigator.clipboard.writeText(state.made.public);
    say("make-copied", "copied", "ok");
  } catch (_) {
    const range = document.createRange();
    range.selectNodeContents($("make-public"));
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    say("make-copied", "copy_select");
  }
}

function checkMadeCode(ev) {
  ev.preventDefault();
  clearError();
  const input = $("make-check");
  const code = input.value;
  input.value = "";
  let pub;
  try { pub = state.wasm.publicCredential(code); } catch (e) {
    $("make-check-result").textContent = "";
    showError(parseError(e));
    return;
  }
  const ok = pub === state.made.public;
  say("make-check-result", ok ? "make_check_ok" : "make_check_bad", ok ? "ok" : "error");
  $("make-check-result").dataset.ok = String(ok);
}

$("make-open").addEventListener("click", openMake);
$("make-generate").addEventListener("click", makeCredential);
$("make-hide").addEventListener("click", hideMadeCode);
$("make-copy").addEventListener("click", copyPublic);
$("make-download").addEventListener("click", () => {
  download(`public-credential-${electionId || "urna"}.txt`, `${state.made.public}\n`, "text/plain");
});
$("make-check-form").addEventListener("submit", checkMadeCode);
$("make-back").addEventListener("click", () => {
  clearError();
  if (state.beforeMake) show(state.beforeMake);
  else { $("step-make").hidden = true; $("make-entry").hidden = false; }
});

start();
