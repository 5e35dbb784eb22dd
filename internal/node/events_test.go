package node_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// next waits for the next event.
func next(t *testing.T, ch <-chan node.Event) node.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("the event channel was closed")
		}
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no event within 20 s")
	}
	return node.Event{}
}

// nextOf waits for the next event of a kind, skipping others.
func nextOf(t *testing.T, ch <-chan node.Event, kind node.EventKind, what string) node.Event {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("the event channel was closed waiting for %s", what)
			}
			if ev.Kind == kind {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s event within 20 s", what)
		}
	}
}

func TestEventsLocalEntryWithoutNetwork(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	ch, cancel := n.Subscribe(8)
	defer cancel()
	e, err := n.Post(t.Context(), "hello", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	ev := next(t, ch)
	if ev.Kind != node.EventEntry || ev.Entry.ID != e.ID || !ev.Local {
		t.Fatalf("event %+v, want the local entry %s", ev, e.ID)
	}
	select {
	case ev := <-ch:
		t.Fatalf("unexpected second event %+v", ev)
	default:
	}
}

func TestEventsImportIsLocal(t *testing.T) {
	a, _ := initNode(t, node.Options{})
	if _, err := a.Post(t.Context(), "exported", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := a.Export(t.Context(), &buf, nil, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := initNode(t, node.Options{})
	ch, cancel := b.Subscribe(16)
	defer cancel()
	if _, err := b.Import(t.Context(), &buf, nil); err != nil {
		t.Fatal(err)
	}
	got := 0
	for len(ch) > 0 {
		ev := <-ch
		if ev.Kind != node.EventEntry || !ev.Local {
			t.Errorf("event %+v, want a local entry", ev)
		}
		got++
	}
	if got != 2 { // a's device certificate and its post
		t.Errorf("%d entry events after import, want 2", got)
	}
}

func TestEventsOverflow(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	ch, cancel := n.Subscribe(2)
	defer cancel()
	for i := 0; i < 5; i++ {
		if _, err := n.Post(t.Context(), fmt.Sprint("post ", i), nil, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	var kinds []node.EventKind
	for len(ch) > 0 {
		kinds = append(kinds, (<-ch).Kind)
	}
	want := []node.EventKind{node.EventEntry, node.EventEntry, node.EventOverflow}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	// Having taken the overflow marker, the subscriber gets events again.
	e, err := n.Post(t.Context(), "after", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Kind != node.EventEntry || ev.Entry.ID != e.ID {
		t.Fatalf("event after overflow %+v, want entry %s", ev, e.ID)
	}
}

func TestEventsOverflowWaitsForTheMarker(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	ch, cancel := n.Subscribe(1)
	defer cancel()
	post := func() {
		if _, err := n.Post(t.Context(), "x", nil, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	post()
	post() // overflow marker
	if ev := <-ch; ev.Kind != node.EventEntry {
		t.Fatalf("first event %v", ev.Kind)
	}
	post() // dropped: the marker is still queued
	if ev := <-ch; ev.Kind != node.EventOverflow {
		t.Fatalf("second event %v, want overflow", ev.Kind)
	}
	if len(ch) != 0 {
		t.Fatalf("%d events queued after the marker, want 0", len(ch))
	}
}

func TestEventsCancelAndClose(t *testing.T) {
	n, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch1, cancel1 := n.Subscribe(4)
	ch2, cancel2 := n.Subscribe(4)
	cancel1()
	cancel1() // twice is fine
	if _, ok := <-ch1; ok {
		t.Error("channel open after cancel")
	}
	n.Close()
	if _, ok := <-ch2; ok {
		t.Error("channel open after Close")
	}
	cancel2()
	ch3, cancel3 := n.Subscribe(4)
	defer cancel3()
	if _, ok := <-ch3; ok {
		t.Error("a subscription after Close is open")
	}
}

func TestEventsPeersSyncAndReplicated(t *testing.T) {
	mn := newMockNet(t)
	a, b := mockNode(t, mn), mockNode(t, mn)
	follow(t, a, b)
	follow(t, b, a)
	ch, cancel := b.Subscribe(1024)
	defer cancel()
	if _, err := b.AddPeer(t.Context(), a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	nextOf(t, ch, node.EventPeers, "peers")
	nextOf(t, ch, node.EventSync, "sync")
	e, err := a.Post(t.Context(), "from a", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev := nextOf(t, ch, node.EventEntry, "entry")
		if ev.Entry.ID == e.ID {
			if ev.Local {
				t.Error("a replicated entry is reported as local")
			}
			break
		}
	}
	if st := b.SyncTotals(); st.Sessions != 1 {
		t.Errorf("SyncTotals %+v, want one session", st)
	}
}
