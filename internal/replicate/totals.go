package replicate

// Totals are what an engine's sessions did since it was made: the
// sessions run and the sum of their counts, ended and running ones
// together, so that each only grows (for a node's metrics).
type Totals struct {
	Sessions                     int64 // sessions registered (not those closed at once as duplicates)
	EntriesReceived, EntriesSent int64
	BytesIn, BytesOut            int64
}

// add adds one session's counts.
func (t *Totals) add(s SessionState) {
	t.EntriesReceived += s.EntriesReceived
	t.EntriesSent += s.EntriesSent
	t.BytesIn += s.BytesIn
	t.BytesOut += s.BytesOut
}

// Totals returns the engine's totals: the ended sessions' counts plus the
// running ones' so far.
func (e *Engine) Totals() Totals {
	e.mu.Lock()
	t := e.done
	live := make([]*session, 0, len(e.sessions))
	for _, s := range e.sessions {
		live = append(live, s)
	}
	e.mu.Unlock()
	for _, s := range live {
		t.add(s.state())
	}
	return t
}

// retire removes s, an ended session, from the running ones and adds its final counts to
// the ended sessions' under the same lock, so that Totals never counts it
// twice nor misses it.
func (e *Engine) retire(s *session) {
	st := s.state()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.done.add(st)
	if e.sessions[s.peer] == s {
		delete(e.sessions, s.peer)
	}
	e.notifyLocked()
}
