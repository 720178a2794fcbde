// Starts the Go WebAssembly module that renders the page. Everything else happens in Go (wasm/).
"use strict";
// Permission buttons need the browser's API inside the click, before Go sees it (permission.mjs).
import("./permission.mjs").then((m) => m.install(), (e) => console.warn("Ponte:", e));
(async () => {
  const go = new Go();
  // The SHA-256/512 hasher for files (hash/sha.mjs); Go waits for ponteHashReady, and hashes by itself
  // if the hasher could not be loaded.
  globalThis.ponteHashReady = import("./hash/sha.mjs")
    .then((m) => m.install(globalThis, fetch("hash/sha.wasm"), "hash/worker.mjs"))
    .catch((e) => console.warn("Ponte: fast hashing unavailable:", e));
  try {
    const { instance } = await WebAssembly.instantiateStreaming(fetch("ponte.wasm"), go.importObject);
    await go.run(instance);
  } catch (e) {
    document.getElementById("app").textContent = "Ponte: " + e;
  }
})();
