// The hashing side of sha.mjs's HashWorker: buffers holding slices of a Blob arrive (transferred) in
// order, are hashed here, off the thread that reads them, and go back. One hash at a time: start, update…, finish.
import { load, Hasher } from "./sha.mjs";

// Once loaded, a few blocks are hashed for nothing: V8 runs the module with its baseline compiler first
// and optimizes the functions that have run, so the user's file meets the optimized code.
const ready = load(fetch(new URL("sha.wasm", import.meta.url))).then(() => {
  Hasher.named("SHA-256").update(new Uint8Array(256 << 10));
});
let x = null;

onmessage = async (e) => {
  const m = e.data;
  try {
    await ready;
    switch (m.op) {
      case "ping":
        postMessage({});
        break;
      case "start":
        x = new Hasher(m.alg, m.h, m.length, m.pending);
        postMessage({});
        break;
      case "update": // the buffer goes back to be filled again
        x.update(new Uint8Array(m.buf, 0, m.n));
        postMessage({ buf: m.buf }, [m.buf]);
        break;
      case "finish":
        postMessage({ h: x.h, length: x.length, pending: x.pending });
        x = null;
        break;
      default:
        throw new Error(`unknown operation ${m.op}`);
    }
  } catch (err) {
    postMessage({ error: String(err && err.message || err) });
  }
};
