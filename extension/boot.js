// Starts the Go WebAssembly module that renders the page. Everything else happens in Go (wasm/).
"use strict";
(async () => {
  const go = new Go();
  try {
    const { instance } = await WebAssembly.instantiateStreaming(fetch("ponte.wasm"), go.importObject);
    await go.run(instance);
  } catch (e) {
    document.getElementById("app").textContent = "Ponte: " + e;
  }
})();
