// Starts the Go WebAssembly module that renders the page. Everything else happens in Go (wasm/).
// The page names its module in <body data-module>: cards.wasm (the card list of app.html and the popup,
// without renewal, signing or verification) or ponte.wasm (every screen; the default). A page that says
// data-prefetch="ponte" compiles ponte.wasm while idle; when cards.wasm meets an action it lacks
// (RINNOVA, PIN management…) it calls ponteHandover and ponte.wasm takes the page over, replaying the
// action (wasm/handover_cards.go, wasm/replay.go).
"use strict";
// Permission buttons need the browser's API inside the click, before Go sees it (permission.mjs).
import("./permission.mjs").then((m) => m.install(), (e) => console.warn("Ponte:", e));
(() => {
  const page = document.body.dataset;
  const fail = (e) => { document.getElementById("app").textContent = "Ponte: " + e; };
  // The SHA-256/512 hasher for files (hash/sha.mjs); Go waits for ponteHashReady, and hashes by itself
  // if the hasher could not be loaded.
  globalThis.ponteHashReady = import("./hash/sha.mjs")
    .then((m) => m.install(globalThis, fetch("hash/sha.wasm"), "hash/worker.mjs"))
    .catch((e) => console.warn("Ponte: fast hashing unavailable:", e));
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
      const go = new Go();
      const { instance } = await WebAssembly.instantiateStreaming(fetch((page.module || "ponte") + ".wasm"),
        go.importObject);
      if (page.prefetch === "ponte") {
        const idle = globalThis.requestIdleCallback || ((f) => setTimeout(f, 200));
        idle(() => compileFull().catch((e) => console.warn("Ponte:", e)), { timeout: 2000 });
      }
      await go.run(instance);
    } catch (e) {
      fail(e);
    }
  })();
})();
