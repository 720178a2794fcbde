// A stand-in for ponte-host in the dist test when the real one is not built: a cgo binary linking
// libpcsclite, as ponte-host does, so the package's Depends are computed from a real ELF.
package main

/*
#cgo CFLAGS: -I/usr/include/PCSC
#cgo LDFLAGS: -lpcsclite
#include <winscard.h>
*/
import "C"

import "fmt"

func main() { fmt.Println(C.SCardIsValidContext(0) != 0) }
