package tsl

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Bounds on what a list may contain (the Italian list is about 3 MB with ~50 providers; the largest EU
// list, Germany's, about 5 MB). Anything larger is refused rather than parsed.
const (
	MaxSize         = 32 << 20 // bytes of XML
	MaxProviders    = 5000
	MaxServices     = 50000 // over all providers
	MaxHistory      = 200   // history instances per service
	MaxCertificates = 100   // X509Certificate per service digital identity
	MaxCertSize     = 64 << 10
)

// Namespace of TS 119 612 v2 lists (§5.1 and Annex C: the XML schema ts_119612v...xsd).
const Namespace = "http://uri.etsi.org/02231/v2#"

// The XML shape of the elements Ponte reads (Annex C schema, element names as in clauses 5.3–5.6).
// Elements are matched by local name within the list.
type xList struct {
	XMLName xml.Name `xml:"TrustServiceStatusList"`
	Scheme  struct {
		Version   string   `xml:"TSLVersionIdentifier"`
		Sequence  string   `xml:"TSLSequenceNumber"`
		Type      string   `xml:"TSLType"`
		Operator  []xName  `xml:"SchemeOperatorName>Name"`
		Territory string   `xml:"SchemeTerritory"`
		Issued    string   `xml:"ListIssueDateTime"`
		Next      []string `xml:"NextUpdate>dateTime"`
	} `xml:"SchemeInformation"`
	Providers []xProvider `xml:"TrustServiceProviderList>TrustServiceProvider"`
}

type xName struct {
	Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Text string `xml:",chardata"`
}

type xProvider struct {
	Names    []xName    `xml:"TSPInformation>TSPName>Name"`
	Services []xService `xml:"TSPServices>TSPService"`
}

type xService struct {
	Info    xStatus   `xml:"ServiceInformation"`
	History []xStatus `xml:"ServiceHistory>ServiceHistoryInstance"`
}

type xStatus struct {
	Type       string       `xml:"ServiceTypeIdentifier"`
	Names      []xName      `xml:"ServiceName>Name"`
	Certs      []string     `xml:"ServiceDigitalIdentity>DigitalId>X509Certificate"`
	Status     string       `xml:"ServiceStatus"`
	Start      string       `xml:"StatusStartingTime"`
	Extensions []xExtension `xml:"ServiceInformationExtensions>Extension"`
}

type xExtension struct {
	AddInfo    []string `xml:"AdditionalServiceInformation>URI"`
	Qualifiers []struct {
		URI string `xml:"uri,attr"`
	} `xml:"Qualifications>QualificationElement>Qualifiers>Qualifier"`
}

// Parse reads a trusted list WITHOUT checking its signature: for inspection and tests. Use Verify for
// anything that trusts the result.
func Parse(data []byte) (*List, error) {
	if len(data) > MaxSize {
		return nil, malformed("larger than %d bytes", MaxSize)
	}
	var x xList
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&x); err != nil {
		return nil, malformed("XML: %v", err)
	}
	if x.XMLName.Space != Namespace {
		return nil, malformed("root element {%s}%s, not {%s}TrustServiceStatusList", x.XMLName.Space, x.XMLName.Local, Namespace)
	}
	l := &List{Type: strings.TrimSpace(x.Scheme.Type), Territory: strings.TrimSpace(x.Scheme.Territory),
		OperatorName: pickName(x.Scheme.Operator)}
	var err error
	// §5.3.1: 5 identifies TS 119 612 v2.x lists, 6 v2.3 and later.
	if l.VersionIdentifier, err = strconv.Atoi(strings.TrimSpace(x.Scheme.Version)); err != nil || l.VersionIdentifier < 5 || l.VersionIdentifier > 6 {
		return nil, malformed("TSLVersionIdentifier %q (5 or 6 expected, TS 119 612 v2)", x.Scheme.Version)
	}
	if l.SequenceNumber, err = strconv.Atoi(strings.TrimSpace(x.Scheme.Sequence)); err != nil || l.SequenceNumber < 1 {
		return nil, malformed("TSLSequenceNumber %q", x.Scheme.Sequence)
	}
	if len(l.Territory) != 2 {
		return nil, malformed("SchemeTerritory %q", l.Territory)
	}
	if l.Issued, err = parseTime(x.Scheme.Issued); err != nil {
		return nil, malformed("ListIssueDateTime %q", x.Scheme.Issued)
	}
	if len(x.Scheme.Next) > 1 {
		return nil, malformed("more than one NextUpdate")
	}
	if len(x.Scheme.Next) == 1 { // §5.3.15: absent dateTime = closed list
		if l.NextUpdate, err = parseTime(x.Scheme.Next[0]); err != nil {
			return nil, malformed("NextUpdate %q", x.Scheme.Next[0])
		}
	}
	if len(x.Providers) > MaxProviders {
		return nil, malformed("%d providers (at most %d)", len(x.Providers), MaxProviders)
	}
	total := 0
	for _, xp := range x.Providers {
		p := Provider{Name: pickName(xp.Names)}
		if total += len(xp.Services); total > MaxServices {
			return nil, malformed("more than %d services", MaxServices)
		}
		for _, xs := range xp.Services {
			s, err := service(xs)
			if err != nil {
				return nil, malformed("%s: %v", p.Name, err)
			}
			p.Services = append(p.Services, s)
		}
		l.Providers = append(l.Providers, p)
	}
	return l, nil
}

func service(xs xService) (Service, error) {
	var s Service
	var err error
	if s.Status, err = status(xs.Info); err != nil {
		return s, err
	}
	if len(xs.Info.Certs) > MaxCertificates {
		return s, fmt.Errorf("%s: %d certificates (at most %d)", s.Name, len(xs.Info.Certs), MaxCertificates)
	}
	for _, b64 := range xs.Info.Certs {
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
		if err != nil || len(der) > MaxCertSize {
			return s, fmt.Errorf("%s: X509Certificate is not base64 DER", s.Name)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			// Some old CA certificates on real lists break RFC 5280 rules Go enforces (e.g. a
			// basicConstraints encoding): they cannot anchor anything here, the rest of the list can.
			s.Unparsed++
			continue
		}
		s.Certificates = append(s.Certificates, c)
	}
	if len(xs.History) > MaxHistory {
		return s, fmt.Errorf("%s: %d history instances (at most %d)", s.Name, len(xs.History), MaxHistory)
	}
	for _, xh := range xs.History {
		h, err := status(xh)
		if err != nil {
			return s, err
		}
		s.History = append(s.History, h)
	}
	return s, nil
}

func status(x xStatus) (Status, error) {
	st := Status{Type: strings.TrimSpace(x.Type), Name: pickName(x.Names), Status: strings.TrimSpace(x.Status)}
	if st.Type == "" || st.Status == "" {
		return st, fmt.Errorf("service %q without ServiceTypeIdentifier or ServiceStatus", st.Name)
	}
	var err error
	if st.Start, err = parseTime(x.Start); err != nil {
		return st, fmt.Errorf("service %q: StatusStartingTime %q", st.Name, x.Start)
	}
	for _, e := range x.Extensions {
		for _, u := range e.AddInfo {
			st.AddInfo = append(st.AddInfo, strings.TrimSpace(u))
		}
		for _, q := range e.Qualifiers {
			st.Qualifiers = append(st.Qualifiers, strings.TrimSpace(q.URI))
		}
	}
	return st, nil
}

// parseTime reads an xsd:dateTime (the lists use UTC with a Z).
func parseTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339, strings.TrimSpace(s))
}

// pickName is the Italian name, else the English one, else the first (§5.3.4: multilingual names).
func pickName(ns []xName) string {
	for _, lang := range []string{"it", "en"} {
		for _, n := range ns {
			if strings.EqualFold(n.Lang, lang) {
				return strings.TrimSpace(n.Text)
			}
		}
	}
	if len(ns) > 0 {
		return strings.TrimSpace(ns[0].Text)
	}
	return ""
}
