package p11

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ponte-it/ponte/host/p11/ck"
)

// Timeouts bound every call into a module. A module call cannot be cancelled (it is C code), so when one
// overruns, the module is marked dead: later calls fail at once with ErrModuleFailed, the stuck call is
// left to finish on its own goroutine, and every other module and token keeps working.
type Timeouts struct {
	Load   time.Duration // dlopen + C_Initialize
	Call   time.Duration // ordinary calls
	KeyGen time.Duration // C_GenerateKeyPair: old cards take minutes (seed 000: "da pochi secondi a 2-3 minuti")
	PINPad time.Duration // C_Login on a protected authentication path: the user types on the reader
}

// DefaultTimeouts are generous: they exist to keep the host alive, not to hurry the card.
var DefaultTimeouts = Timeouts{Load: 20 * time.Second, Call: 60 * time.Second, KeyGen: 6 * time.Minute, PINPad: 3 * time.Minute}

// Manager owns the loaded modules: one *ck.Ctx per library path, initialised once, finalised on Close.
//
// Isolation achieved in-process: each module has its own context, calls are bounded by Timeouts, a hung or
// failing module is marked dead without affecting others, and per-token locks serialise operations. Not
// achievable in-process: surviving a module that crashes (SIGSEGV, abort) or corrupts memory; Probe in a
// subprocess (ProbeSubprocess) is how diagnose tests an unknown module without risking the host.
type Manager struct {
	Timeouts Timeouts

	mu   sync.Mutex
	mods map[string]*Module
}

// NewManager returns a manager with DefaultTimeouts.
func NewManager() *Manager {
	return &Manager{Timeouts: DefaultTimeouts, mods: map[string]*Module{}}
}

// LibraryInfo is CK_INFO (PKCS#11 v2.40 §5.4 C_GetInfo).
type LibraryInfo struct {
	Manufacturer string `json:"manufacturer"`
	Description  string `json:"description"`
	Version      string `json:"version"`
	Cryptoki     string `json:"cryptoki"`
}

// Module is one loaded PKCS#11 library.
type Module struct {
	Path string
	Info LibraryInfo

	t   Timeouts
	ctx *ck.Ctx

	mu     sync.Mutex
	dead   error // set when the module hung or was finalised under us
	hung   bool
	tokens map[uint]*Token
	gen    atomic.Uint64 // incremented by each C_Initialize after the first
}

// Load returns the module for a library path, loading and initialising it the first time.
func (m *Manager) Load(path string) (*Module, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if mod, ok := m.mods[path]; ok {
		if err := mod.revive(); err != nil {
			return nil, err
		}
		return mod, nil
	}
	mod, err := load(path, m.Timeouts)
	if mod != nil {
		m.mods[path] = mod // a module hung in C_Initialize stays here, dead: revive never calls it again
	}
	if err != nil {
		return nil, err
	}
	return mod, nil
}

// Modules lists the loaded modules.
func (m *Manager) Modules() []*Module {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Module, 0, len(m.mods))
	for _, mod := range m.mods {
		out = append(out, mod)
	}
	return out
}

// Unload finalises and unloads one module (a no-op when it is not loaded).
func (m *Manager) Unload(path string) error {
	m.mu.Lock()
	mod, ok := m.mods[path]
	delete(m.mods, path)
	m.mu.Unlock()
	if !ok {
		return nil
	}
	return mod.close()
}

// Close finalises every module.
func (m *Manager) Close() error {
	m.mu.Lock()
	mods := m.mods
	m.mods = map[string]*Module{}
	m.mu.Unlock()
	var errs []error
	for _, mod := range mods {
		errs = append(errs, mod.close())
	}
	return errors.Join(errs...)
}

func load(path string, t Timeouts) (*Module, error) {
	const op = "load module"
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		return nil, fail(op, ErrModuleMissing, "%s not found", path)
	}
	mod := &Module{Path: path, t: t, tokens: map[uint]*Token{}}
	err := mod.bounded(op, t.Load, func() error {
		ctx := ck.New(path)
		if ctx == nil {
			return fail(op, ErrModuleFailed, "%s is not a loadable PKCS#11 library (dlopen or C_GetFunctionList failed)", path)
		}
		if err := ctx.Initialize(); err != nil && !isRV(err, ck.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
			ctx.Destroy()
			return &Error{Op: "C_Initialize", RV: rvOf(err), Kind: ErrModuleFailed, msg: path}
		}
		mod.ctx = ctx
		info, err := ctx.GetInfo()
		if err == nil {
			mod.Info = LibraryInfo{
				Manufacturer: strings.TrimSpace(info.ManufacturerID),
				Description:  strings.TrimSpace(info.LibraryDescription),
				Version:      fmt.Sprintf("%d.%d", info.LibraryVersion.Major, info.LibraryVersion.Minor),
				Cryptoki:     fmt.Sprintf("%d.%d", info.CryptokiVersion.Major, info.CryptokiVersion.Minor),
			}
		}
		return nil
	})
	if err != nil && mod.hung {
		// Its C_Initialize still runs on a thread of ours: calling in again (the card search loads every
		// installed module on each card list) would only stack another stuck thread and another wait.
		return mod, err
	}
	if err != nil {
		return nil, err
	}
	return mod, nil
}

// revive re-initialises a module that was finalised under us (CKR_CRYPTOKI_NOT_INITIALIZED); a module
// whose call hung stays dead until the host restarts.
func (mod *Module) revive() error {
	mod.mu.Lock()
	dead, hung := mod.dead, mod.hung
	mod.mu.Unlock()
	if dead == nil {
		return nil
	}
	if hung {
		return dead
	}
	err := mod.run("C_Initialize", mod.t.Load, func() error {
		if err := mod.ctx.Initialize(); err != nil && !isRV(err, ck.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
			return wrap("C_Initialize", err, whoNone)
		}
		return nil
	})
	if err != nil {
		return err
	}
	mod.mu.Lock()
	mod.dead = nil
	mod.mu.Unlock()
	mod.gen.Add(1) // sessions opened before are gone: tokens reopen theirs
	return nil
}

func (mod *Module) close() error {
	mod.mu.Lock()
	hung := mod.hung
	mod.dead = fail("close", ErrModuleFailed, "module closed")
	mod.mu.Unlock()
	if hung || mod.ctx == nil {
		return nil // a stuck call still owns the library: unloading it under that call would crash
	}
	err := mod.ctx.Finalize()
	mod.ctx.Destroy()
	if err != nil && !isRV(err, ck.CKR_CRYPTOKI_NOT_INITIALIZED) {
		return wrap("C_Finalize", err, whoNone)
	}
	return nil
}

// Finalize calls C_Finalize without unloading: every later call fails until the manager loads the path
// again. It exists for tests of the "module went away" path.
func (mod *Module) Finalize() error {
	return mod.bounded("C_Finalize", mod.t.Call, func() error { return wrap("C_Finalize", mod.ctx.Finalize(), whoNone) })
}

// Err reports why the module is unusable, or nil.
func (mod *Module) Err() error {
	mod.mu.Lock()
	defer mod.mu.Unlock()
	return mod.dead
}

// bounded runs f, a module call, within d. On overrun the module is marked dead.
func (mod *Module) bounded(op string, d time.Duration, f func() error) error {
	if err := mod.Err(); err != nil {
		return err
	}
	return mod.run(op, d, f)
}

// run is bounded without the dead check, for revive.
func (mod *Module) run(op string, d time.Duration, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-done:
		if errors.Is(err, ErrModuleFailed) && isRV(err, ck.CKR_CRYPTOKI_NOT_INITIALIZED) {
			mod.mu.Lock()
			mod.dead = err
			mod.mu.Unlock()
		}
		return err
	case <-timer.C:
		err := fail(op, ErrModuleFailed, "%s did not answer within %s", mod.Path, d)
		mod.mu.Lock()
		mod.dead, mod.hung = err, true
		mod.mu.Unlock()
		return err
	}
}

func isRV(err error, rv uint) bool { return rvOf(err) == rv }

func rvOf(err error) uint {
	var pe ck.Error
	if errors.As(err, &pe) {
		return uint(pe)
	}
	var e *Error
	if errors.As(err, &e) {
		return e.RV
	}
	return 0
}
