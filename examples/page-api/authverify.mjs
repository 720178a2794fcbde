// authverify.mjs — checks, on a Node.js server, the token a page got from Ponte's `authenticate`
// (docs/page-api.md): the same rules as the Go package examples/page-api/authverify.
//
//   import { newNonce, verify } from "./authverify.mjs";
//   const nonce = newNonce();                           // keep it in the session, hand it to the page
//   const cert = verify(token, { origin: "https://servizi.comune.it", nonce, roots: [caPEM] });
//
// The card signed tbs = H(origin) ‖ H(nonce) (H: SHA-256 for RSA and P-256 keys, SHA-384 for P-384,
// SHA-512 for P-521) with RSASSA-PKCS1-v1_5 or ECDSA (ASN.1 DER) over H(tbs). Node's crypto only.
import { X509Certificate, createHash, randomBytes, verify as cryptoVerify } from "node:crypto";

export const FORMAT = "ponte-auth:1";
export const NONCE_MIN = 32, NONCE_MAX = 128;
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"; // id-kp-clientAuth (RFC 5280, §4.2.1.12)
const ALGS = { RS256: ["rsa", null, "sha256"], ES256: ["ec", "prime256v1", "sha256"], ES384: ["ec", "secp384r1", "sha384"], ES512: ["ec", "secp521r1", "sha512"] };

export function newNonce() {
  return randomBytes(NONCE_MIN).toString("base64");
}

// checkNonce: canonical padded base64 of 32 to 128 bytes.
export function checkNonce(nonce) {
  if (typeof nonce !== "string" || nonce.length > 4 * Math.ceil(NONCE_MAX / 3) || !/^[A-Za-z0-9+/]*={0,2}$/.test(nonce)) throw new Error("authverify: nonce is not base64");
  const b = Buffer.from(nonce, "base64");
  if (b.toString("base64") !== nonce) throw new Error("authverify: nonce is not canonical base64");
  if (b.length < NONCE_MIN || b.length > NONCE_MAX) throw new Error(`authverify: nonce of ${b.length} bytes, want ${NONCE_MIN} to ${NONCE_MAX}`);
}

// signedData is tbs = H(origin) ‖ H(nonce).
export function signedData(hash, origin, nonce) {
  return Buffer.concat([createHash(hash).update(origin, "utf8").digest(), createHash(hash).update(nonce, "utf8").digest()]);
}

const asCert = (c) => (c instanceof X509Certificate ? c : new X509Certificate(c));
const validAt = (c, now) => now >= new Date(c.validFrom) && now <= new Date(c.validTo);

// chainsTo: cert leads to a root through intermediates, every certificate valid at now, every issuer a CA.
function chainsTo(cert, roots, intermediates, now, depth = 0) {
  if (depth > 6 || !validAt(cert, now)) return false;
  for (const r of roots) if (cert.checkIssued(r) && r.ca && validAt(r, now) && cert.verify(r.publicKey)) return true;
  for (const i of intermediates) {
    if (i.ca && cert.checkIssued(i) && cert.verify(i.publicKey) && chainsTo(i, roots, intermediates, now, depth + 1)) return true;
  }
  return false;
}

// tlv reads the DER element at off (ITU-T X.690, §8.1): its tag and where its value starts and ends.
function tlv(b, off) {
  let len = b[off + 1], p = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4) throw new Error("authverify: certificate: bad DER length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p++];
  }
  if (p + len > b.length) throw new Error("authverify: certificate: truncated DER");
  return { tag: b[off], start: p, end: p + len };
}

function children(b, node) {
  const out = [];
  for (let p = node.start; p < node.end; p = out[out.length - 1].end) out.push(tlv(b, p));
  return out;
}

const KEY_USAGE_OID = "551d0f"; // id-ce-keyUsage, 2.5.29.15

// keyUsageBits: the first byte of the keyUsage extension's BIT STRING (RFC 5280, §4.2.1.3:
// digitalSignature 0x80, nonRepudiation 0x40, ...), or 0 without the extension. Node's X509Certificate
// names the extendedKeyUsage only, so the extension is read from the certificate's DER.
export function keyUsageBits(der) {
  const tbs = children(der, tlv(der, 0))[0];
  const exts = children(der, tbs).find((c) => c.tag === 0xa3); // [3] EXPLICIT Extensions
  if (!exts) return 0;
  for (const ext of children(der, children(der, exts)[0])) {
    const [oid, ...rest] = children(der, ext);
    if (Buffer.from(der.subarray(oid.start, oid.end)).toString("hex") !== KEY_USAGE_OID) continue;
    const bits = tlv(der, rest[rest.length - 1].start); // OCTET STRING { BIT STRING }
    return bits.end - bits.start >= 2 ? der[bits.start + 1] : 0;
  }
  return 0;
}

// authenticationKey: keyUsage with digitalSignature and without nonRepudiation, as the Go helper. The
// page API's sign has the signature (nonRepudiation) key sign any digest an allow-listed page chooses:
// a token with such a certificate could be made by any such page for this site's origin and nonce.
function authenticationKey(der) {
  const ku = keyUsageBits(der);
  if (!(ku & 0x80)) throw new Error("authverify: the certificate's key is not for digital signatures (authentication)");
  if (ku & 0x40) throw new Error("authverify: a nonRepudiation (signature) certificate is not an authentication certificate");
}

// verify returns the holder's certificate (X509Certificate) or throws saying what is wrong.
export function verify(token, { origin, nonce, roots, intermediates = [], now = new Date() }) {
  if (!token || token.format !== FORMAT) throw new Error(`authverify: format ${token && token.format}, want ${FORMAT}`);
  checkNonce(nonce);
  if (!origin || !Array.isArray(roots) || !roots.length) throw new Error("authverify: the site's origin and its trusted roots are required");
  const cert = new X509Certificate(Buffer.from(String(token.certificate), "base64"));
  const key = cert.publicKey;
  const want = Object.entries(ALGS).find(([, [type, curve]]) => key.asymmetricKeyType === type && (!curve || key.asymmetricKeyDetails.namedCurve === curve));
  if (!want) throw new Error("authverify: unsupported key");
  if (token.algorithm !== want[0]) throw new Error(`authverify: algorithm ${token.algorithm} for a key that signs ${want[0]}`);
  const hash = want[1][2];
  const sig = Buffer.from(String(token.signature), "base64");
  if (!cryptoVerify(hash, signedData(hash, origin, nonce), { key, dsaEncoding: "der" }, sig)) {
    throw new Error("authverify: the signature does not verify for this origin and nonce");
  }
  authenticationKey(cert.raw);
  const eku = cert.keyUsage;
  if (Array.isArray(eku) && !eku.includes(CLIENT_AUTH)) throw new Error("authverify: certificate not for client authentication");
  if (!chainsTo(cert, roots.map(asCert), intermediates.map(asCert), now)) throw new Error("authverify: certificate: not issued by a trusted CA, or not valid now");
  return cert;
}
