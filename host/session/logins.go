package session

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
)

// IdleLogout ends a PIN login when its session has not used the card for this long (docs/install.md,
// "PIN logins"): long enough for a renewal's CA round trips, short enough that a forgotten page does not
// leave the card open.
const IdleLogout = 10 * time.Minute

// Logins binds each card's PIN login to the session that made it. PKCS#11 keeps one login state per
// token for the whole process (PKCS#11 v2.40, §6.7.1: sessions of an application share it), and all
// WebSocket sessions of `ponte-host serve` share one process: without this a second session would use
// the first one's login. A card logged in by one session refuses the card commands of every other
// session (NOT_LOGGED_IN); the login ends (logout) when its session ends, when it is idle for Idle, and
// a logout or a failed command on a removed card forgets it.
type Logins struct {
	Idle   time.Duration
	Logout func(card string) // C_Logout on the card; errors (a removed card) are the card's business

	mu    sync.Mutex
	owner map[string]*login
	cards sync.Map // card -> *sync.Mutex: one login or card command at a time per card (Run)
}

// Run runs a command of session sid through fn: for a login or a card command, the owner check, the
// command and the recording of its outcome are one step per card. Checked apart, a command of another
// session sent while a login is still running (a PIN-pad reader waiting for the holder, a slow card)
// found no owner yet, then ran on the card once logged in: it signed, or "logged in" with any PIN,
// on that login.
func (l *Logins) Run(sid uint64, req protocol.Request, fn func() (any, *protocol.Error)) (any, *protocol.Error) {
	if l == nil || (!cardCommands[req.Command] && req.Command != protocol.CmdLogin) {
		return fn()
	}
	m, _ := l.cards.LoadOrStore(cardOf(req), &sync.Mutex{})
	m.(*sync.Mutex).Lock()
	defer m.(*sync.Mutex).Unlock()
	if perr := l.check(sid, req); perr != nil {
		return nil, perr
	}
	res, perr := fn()
	l.done(sid, req, perr)
	return res, perr
}

type login struct {
	session uint64
	timer   *time.Timer
}

// NewLogins returns the binding with the stated idle timeout.
func NewLogins(logout func(card string)) *Logins {
	return &Logins{Idle: IdleLogout, Logout: logout, owner: map[string]*login{}}
}

// cardCommands are the commands that use a login (the PIN commands log in themselves).
var cardCommands = map[string]bool{
	protocol.CmdSign: true, protocol.CmdGenerateKey: true, protocol.CmdWriteCertificate: true,
	protocol.CmdDeleteObjects: true, protocol.CmdLogout: true,
}

func cardOf(req protocol.Request) string {
	var p struct {
		Card string `json:"card"`
	}
	_ = json.Unmarshal(req.Params, &p)
	return p.Card
}

// check refuses a card command of session sid on a card another session logged in, and keeps the
// owner's login alive.
func (l *Logins) check(sid uint64, req protocol.Request) *protocol.Error {
	if l == nil || (!cardCommands[req.Command] && req.Command != protocol.CmdLogin) {
		return nil
	}
	card := cardOf(req)
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.owner[card]
	if o == nil {
		return nil
	}
	if o.session != sid {
		if req.Command == protocol.CmdLogin {
			// Never tried: C_Login answers CKR_USER_ALREADY_LOGGED_IN, which p11 takes as success,
			// whatever PIN this session typed.
			return protocol.Errorf(protocol.ErrCardBusy, "the card is logged in for another page or window")
		}
		return protocol.Errorf(protocol.ErrNotLoggedIn, "the card's PIN login belongs to another page or window")
	}
	o.timer.Reset(l.Idle)
	return nil
}

// done records the outcome of a command: a successful login binds the card to sid, a logout unbinds it.
func (l *Logins) done(sid uint64, req protocol.Request, perr *protocol.Error) {
	if l == nil {
		return
	}
	card := cardOf(req)
	switch {
	case req.Command == protocol.CmdLogin && perr == nil:
		l.mu.Lock()
		if o := l.owner[card]; o != nil {
			o.timer.Stop()
		}
		o := &login{session: sid}
		o.timer = time.AfterFunc(l.Idle, func() { l.expire(card, o) })
		l.owner[card] = o
		l.mu.Unlock()
	case req.Command == protocol.CmdLogout && perr == nil,
		perr != nil && (perr.Code == protocol.ErrCardRemoved || perr.Code == protocol.ErrNoCard):
		l.mu.Lock()
		if o := l.owner[card]; o != nil && o.session == sid {
			o.timer.Stop()
			delete(l.owner, card)
		}
		l.mu.Unlock()
	}
}

// expire logs out an idle login (unless it was replaced meanwhile).
func (l *Logins) expire(card string, o *login) {
	l.mu.Lock()
	current := l.owner[card] == o
	if current {
		delete(l.owner, card)
	}
	l.mu.Unlock()
	if current {
		l.Logout(card)
	}
}

// end logs out every card session sid logged in: its page, window or WebSocket is gone.
func (l *Logins) end(sid uint64) { l.endWhere(func(o *login) bool { return o.session == sid }) }

// CardRemoved ends every login: the host's card-removed event names the reader, not the card, and a
// card put back must ask its PIN again. A login on a card still in another reader ends too (its page
// asks the PIN again): the safe side.
func (l *Logins) CardRemoved() { l.endWhere(func(*login) bool { return true }) }

// WatchRemovals ends the logins on every card-removed event of hub.
func (l *Logins) WatchRemovals(hub *Hub) {
	if hub == nil {
		return
	}
	hub.Subscribe(func(m protocol.Message) {
		if m.Event == protocol.EvCardRemoved {
			go l.CardRemoved()
		}
	})
}

func (l *Logins) endWhere(match func(*login) bool) {
	if l == nil {
		return
	}
	var cards []string
	l.mu.Lock()
	for card, o := range l.owner {
		if match(o) {
			o.timer.Stop()
			delete(l.owner, card)
			cards = append(cards, card)
		}
	}
	l.mu.Unlock()
	for _, c := range cards {
		l.Logout(c)
	}
}

// LogoutFunc adapts a logout handler (the host's "logout" command) for Logins.
func LogoutFunc(h Handler) func(card string) {
	return func(card string) {
		params, _ := json.Marshal(protocol.CardRef{Card: card})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = h(ctx, protocol.Request{ID: "logout-" + card, Command: protocol.CmdLogout, Params: params})
	}
}
