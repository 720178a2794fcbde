// The worker's messages, from the same _locales files as the pages, in the language the pages pick
// (internal/ui.PickLang: English for "en*", Italian for everything else) rather than the browser's
// interface locale, which chrome.i18n uses and which may lack Italian.
const cache = new Map();

export function pickLang(browser) {
  return String(browser || "").toLowerCase().startsWith("en") ? "en" : "it";
}

// format replaces $1..$9 with subs, as chrome.i18n and internal/ui.Catalog do.
export function format(messages, key, subs = []) {
  const m = messages[String(key).toLowerCase()];
  if (m === undefined) return key;
  return m.replace(/\$([1-9])/g, (all, n) => (subs[n - 1] === undefined ? all : String(subs[n - 1])));
}

// parse turns a messages.json text into { lowercased key: message }.
export function parse(text) {
  const out = {};
  for (const [k, v] of Object.entries(JSON.parse(text))) out[k.toLowerCase()] = v.message;
  return out;
}

export async function messages(lang) {
  lang = pickLang(lang);
  if (!cache.has(lang)) {
    const r = await fetch(chrome.runtime.getURL(`_locales/${lang}/messages.json`));
    cache.set(lang, parse(await r.text()));
  }
  return cache.get(lang);
}
