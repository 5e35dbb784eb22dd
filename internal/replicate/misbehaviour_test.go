package replicate

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// forged returns e with one bit of its signature flipped: well formed,
// correctly hashed, not signed by its author.
func forged(t testing.TB, e *entry.Entry) *entry.Entry {
	t.Helper()
	h := e.Header
	h.Signature[0] ^= 1
	f, err := entry.Parse(h.AppendSigned(nil), bytes.Clone(e.Payload))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func headItem(c *chain) Item {
	return Item{Log: c.logKey(), Seq: uint64(len(c.es)), Head: c.es[len(c.es)-1].ID}
}

// offerAndAwaitWant plays the initiator's part of a reconciliation in which
// the fake offers the chains' logs, and waits for the engine's WANTs.
func offerAndAwaitWant(t testing.TB, f *fakePeer, cs ...*chain) {
	t.Helper()
	var items []Item
	for _, c := range cs {
		items = append(items, headItem(c))
	}
	sortItems(items)
	f.hello()
	f.send(&Reconcile{Ranges: []Range{{Mode: ModeList, Items: items}}})
	m, _ := f.next(KindWant)
	if got := len(m.(*Want).Logs); got != len(cs) {
		t.Fatalf("the engine wants %d logs, want %d", got, len(cs))
	}
	f.next(KindWantsDone)
}

func TestMisbehaviour(t *testing.T) {
	frameOf := func(body ...byte) []byte {
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
	}
	cases := []struct {
		name   string
		limits Limits
		code   Code
		stored int // entries of the offered log the store must hold afterwards
		act    func(t *testing.T, f *fakePeer, c *chain)
	}{
		{"forged signature", Limits{}, CodeInvalidEntry, 1, func(t *testing.T, f *fakePeer, c *chain) {
			f.send(&Entries{Entries: []*entry.Entry{c.es[0], forged(t, c.es[1]), c.es[2]}})
		}},
		{"broken chain", Limits{}, CodeInvalidEntry, 1, func(t *testing.T, f *fakePeer, c *chain) {
			dangling, err := entry.Sign(c.key, entry.Draft{LogID: c.log, Seq: 2, Backlink: entry.ID{0xbb}, Timestamp: 5})
			if err != nil {
				t.Fatal(err)
			}
			f.send(&Entries{Entries: []*entry.Entry{c.es[0], dangling}})
		}},
		{"malformed message", Limits{}, CodeMalformed, 0, func(t *testing.T, f *fakePeer, c *chain) {
			f.sendRaw(frameOf(0x83, 0x04, 0x18, 0x05, 0x00)) // CREDIT with 5 not in its shortest form
		}},
		{"oversized length prefix", Limits{}, CodeLimit, 0, func(t *testing.T, f *fakePeer, c *chain) {
			f.sendRaw(binary.BigEndian.AppendUint32(nil, MaxMessage+1))
		}},
		{"zero length prefix", Limits{}, CodeMalformed, 0, func(t *testing.T, f *fakePeer, c *chain) {
			f.sendRaw([]byte{0, 0, 0, 0})
		}},
		{"unknown kind", Limits{}, CodeMalformed, 0, func(t *testing.T, f *fakePeer, c *chain) {
			f.sendRaw(frameOf(0x81, 0x18, 42))
		}},
		{"unsolicited entry", Limits{}, CodeUnsolicited, 0, func(t *testing.T, f *fakePeer, c *chain) {
			f.send(&Entries{Entries: newChain(t, 7, 7).add(t, 1)})
		}},
		{"entry out of order", Limits{}, CodeUnsolicited, 0, func(t *testing.T, f *fakePeer, c *chain) {
			f.send(&Entries{Entries: []*entry.Entry{c.es[1]}})
		}},
		{"credit overrun", Limits{CreditEntries: 2}, CodeLimit, 0, func(t *testing.T, f *fakePeer, c *chain) {
			f.send(&Entries{Entries: c.es[:3]})
		}},
		{"too much credit granted", Limits{}, CodeLimit, 0, func(t *testing.T, f *fakePeer, c *chain) {
			f.send(&Credit{Entries: MaxCreditEntries})
		}},
		{"flood", Limits{MessageBurst: 30, MessageRate: 1}, CodeFlood, 0, func(t *testing.T, f *fakePeer, c *chain) {
			for range 40 {
				f.send(&Credit{})
			}
		}},
		{"too many entries in one message", Limits{}, CodeLimit, 0, func(t *testing.T, f *fakePeer, c *chain) {
			es := make([]*entry.Entry, MaxEntriesPerMessage+1)
			for i := range es {
				es[i] = c.es[0]
			}
			f.send(&Entries{Entries: es})
		}},
		{"second HELLO", Limits{}, CodeMalformed, 0, func(t *testing.T, f *fakePeer, c *chain) {
			f.send(&Hello{Version: Version})
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := newNode(t, 1, tc.limits)
			c := newChain(t, 10+i, 1)
			c.add(t, 3)
			f := newFakePeer(t, n, 1, true)
			offerAndAwaitWant(t, f, c)
			tc.act(t, f, c)
			bye, err := f.bye()
			if bye.Code != tc.code {
				t.Fatalf("BYE code %d (%s) %q, want %d (%s)", bye.Code, bye.Code, bye.Text, tc.code, tc.code)
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != tc.code {
				t.Fatalf("Run returned %v, want a *ProtocolError with code %d", err, tc.code)
			}
			n.mu.Lock()
			got := n.misbeh
			n.mu.Unlock()
			if len(got) != 1 || got[0] != tc.code {
				t.Fatalf("OnMisbehaviour calls %v, want [%d]", got, tc.code)
			}
			h, herr := n.st.Head(context.Background(), c.logKey())
			if tc.stored == 0 && !errors.Is(herr, store.ErrNotFound) || tc.stored > 0 && (herr != nil || h.Seq != uint64(tc.stored) || h.ID != c.es[tc.stored-1].ID) {
				t.Fatalf("the store holds the log up to %d (%v), want %d of its valid entries", h.Seq, herr, tc.stored)
			}
			forks, _ := n.st.Forks(context.Background())
			if len(forks) != 0 {
				t.Fatalf("fork evidence stored: %v", forks)
			}
		})
	}
}

// TestMisbehaviourOthersServed: while one peer is cut off for a forged
// entry, the engine goes on serving another.
func TestMisbehaviourOthersServed(t *testing.T) {
	n, good := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	c := newChain(t, 3, 1)
	ingest(t, good.st, c.add(t, 5))
	connect(t, good, n)
	waitLive(t, good, n)

	bad := newChain(t, 4, 1)
	bad.add(t, 2)
	f := newFakePeer(t, n, 9, true)
	offerAndAwaitWant(t, f, bad)
	f.send(&Entries{Entries: []*entry.Entry{forged(t, bad.es[0])}})
	if bye, _ := f.bye(); bye.Code != CodeInvalidEntry {
		t.Fatalf("BYE code %d, want %d", bye.Code, CodeInvalidEntry)
	}

	more := c.add(t, 3)
	ingest(t, good.st, more)
	good.eng.Added(more)
	waitHead(t, n.st, c.logKey(), 8)
	if _, err := n.st.Head(context.Background(), bad.logKey()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the bad peer's log is held: %v", err)
	}
}

// TestVersionMismatch: a HELLO with another version is refused with code 1
// and is not reported as misbehaviour.
func TestVersionMismatch(t *testing.T) {
	n := newNode(t, 1, Limits{})
	f := newFakePeer(t, n, 1, true)
	f.send(&Hello{Version: 2})
	bye, err := f.bye()
	var pe *ProtocolError
	if bye.Code != CodeVersion || !errors.As(err, &pe) || pe.Code != CodeVersion {
		t.Fatalf("BYE %+v, Run %v; want code %d", bye, err, CodeVersion)
	}
	if len(n.misbeh) != 0 {
		t.Fatalf("OnMisbehaviour called: %v", n.misbeh)
	}
}
