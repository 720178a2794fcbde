// SHA-256 and SHA-512 over a File/Blob, for the Go WebAssembly engine (internal/docio, hashfast_js.go):
// slices of the Blob are read by the browser and copied straight into the memory of a small WebAssembly
// module (sha.wat, the FIPS 180-4 compression functions), so the document's bytes never enter Go's memory
// and are hashed several times faster than by Go compiled to WebAssembly.
//
// This file keeps what sha.wat leaves out: the partial block, the message length, and the padding
// (FIPS 180-4 §5.1.1, §5.1.2). The intermediate hash value H travels as big-endian bytes, so a hash can
// be started from (and handed back to) any other implementation's state: Go's crypto/sha256 and
// crypto/sha512 hashes, which keep hashing the bytes that are not in the Blob.

// Where message blocks go in the module's memory (below: H, K and W, see sha.wat).
const DATA = 65536;
// How much of a Blob is hashed at a time: the page reads the Blob's stream into buffers of this size and
// hands each to the hashing worker. 1 MB and 4 MB measured alike here (make bench, within its noise);
// DEPTH + 1 of them exist at once whatever the file's size, so the smaller keeps memory lower.
const SLICE = 1 << 20;
// The most handed to the module per call: V8 first runs a module with its baseline compiler and switches
// to the optimized code only for later calls, so short calls let the optimized code take over early.
const CALL = 64 << 10;

// FIPS 180-4 parameters: block size in bytes, size of H in bytes, where H lives in the module's memory.
const ALGS = {
  256: { block: 64, hsize: 32, hoff: 0, fn: "sha256_blocks" },
  512: { block: 128, hsize: 64, hoff: 64, fn: "sha512_blocks" },
};

// Initial hash values H(0), FIPS 180-4 §5.3, as the big-endian bytes of the words.
export const INITIAL = {
  "SHA-224": [256, "c1059ed8367cd5073070dd17f70e5939ffc00b316858151164f98fa7befa4fa4"],
  "SHA-256": [256, "6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19"],
  "SHA-384": [512, "cbbb9d5dc1059ed8629a292a367cd5079159015a3070dd17152fecd8f70e593967332667ffc00b318eb44a8768581511db0c2e0d64f98fa747b5481dbefa4fa4"],
  "SHA-512": [512, "6a09e667f3bcc908bb67ae8584caa73b3c6ef372fe94f82ba54ff53a5f1d36f1510e527fade682d19b05688c2b3e6c1f1f83d9abfb41bd6b5be0cd19137e2179"],
};
const OUTPUT = { "SHA-224": 28, "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };

// The module's exports once instantiated (one instance serves every hash: H is loaded before each call).
let mod = null;

// load instantiates sha.wasm from a Response, a promise of one, or the module's bytes.
export async function load(source) {
  source = await source;
  if (source instanceof Response) {
    if (!source.ok) throw new Error(`sha: ${source.url}: ${source.status}`);
    source = await source.arrayBuffer();
  }
  const { instance } = await WebAssembly.instantiate(source, {});
  mod = instance.exports;
  return mod;
}

function hex(s) {
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.substr(2 * i, 2), 16);
  return b;
}

// Hasher is one running hash: H (big-endian bytes), the message length so far, the pending partial block.
export class Hasher {
  // alg is 256 (SHA-224/256) or 512 (SHA-384/512); h is H as big-endian bytes; length is the number of
  // message bytes already hashed; pending holds the last length % block of them.
  constructor(alg, h, length = 0, pending = new Uint8Array(0)) {
    const a = ALGS[alg];
    if (!mod) throw new Error("sha: module not loaded");
    if (!a || h.length !== a.hsize || pending.length !== length % a.block) throw new Error("sha: bad state");
    this.a = a;
    this.h = Uint8Array.from(h);
    this.length = length;
    this.pending = Uint8Array.from(pending);
  }

  static named(name) {
    const [alg, h] = INITIAL[name];
    const x = new Hasher(alg, hex(h));
    x.name = name;
    return x;
  }

  // update hashes bytes (a Uint8Array): the pending bytes and the new ones are copied once into the
  // module's memory, whole blocks are compressed, the rest stays pending.
  update(bytes) {
    const { block } = this.a;
    const total = this.pending.length + bytes.length;
    const need = DATA + Math.min(total, SLICE + block);
    if (mod.memory.buffer.byteLength < need) mod.memory.grow(Math.ceil((need - mod.memory.buffer.byteLength) / 65536));
    let done = 0; // of bytes
    let pend = this.pending;
    this.load();
    while (pend.length + (bytes.length - done) >= block) {
      const take = Math.min(bytes.length - done, SLICE - pend.length);
      const mem = new Uint8Array(mod.memory.buffer);
      mem.set(pend, DATA);
      mem.set(bytes.subarray(done, done + take), DATA + pend.length);
      const n = Math.floor((pend.length + take) / block);
      for (let i = 0; i < n; i += CALL / block) mod[this.a.fn](DATA + i * block, Math.min(CALL / block, n - i));
      pend = mem.slice(DATA + n * block, DATA + pend.length + take);
      done += take;
    }
    this.store();
    const rest = new Uint8Array(pend.length + bytes.length - done);
    rest.set(pend);
    rest.set(bytes.subarray(done), pend.length);
    this.pending = rest;
    this.length += bytes.length;
  }

  // H into the module's memory, and back: the module keeps H as little-endian words.
  load() {
    const { hsize, hoff } = this.a;
    const dv = new DataView(mod.memory.buffer);
    const w = hsize / 8;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < w; j++) dv.setUint8(hoff + i * w + j, this.h[i * w + w - 1 - j]);
    }
  }

  store() {
    const { hsize, hoff } = this.a;
    const dv = new DataView(mod.memory.buffer);
    const w = hsize / 8;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < w; j++) this.h[i * w + w - 1 - j] = dv.getUint8(hoff + i * w + j);
    }
  }

  // updateBlob hashes blob's bytes [off, end), reading the next slice while hashing the current one.
  async updateBlob(blob, off, end) {
    if (!(off >= 0 && off <= end && end <= blob.size)) throw new Error("sha: range outside the Blob");
    const read = (p) => blob.slice(p, Math.min(end, p + SLICE)).arrayBuffer();
    let next = off < end ? read(off) : null;
    for (let p = off; p < end;) {
      const buf = await next;
      const want = Math.min(end, p + SLICE) - p;
      if (buf.byteLength !== want) throw new Error(`sha: read ${buf.byteLength} bytes of ${want}`);
      p += want;
      next = p < end ? read(p) : null;
      this.update(new Uint8Array(buf));
    }
  }

  // digest pads the message (FIPS 180-4 §5.1.1 for SHA-224/256: a 1 bit, zeros, the 64-bit length in
  // bits; §5.1.2 for SHA-384/512: a 128-bit length) and returns H, truncated for SHA-224/384 (§6.3, §6.5).
  digest() {
    const { block } = this.a;
    const lenBytes = block / 8; // 8 for SHA-256, 16 for SHA-512 (whose length's high 64 bits stay zero here)
    const pad = new Uint8Array((block - ((this.length + 1 + lenBytes) % block)) % block + 1 + lenBytes);
    pad[0] = 0x80;
    new DataView(pad.buffer).setBigUint64(pad.length - 8, BigInt(this.length) * 8n);
    this.update(pad);
    return this.h.slice(0, OUTPUT[this.name] ?? this.h.length);
  }
}

// hashRanges continues the hash whose state is (alg, h, length, pending) over ranges of blob
// ([off0, len0, off1, len1, …]) in this thread, and returns the new state {h, length, pending}.
export async function hashRanges(alg, h, length, pending, blob, ranges, token = {}) {
  const x = new Hasher(alg, h, length, pending);
  for (let i = 0; i < ranges.length; i += 2) {
    if (token.cancelled) throw new Error("sha: cancelled");
    await x.updateBlob(blob, ranges[i], ranges[i] + ranges[i + 1]);
  }
  return { h: x.h, length: x.length, pending: x.pending };
}

// HashWorker runs the hashing in a Web Worker (worker.mjs) while this thread reads the Blob: in Chromium
// a Blob's bytes are delivered on the reading thread, so reading and hashing in one thread take the sum
// of their times, and in two threads about the longer of them. Each buffer read is transferred (not
// copied) to the worker and back; at most DEPTH buffers wait there, so memory stays bounded.
const DEPTH = 2;

class HashWorker {
  constructor(url) {
    this.w = new Worker(url, { type: "module" });
    this.waiting = []; // {resolve, reject} per message that expects an answer, oldest first
    this.queue = Promise.resolve(); // one hash at a time
    this.w.onmessage = (e) => {
      const m = e.data;
      const p = this.waiting.shift();
      if (!p) return;
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m);
    };
    this.w.onerror = (e) => {
      e.preventDefault();
      this.fail(new Error(`sha: worker: ${e.message || "failed"}`));
    };
  }

  fail(err) {
    for (const p of this.waiting.splice(0)) p.reject(err);
    this.broken = err;
  }

  send(msg, transfer = []) {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.w.postMessage(msg, transfer);
    });
  }

  hashRanges(alg, h, length, pending, blob, ranges, token = {}) {
    const run = () => this.run(alg, h, length, pending, blob, ranges, token);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  async run(alg, h, length, pending, blob, ranges, token) {
    const acks = [];
    const pool = []; // buffers back from the worker
    // One buffer being filled across ranges (the worker hashes their concatenation): SLICE bytes, sent
    // to the worker once full and sent back once hashed, to be filled again — DEPTH + 1 buffers in all,
    // whatever the file's size, and no garbage left per chunk.
    let ab = new ArrayBuffer(SLICE);
    let buf = new Uint8Array(ab);
    let fill = 0;
    const post = async () => {
      const sent = ab;
      acks.push(this.send({ op: "update", buf: sent, n: fill }, [sent]).then((m) => { pool.push(m.buf); }));
      ab = pool.pop() || new ArrayBuffer(SLICE);
      buf = new Uint8Array(ab);
      fill = 0;
      while (acks.length >= DEPTH) await acks.shift();
    };
    try {
      await this.send({ op: "start", alg, h, length, pending });
      for (let i = 0; i < ranges.length; i += 2) {
        const off = ranges[i];
        const end = off + ranges[i + 1];
        if (!(off >= 0 && off <= end && end <= blob.size)) throw new Error("sha: range outside the Blob");
        if (end - off <= SLICE - fill) {
          // A range that fits in the buffer (a .p7m streamed as BER has hundreds of 4 KB chunks) is read
          // in one go: a stream per small range costs more than its bytes, and hundreds of them in a row
          // were seen to stall Chromium's blob reading under load.
          const bytes = new Uint8Array(await blob.slice(off, end).arrayBuffer());
          if (token.cancelled) throw new Error("sha: cancelled");
          if (bytes.length !== end - off) throw new Error(`sha: read ${bytes.length} bytes of ${end - off}`);
          buf.set(bytes, fill);
          if ((fill += bytes.length) === SLICE) await post();
          continue;
        }
        // Blob.stream() reads faster than slice().arrayBuffer() in Chromium. Its bytes go into the buffer
        // (straight in with a BYOB reader, else copied from its chunks).
        const stream = blob.slice(off, end).stream();
        let byob = null;
        try {
          byob = stream.getReader({ mode: "byob" });
        } catch {
          // not a byte stream here: chunks are copied
        }
        const reader = byob || stream.getReader();
        let got = 0;
        for (;;) {
          if (byob) {
            const { done, value } = await byob.read(new Uint8Array(ab, fill, SLICE - fill));
            ab = value ? value.buffer : new ArrayBuffer(SLICE); // the read hands the buffer back
            buf = new Uint8Array(ab);
            if (done) break;
            if (token.cancelled) throw new Error("sha: cancelled");
            if ((got += value.length) > end - off) throw new Error(`sha: the file has more than ${end - off} bytes`);
            if ((fill += value.length) === SLICE) await post();
            continue;
          }
          const { done, value } = await reader.read();
          if (done) break;
          if (token.cancelled) throw new Error("sha: cancelled");
          if ((got += value.length) > end - off) throw new Error(`sha: the file has more than ${end - off} bytes`);
          for (let i = 0; i < value.length;) {
            const n = Math.min(value.length - i, SLICE - fill);
            buf.set(value.subarray(i, i + n), fill);
            fill += n;
            i += n;
            if (fill === SLICE) await post();
          }
        }
        if (got !== end - off) throw new Error(`sha: read ${got} bytes of ${end - off}`);
      }
      if (fill > 0) await post();
      while (acks.length) await acks.shift();
      const st = await this.send({ op: "finish" });
      return { h: st.h, length: st.length, pending: st.pending };
    } catch (e) {
      await Promise.allSettled(acks);
      throw e;
    }
  }
}

// withPrehash adds prehash(blob) to a hashRanges: the SHA-256 of the whole Blob is started at once (the
// page calls it when a file is chosen), and a later hashRanges asking for exactly that — a fresh SHA-256
// over [0, size), what PAdES and CAdES signing ask first — gets the hash already under way or done. A new
// prehash cancels the previous one; a result is handed out once.
function withPrehash(hashRanges) {
  const h0 = hex(INITIAL["SHA-256"][1]);
  let pre = null; // {blob, result, token}
  return {
    prehash(blob) {
      if (pre) pre.token.cancelled = true;
      const token = {};
      const result = hashRanges(256, h0, 0, new Uint8Array(0), blob, [0, blob.size], token);
      result.catch(() => {});
      pre = { blob, result, token };
    },
    hashRanges(alg, h, length, pending, blob, ranges) {
      if (pre && pre.blob === blob && alg === 256 && length === 0 && ranges.length === 2 && ranges[0] === 0 &&
        ranges[1] === blob.size && h.length === h0.length && h.every((x, i) => x === h0[i])) {
        const { result } = pre;
        pre = null;
        return result;
      }
      return hashRanges(alg, h, length, pending, blob, ranges);
    },
  };
}

// install puts the entry point the Go engine calls on global (globalThis.ponteHash) once sha.wasm is
// loaded: hashing in a worker where the page can start one (workerURL), in this thread otherwise. The
// promise it returns rejects if loading fails (then Go hashes by itself).
export async function install(global, source, workerURL) {
  await load(source);
  let api = withPrehash(hashRanges);
  if (workerURL && typeof Worker === "function") {
    try {
      const w = new HashWorker(workerURL);
      await w.send({ op: "ping" });
      api = withPrehash((...args) => w.hashRanges(...args));
      api.worker = true;
    } catch (e) {
      console.warn("Ponte: hashing in the page (no worker):", e);
    }
  }
  global.ponteHash = api;
}
