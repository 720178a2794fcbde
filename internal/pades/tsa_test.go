package pades

import (
	"encoding/asn1"
	"errors"
	"github.com/ponte-it/ponte/internal/signerr"
	"net/http"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pdf"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/tsp"
)

type tspResponder struct{ pki *signtest.PKI }

func (r *tspResponder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	(&tsp.Responder{Signer: r.pki.TSA.Key, Chain: r.pki.TSA.Chain, Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}}).ServeHTTP(w, req)
}

func newTSPClient(url string, pki *signtest.PKI) cms.TimeStamper {
	return &tsp.Client{URL: url, Anchors: cms.StaticAnchors{pki.Root.Cert()}}
}

// contentsOf returns the CMS of the newest signature and its SignerInfo.
func contentsOf(t *testing.T, signed []byte) ([]byte, *cms.SignerInfo) {
	doc, err := pdf.Open(bytesSrc(signed))
	if err != nil {
		t.Fatal(err)
	}
	fields, err := doc.Fields()
	if err != nil || len(fields) == 0 {
		t.Fatal("no fields", err)
	}
	v, err := doc.Dict(fields[len(fields)-1].Dict["V"])
	if err != nil {
		t.Fatal(err)
	}
	c := v["Contents"].(pdf.String).Bytes
	sd, err := cms.Parse(c)
	if err != nil {
		t.Fatal(err)
	}
	// Trim the zero padding to the DER length.
	n := derLen(c)
	return c[:n], sd.Signers[0]
}

func derLen(b []byte) int {
	if b[1] < 0x80 {
		return 2 + int(b[1])
	}
	k := int(b[1] & 0x7f)
	n := 0
	for _, x := range b[2 : 2+k] {
		n = n<<8 | int(x)
	}
	return 2 + k + n
}

func bytesSrc(b []byte) docio.Bytes { return docio.Bytes(b) }

var VerifyOptionsNone = cms.VerifyOptions{}

func asSignErr(err error, target **signerr.Error) bool { return errors.As(err, target) }
