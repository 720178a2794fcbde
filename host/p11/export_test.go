package p11

// CloseAllSessions closes every session of the token's slot behind the Token's back (C_CloseAllSessions),
// as a middleware does when it sees the card leave.
func (t *Token) CloseAllSessions() error { return t.mod.ctx.CloseAllSessions(t.SlotID) }

// SwapCard is a card swapped for another in the handle's reader, seen from the host: the slot now answers
// with the token of slot, and the session of the card that left is gone (PKCS#11 v2.40 §5.6).
func (t *Token) SwapCard(slot uint) {
	t.lock.Lock()
	defer t.lock.Unlock()
	t.SlotID, t.hasSession = slot, false
}
