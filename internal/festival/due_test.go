package festival

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// publishDue has the owner's node publish what Due says, from its view
// (the entries it holds), referencing the heads of the logs it holds.
func (w *world) publishDue(owner int, view []*entry.Entry) []*entry.Entry {
	w.t.Helper()
	heads := map[entry.LogID]*entry.Entry{}
	for _, e := range view {
		if h := heads[e.Header.LogID]; h == nil || h.Header.Seq < e.Header.Seq {
			heads[e.Header.LogID] = e
		}
	}
	var refs []entry.ID
	for _, e := range heads {
		if e.Header.Author != w.logs[owner].key.Public() {
			refs = append(refs, e.ID)
		}
	}
	refs = SortIDs(refs)
	var out []*entry.Entry
	for _, a := range Reduce(Input{Entries: view}).Due(w.logs[owner].key.Public()) {
		a.Refs = refs
		out = append(out, w.add(owner, a))
	}
	return out
}

// Two organisers book the same stage for overlapping windows while cut
// off from each other; the owner's node hears of one booking, grants it,
// and hears of the other after the partition heals. Every node then
// derives the same holder: the one the owner confirmed first, whichever
// entry id is smaller, and no authorization is ignored.
func TestPartitionOwnerConfirmsFirstSeen(t *testing.T) {
	anchored := 0
	for v := range 12 {
		w := newWorld(t, 4)
		f := w.festival(0, "Summer", entry.ID{})
		res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
		base := append([]*entry.Entry{}, w.all...)
		first := w.event(2, f, fmt.Sprintf("Concert %d", v), hours(20, 22), res)
		e2 := w.all[len(w.all)-1]
		second := w.event(3, f, fmt.Sprintf("Theatre %d", v), hours(21, 23), res)
		e3 := w.all[len(w.all)-1]
		// The owner's node holds the festival and the first booking.
		grant := w.publishDue(1, append(append([]*entry.Entry{}, base...), e2))
		if len(grant) != 1 {
			t.Fatalf("variant %d: %d authorizations due, want 1", v, len(grant))
		}
		// It hears of the second; the network heals.
		w.publishDue(1, append(append(append([]*entry.Entry{}, base...), e2, e3), grant...))
		s := w.reduce()
		if len(s.Ignored) != 0 {
			t.Fatalf("variant %d: ignored %+v", v, s.Ignored)
		}
		if h, _ := s.HolderAt(res, hours(21.5, 21.5).Start); h.Event != first {
			t.Fatalf("variant %d: holder %x, want the booking the owner saw first", v, h.Event[:4])
		}
		q := s.Requests[RequestKey{second, res}]
		if q.Status != StatusDenied || q.Confirmed.IsZero() {
			t.Fatalf("variant %d: second booking %s %q, confirmed %v", v, q.Status, q.Reason, !q.Confirmed.IsZero())
		}
		if len(s.Due(w.logs[1].key.Public())) != 0 {
			t.Fatalf("variant %d: still due: %+v", v, s.Due(w.logs[1].key.Public()))
		}
		if bytes.Compare(second[:], first[:]) < 0 {
			anchored++ // the causal order alone would have given it to the second
		}
	}
	if anchored == 0 || anchored == 12 {
		t.Fatalf("%d of 12 variants had the second booking's id smaller: both cases must occur", anchored)
	}
}

func TestClip(t *testing.T) {
	if got := clip("aé", 2); got != "a" {
		t.Fatalf("%q", got)
	}
	if got := clip("abc", 5); got != "abc" {
		t.Fatalf("%q", got)
	}
}
