package protocol

// DiagnoseResult answers "Smartcard non inserita. Verificare il corretto inserimento, l'installazione dei
// driver…" (seed 004) with what Ponte actually sees, and what to do, in plain words.
type DiagnoseResult struct {
	Version string         `json:"version"`
	OS      string         `json:"os"`
	PCSC    ServiceStatus  `json:"pcsc"`
	Readers []Reader       `json:"readers"`
	Drivers []DriverStatus `json:"drivers"`
	Advice  []Advice       `json:"advice"`
}

// ServiceStatus says whether the PC/SC service answers.
type ServiceStatus struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// DriverStatus is one PKCS#11 module: the one a card family needs, or one the user configured.
type DriverStatus struct {
	Driver    string `json:"driver,omitempty"`
	Product   string `json:"product,omitempty"`
	Source    string `json:"source"` // "driver", "env" or "config"
	Installed bool   `json:"installed"`
	Path      string `json:"path,omitempty"`
	Loads     bool   `json:"loads"`
	Tokens    int    `json:"tokens"`
	Error     string `json:"error,omitempty"`
}

// Advice is one thing to do (or "all is well"), in Italian and English. Level is "ok", "info", "warn" or
// "error".
type Advice struct {
	Level string `json:"level"`
	IT    string `json:"it"`
	EN    string `json:"en"`
}
