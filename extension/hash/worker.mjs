// The hashing side of sha.mjs's HashWorker: slices of a Blob arrive (transferred) in order and are
// hashed here, off the thread that reads them. One hash at a time: start, update…, finish.
import { load, Hasher } from "./sha.mjs";

const ready = load(fetch(new URL("sha.wasm", import.meta.url)));
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
      case "update":
        x.update(new Uint8Array(m.buf));
        postMessage({});
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
