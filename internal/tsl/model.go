// Package tsl reads, verifies and uses trusted lists in the format of ETSI TS 119 612 v2.x ("Electronic
// Signatures and Infrastructures (ESI); Trusted Lists"), chiefly the Italian one published by AgID at
// https://eidas.agid.gov.it/TL/TSL-IT.xml.
//
// A list is trusted only after its enveloped XML signature (§5.7: XAdES-BES, W3C XMLDSig enveloped
// signature) verifies against a pinned signer certificate; only the bytes the signature covers are then
// parsed (no signature-wrapping). The services it lists as CA/QC with a positive status become trust
// anchors (cms.TrustAnchors) for signature verification, TSA/QTST for time stamps.
package tsl

import (
	"crypto/x509"
	"time"
)

// Service type identifiers (TS 119 612 §5.5.1.1, URIs of clause D.5). Only the ones Ponte acts on.
const (
	TypeCAQC   = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"    // issues qualified certificates
	TypeTSAQTS = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST" // qualified time-stamping
)

// Service status URIs (TS 119 612 §5.5.4, clause D.5). The first four are the eIDAS statuses (list
// version 5 and later); the others are the Directive 1999/93/EC ones still found in ServiceHistory.
var statusPositive = map[string]bool{
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted":                   true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn":                 false,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/recognisedatnationallevel": false,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/deprecatedatnationallevel": false,
	// Before 1 July 2016 (Directive 1999/93/EC, TS 119 612 v1 §5.5.4): supervised or accredited
	// CSPs issuing qualified certificates are the equivalent of "granted" (TS 119 612 v2 §5.5.4 note).
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/undersupervision":       true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/supervisionincessation": true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited":             true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/supervisionceased":      false,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/supervisionrevoked":     false,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accreditationceased":    false,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accreditationrevoked":   false,
}

// Additional service information URIs (§5.5.9.4): what a CA/QC issues qualified certificates for.
const (
	ForESignatures = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures"
	ForESeals      = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals"
	ForWebSites    = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForWebSiteAuthentication"
)

// StatusGranted is the eIDAS "granted" status URI.
const StatusGranted = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"

// StatusWithdrawn is the eIDAS "withdrawn" status URI.
const StatusWithdrawn = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"

// PositiveStatus reports whether a service with status uri is trusted (granted, or its pre-eIDAS
// equivalents).
func PositiveStatus(uri string) bool { return statusPositive[uri] }

// List is a parsed trusted list.
type List struct {
	VersionIdentifier int       // §5.3.1 TSLVersionIdentifier (5 for v2.x, 6 for v2.3+)
	SequenceNumber    int       // §5.3.2 TSLSequenceNumber
	Type              string    // §5.3.3 TSLType
	OperatorName      string    // §5.3.4 SchemeOperatorName (Italian, else English, else first)
	Territory         string    // §5.3.10 SchemeTerritory
	Issued            time.Time // §5.3.14 ListIssueDateTime
	NextUpdate        time.Time // §5.3.15 NextUpdate; zero for a closed list
	Providers         []Provider
	// Signer is the pinned certificate the list's signature verified with (nil when only parsed).
	Signer *x509.Certificate
}

// Provider is one trust service provider (§5.4).
type Provider struct {
	Name     string // §5.4.1 TSPName
	Services []Service
}

// Service is one trust service (§5.5) with its approval history (§5.6).
type Service struct {
	Status                           // the current one: §5.5.1 type, §5.5.2 name, §5.5.4 status, §5.5.5 start
	Certificates []*x509.Certificate // §5.5.3 ServiceDigitalIdentity/DigitalId/X509Certificate
	History      []Status            // §5.6 ServiceHistoryInstance, newest first as listed
	Unparsed     int                 // X509Certificate values Go's x509 could not parse (skipped)
}

// Status is a service's state from a starting time: the current information or one history instance.
type Status struct {
	Type       string    // ServiceTypeIdentifier
	Name       string    // ServiceName
	Status     string    // ServiceStatus URI
	Start      time.Time // StatusStartingTime
	Qualifiers []string  // §5.5.9.2 Qualifications extension: Qualifier/@uri (e.g. QCForESig, QCStatement)
	AddInfo    []string  // §5.5.9.4 AdditionalServiceInformation/URI (e.g. ForeSignatures)
}

// Positive reports whether the status is granted (or its pre-eIDAS equivalent).
func (s Status) Positive() bool { return statusPositive[s.Status] }

// At returns the service's state at time t (§5.6: each status holds from its StatusStartingTime until
// the next one starts), and false when t precedes every known state.
func (s *Service) At(t time.Time) (Status, bool) {
	best, found := Status{}, false
	for _, st := range append([]Status{s.Status}, s.History...) {
		if st.Start.After(t) {
			continue
		}
		if !found || st.Start.After(best.Start) {
			best, found = st, true
		}
	}
	return best, found
}

// Expired reports whether the list is past its NextUpdate at now (a closed list never expires).
func (l *List) Expired(now time.Time) bool {
	return !l.NextUpdate.IsZero() && now.After(l.NextUpdate)
}
