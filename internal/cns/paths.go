package cns

// Paths of the CNS files readable without PIN, from the MF (OpenSC pkcs15-itacns.c; CARDS.md). Each is
// a sequence of 2-byte file identifiers, MF first, as SELECT by path from the MF takes them
// (ISO/IEC 7816-4 §7.1.1, P1 = 08 after dropping 3F00).
var (
	PathMF               = []uint16{0x3F00}
	PathIDCarta          = []uint16{0x3F00, 0x1000, 0x1003}
	PathDatiPersonali    = []uint16{0x3F00, 0x1100, 0x1102}
	PathCertCNS0         = []uint16{0x3F00, 0x1100, 0x1101} // authentication (CNS) certificate
	PathCertCNS1         = []uint16{0x3F00, 0x1400, 0x9010} // qualified signature certificate
	PathCertCNS1IDEMIA   = []uint16{0x3F00, 0x1400, 0x9001, 0x2002}
	PathCertPaths        = [][]uint16{PathCertCNS0, PathCertCNS1, PathCertCNS1IDEMIA}
	MaxDatiPersonaliSize = 400 // OpenSC caps the file at 400 bytes
)

// PINRefCNS is the reference of the CNS PIN, the one that guards the authentication key (OpenSC
// pkcs15-itacns.c itacns_init: keyset CNS0 with pin_ref 0x10; its PUK is pin_ref + 1; the signature
// keyset CNS1 uses 0x1A). CARDS.md: "PIN: reference 0x10, PUK = PIN reference + 1".
const PINRefCNS = 0x10

// maskSTIncard is the STIncard mask maker code (OpenSC itacns.h ITACNS_MASKMAN_STINCARD).
const maskSTIncard = 9

// PINReference is the P2 a VERIFY for the CNS PIN carries on this card: OpenSC's itacns_pin_cmd sets bit
// 8 ("search parent directories as well") on STIncard cards and only there (card-itacns.c).
func (id Identification) PINReference() byte {
	if id.MaskMakerCode == maskSTIncard {
		return PINRefCNS | 0x80
	}
	return PINRefCNS
}
