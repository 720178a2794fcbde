//go:build !unix

package p11

// SafeModulePath: the table's Windows libraries live under Program Files and System32, which only
// administrators can write; there is no owner check to add here.
func SafeModulePath(string) error { return nil }
