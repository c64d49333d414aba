// Texts of the voting page. The messages are in the Fluent files
// i18n/<lang>.ftl at the top of the repository (shared with the board's
// own pages); i18n-messages.js is generated from them by scripts/build-i18n.
// Keys are the message ids; error texts are keyed by the client's error
// codes (spec/client.md §7). A message's { $name } takes values[name].

import { LANGUAGES, MESSAGES } from "./i18n-messages.js";

export { LANGUAGES };

// The best language of the browser's list, else English.
export function pickLanguage() {
  const known = LANGUAGES.map(([code]) => code);
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (known.includes(base)) return base;
  }
  return "en";
}

function message(lang, key) {
  const own = MESSAGES[lang];
  if (own && Object.hasOwn(own, key)) return own[key];
  return Object.hasOwn(MESSAGES.en, key) ? MESSAGES.en[key] : undefined;
}

// Whether there is a message `key` (in English, which has them all).
export function has(key) {
  return Object.hasOwn(MESSAGES.en, key);
}

// The message `key` in `lang` (else in English, else the key itself).
export function t(lang, key, values = {}) {
  const m = message(lang, key);
  if (m === undefined) return key;
  if (typeof m === "string") return m;
  return m.map((part) => {
    if (typeof part === "string") return part;
    return Object.hasOwn(values, part.v) ? String(values[part.v]) : `{$${part.v}}`;
  }).join("");
}
