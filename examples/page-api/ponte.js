// ponte.js — a small library for web pages that use Ponte's page API (docs/page-api.md).
//
//   import { status, certificate, authenticate, sign, PonteError } from "./ponte.js";
//   const s = await status();                          // { extension, readers, cards: [...] }
//   const c = await certificate("signature");          // { card, role, certificate: Uint8Array (DER), notAfter } (the holder agrees first)
//   const t = await authenticate(nonceFromServer);     // { format, algorithm, signature, certificate }: post it to the server (authverify)
//   const r = await sign(digestBytes, "SHA-256");      // { signature: Uint8Array, certificate: Uint8Array, ... }
//
// Every function returns a promise; a failure rejects with a PonteError whose .code is one of the stable
// codes of docs/page-api.md (ORIGIN_NOT_ALLOWED, USER_CANCELLED, ...). The page must be served over https
// (or from this computer) and its origin must be on the allow-list in Ponte's options.
// Licence: the same as Ponte's; copy it into your site.

export const VERSION = 1;
const ACK_MS = 2000;                 // the content script acknowledges at once; none means no extension
const TIMEOUT_MS = 60 * 1000;        // status and certificate
const SIGN_TIMEOUT_MS = 6 * 60 * 1000; // longer than Ponte's 5 minutes for the user to confirm

export class PonteError extends Error {
  constructor(code, message, detail) {
    super(message || code);
    this.name = "PonteError";
    this.code = code;
    if (detail !== undefined) this.detail = detail;
  }
}

let counter = 0;
function newID() {
  const rnd = globalThis.crypto && globalThis.crypto.randomUUID ? globalThis.crypto.randomUUID() : String(Math.random()).slice(2);
  return `p${++counter}-${rnd}`;
}

// request posts one message to the content script and waits for its answer (matched by id, from this
// window only: replies come from Ponte's content script, which posts them to this page's origin).
export function request(fields, { win = globalThis.window, ackMs = ACK_MS, timeoutMs = TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    if (!win || typeof win.postMessage !== "function") {
      reject(new PonteError("EXTENSION_MISSING", "not in a browser window"));
      return;
    }
    const id = newID();
    let ackTimer, doneTimer;
    const end = () => {
      clearTimeout(ackTimer);
      clearTimeout(doneTimer);
      win.removeEventListener("message", onMessage);
    };
    const onMessage = (e) => {
      const m = e.data;
      if (e.source !== win || !m || m.ponte !== VERSION || m.id !== id) return;
      if (m.type === "ack") {
        clearTimeout(ackTimer);
      } else if (m.type === "result") {
        end();
        resolve(m.result);
      } else if (m.type === "error") {
        end();
        const err = m.error || {};
        const pe = new PonteError(String(err.code || "INTERNAL"), err.message, err.detail);
        if (typeof err.retriable === "boolean") pe.retriable = err.retriable; // the table's column
        reject(pe);
      }
    };
    win.addEventListener("message", onMessage);
    ackTimer = setTimeout(() => { end(); reject(new PonteError("EXTENSION_MISSING", "Ponte did not answer: is the extension installed?")); }, ackMs);
    doneTimer = setTimeout(() => { end(); reject(new PonteError("TIMEOUT", "Ponte did not answer in time")); }, timeoutMs);
    const origin = win.location.origin;
    if (!/^https?:\/\//.test(origin)) { // file:, data:, sandboxed frames: Ponte answers http(s) pages only
      end();
      reject(new PonteError("INSECURE_CONTEXT", `Ponte answers only https:// pages (this one is ${origin})`));
      return;
    }
    win.postMessage({ ponte: VERSION, id, ...fields }, origin);
  });
}

// toBase64 / fromBase64 move bytes through the messages (they travel as JSON inside the browser).
export function toBase64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function bytesOf(x) {
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  throw new PonteError("BAD_REQUEST", "the hash must be a Uint8Array or an ArrayBuffer");
}

const LENGTHS = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };

// status: whether Ponte sees a card, with its certificates' roles and expiry (no personal data).
export function status(options) {
  return request({ type: "status" }, options);
}

// certificate returns the card's certificate for role "signature" (qualified signature, the default) or
// "cns" (authentication).
export async function certificate(role = "signature", options = {}) {
  const fields = { type: "certificate", role };
  if (options.card) fields.card = options.card;
  const r = await request(fields, { timeoutMs: CERT_TIMEOUT_MS, ...options });
  return { ...r, certificate: fromBase64(r.certificate) };
}

// authenticate asks the user, in Ponte's own window, to log in to this site as the card's holder: the
// card's authentication key signs H(origin) ‖ H(nonce) (docs/page-api.md, "authenticate"). nonce is the
// base64 of at least 32 random bytes the site's server issued for this session; the token goes back to
// the server as is (JSON), which checks it with authverify (Go) or authverify.mjs (Node).
export async function authenticate(nonce, options = {}) {
  if (typeof nonce !== "string") throw new PonteError("BAD_REQUEST", "the nonce is the base64 text the server issued");
  const fields = { type: "authenticate", nonce };
  if (options.card) fields.card = options.card;
  return request(fields, { timeoutMs: SIGN_TIMEOUT_MS, ...options });
}

// certificateAsked: the certificate needs the holder's yes in Ponte's window (unless remembered).
const CERT_TIMEOUT_MS = SIGN_TIMEOUT_MS;

// sign asks the user, in Ponte's own window, to sign hash (the alg digest the page computed, e.g. with
// crypto.subtle.digest). The signature is PKCS#1 v1.5 (RSA keys) or ASN.1 ECDSA (EC keys) over the
// digest, verifiable with the returned certificate. Only the signature key signs: role "cns" (the
// authentication key) is refused with AUTH_KEY_NOT_FOR_SIGNING — use authenticate to log in.
export async function sign(hash, alg = "SHA-256", options = {}) {
  const bytes = bytesOf(hash);
  if (!Object.hasOwn(LENGTHS, alg) || bytes.length !== LENGTHS[alg]) {
    throw new PonteError("BAD_REQUEST", `the hash must be the ${LENGTHS[alg] || "?"}-byte ${alg} digest`);
  }
  const fields = { type: "sign", alg, hash: toBase64(bytes), role: options.role || "signature" };
  if (options.card) fields.card = options.card;
  const r = await request(fields, { timeoutMs: SIGN_TIMEOUT_MS, ...options });
  return { ...r, signature: fromBase64(r.signature), certificate: fromBase64(r.certificate) };
}
