package node_test

import (
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/node"
)

// waitMessageEvent waits for EventMessage of the entry in the conversation.
func waitMessageEvent(t *testing.T, ch <-chan node.Event, conv message.ID, id entry.ID) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ev.Kind == node.EventMessage && ev.Conversation == conv && ev.Entry.ID == id {
				return
			}
		case <-deadline:
			t.Fatalf("no message event for %s", id)
		}
	}
}

// A serving node opens a conversation addressed to it as it arrives and
// reports its messages as events, with no one reading.
func TestMockMessageEvents(t *testing.T) {
	ctx := t.Context()
	ns := mockNodes(t, newMockNet(t), 2)
	a, b := ns[0], ns[1]
	for _, n := range ns {
		if _, err := n.Conversations(ctx); err != nil { // publishes the key
			t.Fatal(err)
		}
	}
	follow(t, a, b)
	follow(t, b, a)
	bEvents, cancel := b.Subscribe(100)
	defer cancel()
	aEvents, cancelA := a.Subscribe(100)
	defer cancelA()
	if _, err := a.AddPeer(ctx, b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	var conv message.ID
	var start *entry.Entry
	eventually(t, "a to hold b's encryption key", func() bool {
		var err error
		conv, start, err = a.SendMessage(ctx, []identity.PublicKey{b.Account().Key()}, "are you there?")
		return err == nil
	})
	waitMessageEvent(t, bEvents, conv, start.ID)
	r, err := b.Reply(ctx, conv, "here", start.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitMessageEvent(t, aEvents, conv, r.ID)
}
