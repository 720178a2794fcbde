package main

import (
	"context"
	"crypto/x509"
	"os"

	"github.com/ponte-it/ponte/internal/sigverify"
	"github.com/ponte-it/ponte/internal/tsl"
)

// tslOff as --tsl-url (or PONTE_TSL_URL) verifies without the AgID trusted list.
const tslOff = "off"

// defaultTSLURL is PONTE_TSL_URL when set, else AgID's list.
func defaultTSLURL() string {
	if u := os.Getenv("PONTE_TSL_URL"); u != "" {
		return u
	}
	return tsl.DefaultURL
}

// trustedList loads the Italian trusted list from url (cached in os.UserCacheDir()/ponte/), verified
// against signerFiles (PEM) or, when none, AgID's pinned certificates. nil, nil when url is "off".
func trustedList(ctx context.Context, url string, signerFiles []string, offline bool) (*tsl.Loaded, error) {
	if url == tslOff || url == "" {
		return nil, nil
	}
	signers := tsl.AgIDSigners()
	if len(signerFiles) > 0 {
		signers = nil
		for _, f := range signerFiles {
			certs, err := readPEMCerts(f)
			if err != nil {
				return nil, err
			}
			signers = append(signers, certs...)
		}
	}
	src := &tsl.Source{URL: url, Offline: offline, Verify: tsl.VerifyOptions{Signers: signers, Territory: tsl.Territory}}
	if p, err := tsl.DefaultCachePath(url); err == nil {
		src.Cache = tsl.FileCache{Path: p}
	}
	return src.Load(ctx)
}

// verifyAnchors groups the anchors by source; nil when there is nothing to trust (chains "not checked").
func verifyAnchors(given, profiles []*x509.Certificate, list *tsl.Loaded, listErr error) *sigverify.Anchors {
	if len(given) == 0 && len(profiles) == 0 && list == nil && listErr == nil {
		return nil
	}
	a := &sigverify.Anchors{List: list, ListErr: listErr}
	if len(given) > 0 {
		a.Sets = append(a.Sets, sigverify.AnchorSet{Source: sigverify.SourceTest, Certs: given})
	}
	if len(profiles) > 0 {
		a.Sets = append(a.Sets, sigverify.AnchorSet{Source: sigverify.SourceProfile, Certs: profiles})
	}
	return a
}
