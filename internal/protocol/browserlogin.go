package protocol

// CmdBrowserLogin reports, and on request makes, the registration of the card's PKCS#11 module in the
// browser's certificate store, so the CNS certificate works for TLS client authentication on PA portals.
const CmdBrowserLogin = "browser-login"

// BrowserLogin asks for the status; Register asks to register the module of the inserted card (the host
// picks the module from its own scan: the page never names a library to load).
type BrowserLogin struct {
	Register bool `json:"register"`
}

// BrowserLoginResult says what the host found and did, for Chromium on Linux (NSS shared database).
type BrowserLoginResult struct {
	Supported  bool   `json:"supported"`         // this OS has a store the host can register in (Linux)
	Tool       bool   `json:"tool"`              // modutil (libnss3-tools) is installed
	DB         string `json:"db,omitempty"`      // the database folder, sql:$HOME/.pki/nssdb
	Module     string `json:"module,omitempty"`  // the card's PKCS#11 module the host would register
	Registered bool   `json:"registered"`        // a "Ponte CNS" module is registered
	Library    string `json:"library,omitempty"` // the library it points to
	Done       string `json:"done,omitempty"`    // "registered", "already" or "" (only asked for status)
	Detail     string `json:"detail,omitempty"`  // modutil's output or why nothing was done
}
