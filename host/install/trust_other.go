//go:build !unix

package install

import "os"

// ownerUID: Windows has no uid; a system install there goes under Program Files, whose ACLs the
// installer sets (docs/install.md).
func ownerUID(os.FileInfo) (uint32, bool) { return 0, false }
