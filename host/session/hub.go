package session

import (
	"sync"

	"github.com/ponte-it/ponte/internal/protocol"
)

// Hub fans host events (card inserted, removed, ...) out to every open session. Publish never blocks: each
// subscriber has its own queue and writer, so a stalled browser cannot hold up the card watcher or other
// sessions; a subscriber whose queue is full misses events (the UI re-reads the card list on reconnect).
type Hub struct {
	mu   sync.Mutex
	next int
	subs map[int]chan protocol.Message
}

// eventQueue is how many events a subscriber may have pending.
const eventQueue = 64

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[int]chan protocol.Message{}} }

// Subscribe registers a sink and returns the function that removes it.
func (h *Hub) Subscribe(sink func(protocol.Message)) (unsubscribe func()) {
	ch := make(chan protocol.Message, eventQueue)
	go func() {
		for m := range ch {
			sink(m)
		}
	}()
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.next
	h.next++
	h.subs[id] = ch
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if ch, ok := h.subs[id]; ok {
			delete(h.subs, id)
			close(ch)
		}
	}
}

// Publish queues an event for every subscriber.
func (h *Hub) Publish(name string, data any) error {
	m, err := protocol.NewEvent(name, data)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs {
		select {
		case ch <- m:
		default:
		}
	}
	return nil
}
