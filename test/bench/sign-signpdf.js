// Signs a PDF with @signpdf/signpdf (plain placeholder, P12 signer) for `make bench`:
//   node sign-signpdf.js IN.pdf OUT.pdf KEY.p12
// Prints one JSON line: milliseconds and the process's peak resident memory.
"use strict";
const fs = require("fs");
const { plainAddPlaceholder } = require("@signpdf/placeholder-plain");
const { P12Signer } = require("@signpdf/signer-p12");
const signpdf = require("@signpdf/signpdf").default;

(async () => {
  const [input, output, p12] = process.argv.slice(2);
  const start = process.hrtime.bigint();
  const pdf = fs.readFileSync(input);
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: pdf, reason: "bench", contactInfo: "", name: "Bench", location: "", signatureLength: 8192,
  });
  const signer = new P12Signer(fs.readFileSync(p12), { passphrase: "bench" });
  const signed = await signpdf.sign(withPlaceholder, signer);
  fs.writeFileSync(output, signed);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(JSON.stringify({ ms, maxRSSKiB: process.resourceUsage().maxRSS }));
})().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
