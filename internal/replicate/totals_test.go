package replicate

import "testing"

// Totals keep what ended sessions did: two sessions in a row, 5 entries
// then 3 more, give 2 sessions and 8 entries each way, and the bytes of
// both, on both sides.
func TestTotalsKeepEndedSessions(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	c := newChain(t, 1, 1)
	ingest(t, a.st, c.add(t, 5))
	l := connect(t, a, b)
	waitHead(t, b.st, c.logKey(), 5)
	waitLive(t, a, b)
	live := a.eng.Totals()
	if live.Sessions != 1 || live.EntriesSent != 5 || live.BytesOut == 0 {
		t.Fatalf("a while live: %+v, want 1 session, 5 entries sent, bytes out", live)
	}
	l.stop(t)
	first := a.eng.Totals()
	if first.EntriesSent != 5 || first.BytesOut < live.BytesOut {
		t.Fatalf("a after the session ended: %+v, want its 5 entries and at least the %d bytes it had sent", first, live.BytesOut)
	}
	ingest(t, a.st, c.add(t, 3))
	l = connect(t, a, b)
	waitHead(t, b.st, c.logKey(), 8)
	waitLive(t, a, b)
	l.stop(t)
	ta, tb := a.eng.Totals(), b.eng.Totals()
	if ta.Sessions != 2 || ta.EntriesSent != 8 || ta.EntriesReceived != 0 || ta.BytesOut <= first.BytesOut {
		t.Errorf("a: %+v, want 2 sessions, 8 entries sent, none received, more bytes out than %d", ta, first.BytesOut)
	}
	if tb.Sessions != 2 || tb.EntriesReceived != 8 || tb.EntriesSent != 0 || !mirrored(tb.BytesIn, ta.BytesOut) || !mirrored(ta.BytesIn, tb.BytesOut) {
		t.Errorf("b: %+v, want 2 sessions, 8 entries received, none sent, and a's bytes mirrored (%+v)", tb, ta)
	}
}

// closingFrame bounds what one side writes as its session closes (its
// goodbye, sync.md) that the other may never read: the link is cut while
// it is on the way, so the reader counts everything but that.
const closingFrame = 64

// mirrored reports whether a reader counted what the writer wrote, but
// for at most one closing frame per session of the two.
func mirrored(read, written int64) bool {
	return read <= written && written-read <= 2*closingFrame
}
