package sigverify

import (
	"errors"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/tsfile"
)

// Formats of time-stamped files (package tsfile).
const (
	FormatTSR Format = "tsr"
	FormatTSD Format = "tsd"
	FormatM7M Format = "m7m"
)

// FileStamp is a time-stamp token a time-stamped file carries for its data (not a signature's own
// time stamp): a .tsr for its detached file, a .tsd's for its content, an .m7m's for the whole .p7m.
type FileStamp struct {
	tsfile.Stamp
	Over     tsfile.Kind // what it stamps: TSR the separate file, TSD the content inside, M7M the .p7m
	Renewals int         // later tokens of a .tsd (RFC 5544 §4.2) that were not checked
}

// Valid: the token verifies over its data and its TSA is trusted.
func (s *FileStamp) Valid() bool { return s.Verdict().ExitCode() == 0 }

// stamped verifies a time-stamped file of form kind.
func stamped(src, detached docio.Source, kind tsfile.Kind, opts cms.VerifyOptions) (*Report, error) {
	switch kind {
	case tsfile.TSR:
		if detached == nil {
			return nil, signerr.New(signerr.BadInput,
				"Marca temporale separata (.tsr): per verificarla serve anche il file marcato.",
				"Detached time stamp (.tsr): the time-stamped file is needed to verify it.", errors.New("no data"))
		}
		tok, err := tsfile.ParseTSR(src)
		if err != nil {
			return nil, err
		}
		st := tsfile.Check(tok, detached, []docio.Range{{Len: detached.Size()}}, opts.Anchors)
		return &Report{Format: FormatTSR, Stamps: []FileStamp{{Stamp: st, Over: tsfile.TSR}}}, nil
	case tsfile.TSD:
		t, err := tsfile.ParseTSD(src)
		if err != nil {
			return nil, err
		}
		st := tsfile.Check(t.Tokens[0], src, t.Content, opts.Anchors)
		rep := &Report{Format: FormatTSD, Content: t.Content,
			Stamps: []FileStamp{{Stamp: st, Over: tsfile.TSD, Renewals: len(t.Tokens) - 1}}}
		inner(rep, src, opts, 1) // a .tsd of a .p7m: the envelope inside is verified in turn
		return rep, nil
	}
	return m7m(src, opts)
}

// m7m verifies the .p7m of an .m7m as any .p7m, and each time stamp over it.
func m7m(src docio.Source, opts cms.VerifyOptions) (*Report, error) {
	m, err := tsfile.ParseM7M(src)
	if err != nil {
		return nil, err
	}
	env, ranges := m.Envelope(src)
	p7src := newRangesSource(env, ranges)
	sd, err := cms.ParseSource(p7src)
	if err != nil {
		return nil, err
	}
	if sd.Detached {
		return nil, signerr.New(signerr.BadInput, "La busta nel file .m7m non contiene il documento.",
			"The envelope in the .m7m does not hold the document.", errors.New("detached"))
	}
	rep, err := p7m(p7src, sd, nil, opts)
	if err != nil {
		return nil, err
	}
	rep.Format = FormatM7M
	// The document's ranges are made ranges of the file (or of the decoded part), so it is saved as
	// slices of what the user chose, as for a .p7m.
	if m.Decoded != nil {
		rep.Envelope = m.Decoded
	} else {
		for i := range rep.Content {
			rep.Content[i].Off += ranges[0].Off
		}
	}
	for _, tok := range m.Tokens {
		rep.Stamps = append(rep.Stamps, FileStamp{Stamp: tsfile.Check(tok, env, ranges, opts.Anchors), Over: tsfile.M7M})
	}
	inner(rep, rep.ContentSource(src), opts, 1)
	return rep, nil
}

// provenTime is the earliest time proven by a file stamp that verifies and whose TSA is trusted.
func (r *Report) provenTime() (time.Time, bool) {
	var at time.Time
	for i := range r.Stamps {
		s := &r.Stamps[i]
		if s.Err != nil || s.Verified == nil || s.Verified.Chain != cms.ChainValid {
			continue
		}
		if t := s.Verified.Info.GenTime; at.IsZero() || t.Before(at) {
			at = t
		}
	}
	return at, !at.IsZero()
}

// applyStampPOE: a trusted time stamp over a .p7m (an .m7m's, or a .tsd's whose content is a .p7m)
// proves its signatures existed at its time (EN 319 102-1 §5.6.2.1, proof of existence), so a
// signature without a time stamp of its own is judged at that time, as Dike does for .m7m.
func applyStampPOE(rep *Report, opts cms.VerifyOptions) {
	at, ok := rep.provenTime()
	if !ok {
		return
	}
	for _, layer := range rep.Layers() {
		for i := range layer.Signers {
			s := &layer.Signers[i]
			if s.TimeStamped || s.PDF != nil {
				continue
			}
			s.Time, s.TimeStamped = at, true
			if s.CMS != nil && s.CMS.Certificate != nil && opts.At.IsZero() {
				s.Chain, s.ChainDetail = cms.VerifyChain(s.CMS.Certificate, append(s.certs, opts.Extra...), opts.Anchors, cms.PurposeSignature, at)
			}
		}
	}
}

// Verdict of a file's time stamp: its data and its TSA (RFC 3161 §2.4.2; EN 319 102-1 §5.1.3 words).
func (s *FileStamp) Verdict() Verdict {
	var b verdictBuilder
	b.v = Verdict{Level: LevelValid, Indication: TotalPassed}
	switch {
	case s.Mismatch():
		b.fail(LevelNotValid, TotalFailed, SubHashFailure, Finding{
			"il file non è quello marcato: l'impronta della marca temporale non corrisponde",
			"the file is not the one time-stamped: the time stamp's imprint does not match"})
	case s.Err != nil || s.Verified == nil:
		b.fail(LevelNotValid, TotalFailed, SubSigCryptoFailure, Finding{
			"la marca temporale non si verifica (firma dell'autorità o struttura danneggiata)",
			"the time stamp does not verify (the authority's signature or a damaged structure)"})
	case s.Verified.Chain == cms.ChainInvalid:
		b.fail(LevelCannotVerify, Indeterminate, SubChainConstraints, Finding{
			"il certificato dell'autorità di marcatura temporale non è valido: " + s.Verified.Detail,
			"the time-stamping authority's certificate is not valid: " + s.Verified.Detail})
	case s.Verified.Chain != cms.ChainValid:
		b.fail(LevelCannotVerify, Indeterminate, SubNoChain, Finding{
			"l'autorità di marcatura temporale non è di fiducia", "the time-stamping authority is not trusted"})
	}
	if s.Renewals > 0 {
		b.warn(Finding{"le marche temporali di rinnovo successive alla prima non sono verificate",
			"the renewal time stamps after the first are not verified"})
	}
	return b.v
}
