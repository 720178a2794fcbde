// The extension's SHA-2 hasher (extension/hash/sha.mjs over sha.wat), run by `node --test` from
// test/js/hash_test.go, which builds sha.wasm with wat2wasm and names it in PONTE_SHA_WASM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { load, Hasher, INITIAL } from "../../../extension/hash/sha.mjs";

await load(readFileSync(process.env.PONTE_SHA_WASM));

const hex = (b) => Buffer.from(b).toString("hex");
const digest = (name, ...parts) => {
  const h = Hasher.named(name);
  for (const p of parts) h.update(p);
  return hex(h.digest());
};
const node = { "SHA-224": "sha224", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };

// The examples of FIPS 180-4 (NIST's "Cryptographic Standards and Guidelines: Examples with Intermediate
// Values"): "abc" (one block), the two-block messages, and one million "a".
const abc = Buffer.from("abc");
const two256 = Buffer.from("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
const two512 = Buffer.from("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu");
const million = Buffer.alloc(1000000, "a");

test("FIPS 180-4 examples", () => {
  assert.equal(digest("SHA-256", abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(digest("SHA-256", two256), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  assert.equal(digest("SHA-256", million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  assert.equal(digest("SHA-224", abc), "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
  assert.equal(digest("SHA-384", abc), "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  assert.equal(digest("SHA-512", abc), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  assert.equal(digest("SHA-512", two512), "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
  assert.equal(digest("SHA-512", million), "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
  assert.equal(digest("SHA-256"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});

test("every length around the block and padding boundaries, against node:crypto", () => {
  const data = randomBytes(600);
  for (const name of Object.keys(INITIAL)) {
    for (let n = 0; n <= 300; n++) {
      const m = data.subarray(0, n);
      assert.equal(digest(name, m), createHash(node[name]).update(m).digest("hex"), `${name}, ${n} bytes`);
    }
  }
});

test("random lengths split at random points give one digest", () => {
  for (let round = 0; round < 40; round++) {
    const data = randomBytes(Math.floor(Math.random() * 300000));
    const parts = [];
    for (let p = 0; p < data.length;) {
      const n = Math.min(data.length - p, Math.floor(Math.random() * (Math.random() < 0.5 ? 200 : 70000)));
      parts.push(data.subarray(p, p + n));
      p += n;
    }
    for (const name of ["SHA-256", "SHA-512"]) {
      assert.equal(digest(name, ...parts), createHash(node[name]).update(data).digest("hex"), `${name}, ${parts.length} parts`);
    }
  }
});

test("a Blob's ranges, across its 1 MB slices", async () => {
  const data = randomBytes((9 << 20) + 13);
  const blob = new Blob([data]);
  for (const [off, end] of [[0, data.length], [5, (4 << 20) + 3], [data.length - 1, data.length], [7, 7]]) {
    const h = Hasher.named("SHA-256");
    await h.updateBlob(blob, off, end);
    assert.equal(hex(h.digest()), createHash("sha256").update(data.subarray(off, end)).digest("hex"), `${off}..${end}`);
  }
  await assert.rejects(Hasher.named("SHA-256").updateBlob(blob, 0, data.length + 1));
});

test("a hash continues from a state handed over (H, length, pending bytes)", () => {
  const data = randomBytes(1000);
  const a = Hasher.named("SHA-256");
  a.update(data.subarray(0, 333));
  const b = new Hasher(256, a.h, a.length, a.pending);
  b.name = "SHA-256";
  b.update(data.subarray(333));
  assert.equal(hex(b.digest()), createHash("sha256").update(data).digest("hex"));
  assert.throws(() => new Hasher(256, a.h, 334, a.pending), /bad state/);
  assert.throws(() => new Hasher(384, a.h, 0), /bad state/);
});
