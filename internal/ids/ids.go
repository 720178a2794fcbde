// Package ids holds the names that tie the extension and the native host together: the native messaging
// host name, the extension's public key (which fixes its Chrome ID) and the Firefox add-on id.
package ids

import (
	"crypto/sha256"
	"encoding/base64"
)

// HostName is the native messaging host name (manifest "name"; chrome.runtime.connectNative argument).
const HostName = "it.ponte.host"

// FirefoxAddonID is browser_specific_settings.gecko.id and the host manifest's allowed_extensions entry.
const FirefoxAddonID = "ponte@ponte.it"

// ExtensionKey is the "key" of the extension's manifest.json: the base64 DER SubjectPublicKeyInfo whose hash
// gives the extension its fixed ID whatever folder it is loaded from.
const ExtensionKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAw4IZC+eEDNsKNF61IOj3unhA07iwTusetKAumenvSjgVOOiDzETFVBEu5AhuZ54OpOcFxY6KMoePTP+KLnfFNuZmFCPngHGEpRLFYaHkhuC6vzIk+xZxWgwR++TVaVemZDBuk5X+QGjITslaNiKh98TWQt6NElfbP0bam1vL+iUtRhODBI1t2APQUwkH6Gu7lXA6/MY0n+CHZxkTjgzZHeUCQme6Cmvv0dKsW7g7mcnpE84RY/jusGsBNJnmOBHrK01a15F9MZYl7RyfhUC3EfBypruZAJ+8pT9RZjmjoiVK9U+Q9vR4sxg25DiidqrfXGvVyaQEYrbxXLsH0ATZEQIDAQAB"

// ChromeExtensionID derives the ID from ExtensionKey as Chromium does: the first 128 bits of SHA-256 of the
// public key, written with the letters a-p for the hex digits 0-f.
func ChromeExtensionID() string {
	der, err := base64.StdEncoding.DecodeString(ExtensionKey)
	if err != nil {
		panic("ids: ExtensionKey is not base64: " + err.Error())
	}
	sum := sha256.Sum256(der)
	id := make([]byte, 32)
	for i, b := range sum[:16] {
		id[2*i] = 'a' + b>>4
		id[2*i+1] = 'a' + b&0x0f
	}
	return string(id)
}

// ChromeOrigin is the origin Chrome passes to the host as its first argument.
func ChromeOrigin() string { return "chrome-extension://" + ChromeExtensionID() + "/" }
