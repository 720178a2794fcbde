// Package virtualcard is a virtual TS-CNS: a card image (ATR and files by path) and the card's answers to
// ISO/IEC 7816-4 commands, served to pcscd through vsmartcard's vpcd driver. It exists for tests and for
// the demo: OpenSC must take it for a CNS, so its answers follow what a real card returns.
package virtualcard

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/ponte-it/ponte/internal/cns"
)

// Image is what a card holds: its ATR and its transparent files, each by its path from the MF, and the
// CNS PIN's retry counter, which lives on the card across resets as a real card's does.
type Image struct {
	ATR   []byte
	Files []File
	// PIN, when set, is what VERIFY with a data field checks for the CNS PIN (reference 0x10, OpenSC
	// pkcs15-itacns.c); without it such a VERIFY is refused (the PIN belongs to the SoftHSM token).
	PIN []byte
	// QueryCounts models a firmware that does not implement the ISO query: VERIFY without data is taken
	// for a wrong PIN (6300, a try spent, counted in PINAttempts). No CNS is known to do this; it is what
	// the host must survive if one does.
	QueryCounts bool

	mu       sync.Mutex
	tries    int // tries left for the CNS PIN, plus one; 0: never set, which reads as PINTriesMax
	attempts int // VERIFY commands that presented a PIN
}

func (img *Image) presented() {
	img.mu.Lock()
	defer img.mu.Unlock()
	img.attempts++
}

// PINTriesMax is the CNS PIN's retry limit on the virtual card.
const PINTriesMax = 3

// SetPINTries sets the CNS PIN's retry counter (0 blocks the PIN).
func (img *Image) SetPINTries(n int) {
	img.mu.Lock()
	defer img.mu.Unlock()
	img.tries = n + 1 // stored shifted so the zero value means "never set"
}

// PINTries is the CNS PIN's retry counter now.
func (img *Image) PINTries() int {
	img.mu.Lock()
	defer img.mu.Unlock()
	return img.triesLocked()
}

func (img *Image) triesLocked() int {
	if img.tries == 0 {
		return PINTriesMax
	}
	return img.tries - 1
}

// PINAttempts counts the VERIFY commands that presented a PIN to the card since it was made (any
// VERIFY with a data field or a Le, at any reference: Card.verify): what a test asserts stays zero when
// nobody was meant to spend a try.
func (img *Image) PINAttempts() int {
	img.mu.Lock()
	defer img.mu.Unlock()
	return img.attempts
}

// File is one transparent EF. Path starts with 3F00; the DFs on the way exist implicitly.
type File struct {
	Path []uint16
	Data []byte
}

// NewTSCNS builds the image of a TS-CNS of a family of the table (cns.FamilyByID): the family's first
// exact ATR, EF_IDCarta, EF_DatiPersonali, the authentication certificate (CNS0) and, when given, the
// signature certificate (CNS1), at the paths OpenSC's itacns emulator reads.
func NewTSCNS(family string, h cns.Holder, cardID string, authCertDER, sigCertDER []byte) (*Image, error) {
	f, ok := cns.FamilyByID(family)
	if !ok {
		return nil, fmt.Errorf("virtualcard: unknown family %q", family)
	}
	atr, ok := f.ExactATR()
	if !ok {
		return nil, fmt.Errorf("virtualcard: family %q has no exact ATR in the table", family)
	}
	id, err := cns.EncodeIDCarta(cardID)
	if err != nil {
		return nil, err
	}
	dp, err := cns.EncodeDatiPersonali(h)
	if err != nil {
		return nil, err
	}
	if len(dp) > cns.MaxDatiPersonaliSize {
		return nil, fmt.Errorf("virtualcard: EF_DatiPersonali is %d bytes, OpenSC reads at most %d", len(dp), cns.MaxDatiPersonaliSize)
	}
	if len(authCertDER) == 0 {
		return nil, fmt.Errorf("virtualcard: the authentication certificate is required")
	}
	img := &Image{ATR: atr, Files: []File{
		{cns.PathIDCarta, id},
		{cns.PathDatiPersonali, dp},
		{cns.PathCertCNS0, authCertDER},
	}}
	if len(sigCertDER) > 0 {
		img.Files = append(img.Files, File{cns.PathCertCNS1, sigCertDER})
	}
	return img, img.Check()
}

// Check verifies the image: a parseable ATR, paths from the MF, no file where a DF must be.
func (img *Image) Check() error {
	if _, err := cns.ParseATR(img.ATR); err != nil {
		return fmt.Errorf("virtualcard: %w", err)
	}
	_, err := buildTree(img.Files)
	return err
}

// node is a DF or an EF in the card's file system.
type node struct {
	fid      uint16
	parent   *node
	children []*node // nil for an EF
	isDF     bool
	data     []byte
}

func buildTree(files []File) (*node, error) {
	mf := &node{fid: 0x3F00, isDF: true}
	for _, f := range files {
		if len(f.Path) < 2 || f.Path[0] != 0x3F00 {
			return nil, fmt.Errorf("virtualcard: path %s must start with 3F00 and name a file", pathString(f.Path))
		}
		if len(f.Data) > 0x7FFF {
			return nil, fmt.Errorf("virtualcard: file %s too large for READ BINARY offsets", pathString(f.Path))
		}
		dir := mf
		for i, fid := range f.Path[1:] {
			last := i == len(f.Path)-2
			c := dir.child(fid)
			switch {
			case c == nil:
				c = &node{fid: fid, parent: dir, isDF: !last}
				if last {
					c.data = append([]byte(nil), f.Data...)
				}
				dir.children = append(dir.children, c)
			case last || !c.isDF:
				return nil, fmt.Errorf("virtualcard: path %s clashes with another file", pathString(f.Path))
			}
			dir = c
		}
	}
	return mf, nil
}

func (n *node) child(fid uint16) *node {
	for _, c := range n.children {
		if c.fid == fid {
			return c
		}
	}
	return nil
}

func pathString(p []uint16) string {
	var sb strings.Builder
	for _, f := range p {
		fmt.Fprintf(&sb, "%04X", f)
	}
	return sb.String()
}

// Paths lists the image's file paths as hex strings, sorted (for logs and the command line).
func (img *Image) Paths() []string {
	var out []string
	for _, f := range img.Files {
		out = append(out, pathString(f.Path))
	}
	sort.Strings(out)
	return out
}
