// Starts the Go WebAssembly module that renders the page. Everything else happens in Go (wasm/).
// The page names its module in <body data-module>: cards.wasm (the card list of app.html and the popup,
// without renewal, signing or verification) or ponte.wasm (every screen; the default). A page that says
// data-prefetch="ponte" compiles ponte.wasm while idle; when cards.wasm meets an action it lacks
// (RINNOVA, PIN management…) it calls ponteHandover and ponte.wasm takes the page over, replaying the
// action (wasm/handover_cards.go, wasm/replay.go).
"use strict";
// A page that says data-first="hello" (app.html, the popup) does not wait for its module to show that the
// host is there: boot.js opens the native port and says hello itself, at once, and shows the host's
// version in the catalogue's words; the module then takes over the port, the answer and whatever the host
// sent meanwhile (wasm/transport.go, adoptBoot). If the hello fails nothing is shown here: the module dials
// again and shows the failure as always.
const HOST = "it.ponte.host"; // internal/ids.HostName
const PROTOCOL = 1;           // internal/protocol.Version
if (document.body.dataset.first === "hello" && globalThis.chrome && chrome.runtime && chrome.runtime.connectNative) {
  const rt = chrome.runtime, m = rt.getManifest();
  const boot = { port: rt.connectNative(HOST), queue: [], deliver: null, closed: "", onClose: null };
  boot.hello = new Promise((resolve, reject) => {
    boot.port.onMessage.addListener((msg) => {
      if (msg && msg.id === "boot-hello") {
        if (msg.error) reject(new Error(msg.error.message || msg.error.code));
        else resolve(JSON.stringify(msg.result));
      } else if (boot.deliver) boot.deliver(JSON.stringify(msg));
      else boot.queue.push(JSON.stringify(msg));
    });
    // Chrome puts the reason in runtime.lastError, Firefox in the port's error (as wasm/transport.go).
    boot.port.onDisconnect.addListener((p) => {
      boot.closed = (rt.lastError && rt.lastError.message) || (p && p.error && p.error.message) || "native host disconnected";
      reject(new Error(boot.closed));
      if (boot.onClose) boot.onClose(boot.closed);
    });
  });
  boot.port.postMessage({ id: "boot-hello", command: "hello",
    params: { protocol: PROTOCOL, client: "ponte-wasm " + (m.version_name || m.version) } });
  globalThis.ponteBoot = boot;
  // The module starts running once this is drawn: its start holds the page's thread for a while.
  globalThis.ponteBootPainted = paintHello(boot.hello).catch(() => {}); // a failed hello is the module's to show
}

// paintHello shows the host's answer as the module's "hoststatus" view does (internal/ui/layoutview.go),
// unless the module has drawn first. data-conn="hello": the module's own drawing says "connected".
async function paintHello(hello) {
  const [i18n, text] = await Promise.all([import("./i18n.mjs"), hello]);
  const lang = i18n.pickLang(localStorage.getItem("ponte.lang") || navigator.language);
  const words = await i18n.messages(lang);
  const app = document.getElementById("app");
  if (!app || app.querySelector("#host-status")) return;
  const h = JSON.parse(text), t = (key) => i18n.format(words, key);
  const el = (tag, props, ...kids) => { const e = Object.assign(document.createElement(tag), props); e.append(...kids); return e; };
  const section = el("section", { className: "card", id: "host-status" }, el("h2", {}, t("hostConnected")),
    el("dl", {}, el("dt", {}, t("hostVersion")), el("dd", { id: "host-version" }, String(h.version)),
      el("dt", {}, t("transport")), el("dd", { id: "host-transport" }, t("transportNative")),
      el("dt", {}, t("system")), el("dd", {}, String(h.os))));
  section.dataset.conn = "hello";
  document.documentElement.lang = lang;
  app.replaceChildren(el("main", { className: document.body.classList.contains("popup") ? "popup" : "" }, section));
}
// Permission buttons need the browser's API inside the click, before Go sees it (permission.mjs).
import("./permission.mjs").then((m) => m.install(), (e) => console.warn("Ponte:", e));
(() => {
  const page = document.body.dataset;
  const fail = (e) => { document.getElementById("app").textContent = "Ponte: " + e; };
  // The SHA-256/512 hasher for files (hash/sha.mjs), on the pages that sign or verify; Go waits for
  // ponteHashReady, and hashes by itself if the hasher could not be loaded.
  if (page.module !== "cards") {
    globalThis.ponteHashReady = import("./hash/sha.mjs")
      .then((m) => m.install(globalThis, fetch("hash/sha.wasm"), "hash/worker.mjs"))
      .catch((e) => console.warn("Ponte: fast hashing unavailable:", e));
  }
  let full; // the promise of ponte.wasm compiled, once asked for
  const compileFull = () => (full ||= WebAssembly.compileStreaming(fetch("ponte.wasm")));
  globalThis.ponteHandover = async (replay) => {
    globalThis.ponteReplay = replay;
    try {
      const go = new Go();
      await go.run(await WebAssembly.instantiate(await compileFull(), go.importObject));
    } catch (e) {
      fail(e);
    }
  };
  (async () => {
    try {
      // The module is fetched once the first screen is up (or a second has passed without it): compiling
      // it meanwhile slows the host's start and the hello by as much again (make bench).
      await Promise.race([globalThis.ponteBootPainted, new Promise((r) => setTimeout(r, 1000))]);
      const go = new Go();
      const { instance } = await WebAssembly.instantiateStreaming(fetch((page.module || "ponte") + ".wasm"),
        go.importObject);
      if (page.prefetch === "ponte") {
        const idle = globalThis.requestIdleCallback || ((f) => setTimeout(f, 200));
        // A failed prefetch is tried again by the hand-over itself.
        idle(() => compileFull().catch((e) => { full = null; console.warn("Ponte:", e); }), { timeout: 2000 });
      }
      await go.run(instance);
    } catch (e) {
      fail(e);
    }
  })();
})();
