// The demo page's glue: each button calls ponte.js and shows the answer, or the error's stable code.
import { status, certificate, authenticate, sign, toBase64 } from "./ponte.js";

const $ = (id) => document.getElementById(id);

// show writes what happened into a <pre>: data-state says "done" or "error", data-code the error code.
async function show(out, work) {
  out.dataset.state = "busy";
  out.textContent = "…";
  delete out.dataset.code;
  try {
    out.textContent = JSON.stringify(await work(), null, 2);
    out.dataset.state = "done";
  } catch (e) {
    out.dataset.state = "error";
    out.dataset.code = e.code || "INTERNAL";
    out.textContent = `${e.code || e.name}: ${e.message}`;
  }
}

$("do-status").addEventListener("click", () => show($("status-out"), status));

$("do-cert").addEventListener("click", () => show($("cert-out"), async () => {
  const role = document.querySelector('input[name="role"]:checked').value;
  const c = await certificate(role);
  return { ...c, certificate: toBase64(c.certificate) };
}));

$("do-sign").addEventListener("click", () => show($("sign-out"), async () => {
  if (!globalThis.crypto || !crypto.subtle) throw Object.assign(new Error("crypto.subtle needs a secure page (https)"), { code: "INSECURE_CONTEXT" });
  const data = new TextEncoder().encode($("text").value);
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  const r = await sign(hash, "SHA-256");
  return { ...r, hash: toBase64(hash), signature: toBase64(r.signature), certificate: toBase64(r.certificate) };
}));

// A demo nonce made in the page: a real site makes it on its server (authverify.NewNonce) and keeps it.
$("nonce").value = toBase64(crypto.getRandomValues(new Uint8Array(32)));
$("do-auth").addEventListener("click", () => show($("auth-out"), () => authenticate($("nonce").value)));
