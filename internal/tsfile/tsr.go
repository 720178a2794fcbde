package tsfile

import (
	"errors"
	"fmt"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/tsp"
)

// ParseTSR reads a .tsr: a TimeStampResp (RFC 3161 §2.4.2, what a TSA answers and openssl ts -reply
// writes) whose status grants a token, or a bare TimeStampToken (openssl ts -token_out). It returns
// the token.
func ParseTSR(src docio.Source) ([]byte, error) {
	if src.Size() > maxToken {
		return nil, bad(TSR, "troppo grande per una marca temporale", "too large for a time stamp", errors.New("over 1 MB"))
	}
	b, err := docio.ReadRange(src, docio.Range{Len: src.Size()})
	if err != nil {
		return nil, err
	}
	if sd, err := cms.Parse(b); err == nil {
		if !IsToken(sd) {
			return nil, bad(TSR, "è una busta di firma, non una marca temporale", "it is a signature envelope, not a time stamp", errors.New("not a TSTInfo"))
		}
		return b, nil
	}
	r, err := tsp.ParseResponse(b)
	if err != nil {
		return nil, bad(TSR, "non è una risposta di marca temporale RFC 3161 (troncata o danneggiata?)",
			"it is not an RFC 3161 time-stamp response (truncated or damaged?)", err)
	}
	if r.Status != tsp.StatusGranted && r.Status != tsp.StatusGrantedWithMods || r.Token == nil {
		return nil, bad(TSR, fmt.Sprintf("il servizio ha rifiutato la marca temporale (stato %d)", r.Status),
			fmt.Sprintf("the service refused the time stamp (status %d)", r.Status), errors.New(r.StatusString))
	}
	return r.Token, nil
}
