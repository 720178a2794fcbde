// Package cmp is Ponte's Certificate Management Protocol: the PKIMessage codec (RFC 9810, CMP v2/v3),
// CRMF certificate requests (RFC 4211), message protection by signature (through a crypto.Signer, so the
// key may live on a smart card behind ponte-host) or by a shared secret (PasswordBasedMac, PBMAC1;
// RFC 9810 §5.1.3.1, RFC 9481 §6), the HTTP transport (RFC 9811) and the client side of the lightweight
// profile (RFC 9483): ir/cr/kur enrolment, delayed delivery with pollReq/pollRep, certConf/pkiConf and
// implicit confirmation.
//
// The codec is shared by the client (the WASM core, and tests) and by the embedded CA (internal/ca): the
// server-side helpers in server.go build answers and check requests so the CA does not touch ASN.1.
//
// Every answer the client accepts has been checked strictly (RFC 9483 §3.5, §4.1): its protection
// verifies against the CA profile's trust anchors, the transactionID, recipNonce and certReqId match the
// request, and an issued certificate carries exactly the requested public key and chains to the anchors.
// Failures are typed errors (errors.go) with Italian and English text; CA refusals are *Refusal values
// carrying the PKIStatusInfo (status.go).
//
// The package is platform neutral: it compiles natively and for GOOS=js GOARCH=wasm, where net/http is
// the browser's Fetch API.
package cmp
