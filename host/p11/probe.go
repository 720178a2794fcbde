package p11

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// ProbeResult says whether a module library loads and initialises, and what it reports.
type ProbeResult struct {
	Path    string      `json:"path"`
	Loads   bool        `json:"loads"` // dlopen, C_GetFunctionList and C_Initialize succeeded
	Library LibraryInfo `json:"library"`
	Slots   int         `json:"slots"`
	Tokens  int         `json:"tokens"`
	Error   string      `json:"error,omitempty"`
}

// Probe loads a module into this manager (it stays loaded) and lists its slots.
func (m *Manager) Probe(path string) ProbeResult {
	r := ProbeResult{Path: path}
	mod, err := m.Load(path)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Loads, r.Library = true, mod.Info
	slots, err := mod.Slots()
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Slots = len(slots)
	for _, s := range slots {
		if s.TokenPresent {
			r.Tokens++
		}
	}
	return r
}

// EnvProbe is the environment variable that turns a process into a one-shot module probe (see
// RunProbeIfRequested).
const EnvProbe = "PONTE_P11_PROBE"

// RunProbeIfRequested must be called first thing in main (and in TestMain of packages that use
// ProbeSubprocess): when the process was started by ProbeSubprocess it probes the module, prints the
// result as JSON on stdout and exits.
func RunProbeIfRequested() {
	path := os.Getenv(EnvProbe)
	if path == "" {
		return
	}
	m := NewManager()
	r := m.Probe(path)
	_ = m.Close()
	_ = json.NewEncoder(os.Stdout).Encode(r)
	os.Exit(0)
}

// ProbeSubprocess probes a module in a child process (exe, normally os.Executable(), which must call
// RunProbeIfRequested). A module that crashes or hangs kills only the child: this is the isolation the
// host cannot have in-process. The child is killed when ctx ends or after timeout.
func ProbeSubprocess(ctx context.Context, exe, path string, timeout time.Duration) ProbeResult {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), EnvProbe+"="+path)
	out, err := cmd.Output()
	var r ProbeResult
	if jerr := json.Unmarshal(out, &r); jerr == nil && r.Path == path {
		return r
	}
	r = ProbeResult{Path: path}
	switch {
	case ctx.Err() != nil:
		r.Error = fmt.Sprintf("%s did not answer within %s", path, timeout)
	case err != nil:
		r.Error = fmt.Sprintf("loading %s stopped the probe process: %v", path, err)
	default:
		r.Error = "probe gave no answer"
	}
	return r
}

// DriverReport is, for diagnose, one driver a card needs: installed? loads? what to do.
type DriverReport struct {
	Driver    string      `json:"driver,omitempty"`
	Product   string      `json:"product,omitempty"`
	Source    string      `json:"source"` // "driver", "env" or "config"
	Installed bool        `json:"installed"`
	Path      string      `json:"path,omitempty"`
	Loads     bool        `json:"loads"`
	Library   LibraryInfo `json:"library"`
	Tokens    int         `json:"tokens"`
	Error     string      `json:"error,omitempty"`
	HintIT    string      `json:"hint_it,omitempty"` // what to do, when something is missing or broken
	HintEN    string      `json:"hint_en,omitempty"`
}

// DiagnoseDrivers reports on the modules the user configured (environment, configuration file) and on
// each named driver of the table. probe is Manager.Probe or a ProbeSubprocess closure.
func DiagnoseDrivers(l Locator, drivers []string, probe func(path string) ProbeResult) []DriverReport {
	var out []DriverReport
	over, err := l.Overrides()
	if err != nil {
		out = append(out, DriverReport{Source: "config", Error: err.Error(),
			HintIT: "Correggere il file di configurazione " + l.ConfigFile + " (JSON non valido).",
			HintEN: "Fix the configuration file " + l.ConfigFile + " (invalid JSON)."})
	}
	for _, c := range over {
		r := DriverReport{Source: c.Source, Path: c.Path, Installed: l.Exists(c.Path)}
		if !r.Installed {
			r.HintIT = "Il modulo PKCS#11 indicato (" + c.Path + ") non esiste: correggere " + EnvModule + " o il file di configurazione."
			r.HintEN = "The configured PKCS#11 module (" + c.Path + ") does not exist: fix " + EnvModule + " or the configuration file."
		} else {
			fill(&r, probe(c.Path))
		}
		out = append(out, r)
	}
	for _, name := range drivers {
		d, ok := DriverByName(name)
		r := DriverReport{Driver: name, Source: "driver"}
		if !ok {
			r.Error = "unknown driver " + name
			out = append(out, r)
			continue
		}
		r.Product = d.Product
		if p, ok := l.Installed(name); ok {
			r.Installed, r.Path = true, p
			fill(&r, probe(p))
		}
		if !r.Installed || !r.Loads {
			r.HintIT, r.HintEN = d.HintIT, d.HintEN
			if p, err := l.Refused(name); !r.Installed && err != nil {
				r.Path, r.Error = p, err.Error()
				r.HintIT = "Il driver " + d.Product + " è in una posizione che altri utenti possono modificare (" + p +
					"): Ponte non lo carica. Reinstallarlo dal pacchetto ufficiale o togliere i permessi di scrittura agli altri utenti."
				r.HintEN = "The " + d.Product + " driver is in a place other users can change (" + p +
					"): Ponte does not load it. Reinstall it from the official package or remove other users' write permission."
			} else if r.Installed {
				r.HintIT = "Il driver " + d.Product + " è installato ma non si avvia: reinstallarlo. " + d.HintIT
				r.HintEN = "The " + d.Product + " driver is installed but does not start: reinstall it. " + d.HintEN
			}
		}
		out = append(out, r)
	}
	return out
}

func fill(r *DriverReport, p ProbeResult) {
	r.Loads, r.Library, r.Tokens, r.Error = p.Loads, p.Library, p.Tokens, p.Error
}
