package p11

// CloseAllSessions closes every session of the token's slot behind the Token's back (C_CloseAllSessions),
// as a middleware does when it sees the card leave.
func (t *Token) CloseAllSessions() error { return t.mod.ctx.CloseAllSessions(t.SlotID) }
