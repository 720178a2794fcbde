package main

import (
	"github.com/ponte-it/ponte/host/install"
	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/cns"
	"github.com/ponte-it/ponte/internal/ids"
)

// pkcs11Modules are the card modules `ponte-host install` offers to Firefox (host/install/pkcs11.go): the
// modules the user named (PONTE_PKCS11_MODULE or the configuration file), which replace the driver table as
// they do for reading cards, else every installed library of a driver some card family needs
// (internal/cns families.json; OpenSC on most Linux systems).
func pkcs11Modules(l p11.Locator) []install.PKCS11Module {
	over, err := l.Overrides()
	if err == nil && len(over) > 0 {
		out := make([]install.PKCS11Module, 0, len(over))
		for _, c := range over {
			out = append(out, install.PKCS11Module{Name: ids.PKCS11ModuleName(c.Path), Path: c.Path,
				Description: "Ponte: " + c.Path})
		}
		return out
	}
	needed := map[string]bool{}
	for _, f := range cns.Families() {
		for _, d := range f.Drivers {
			needed[d] = true
		}
	}
	var out []install.PKCS11Module
	for _, d := range p11.Drivers {
		if !needed[d.Name] {
			continue
		}
		if p, ok := l.Installed(d.Name); ok {
			out = append(out, install.PKCS11Module{Name: ids.PKCS11ModuleName(d.Name), Path: p, Description: "Ponte: " + d.Product})
		}
	}
	return out
}
