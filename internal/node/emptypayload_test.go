package node_test

import (
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/space"
)

// TestEmptyPayloadFollowedUp: an entry whose payload is empty (entry.md
// allows 0 bytes) is followed up like any other by a node whose network
// runs, in its public log and in a space's keys log: nothing reads a first
// byte that is not there. The spaces' and conversations' follow-ups did,
// so one such entry from a peer in a wanted log stopped the node with a
// panic.
func TestEmptyPayloadFollowedUp(t *testing.T) {
	ctx := t.Context()
	a := mockNode(t, newMockNet(t))
	e, err := a.AppendRaw(ctx, entry.PublicLog, []byte{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Payload) != 0 || e.Header.PayloadSize != 0 {
		t.Fatalf("payload %d bytes, header says %d; want an empty one", len(e.Payload), e.Header.PayloadSize)
	}
	if _, ok := a.DecisionOf(e); ok {
		t.Fatal("an empty payload was placed in a conversation")
	}
	other, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.CreateSpace(ctx, "Garden", entry.ID{}, nil, []identity.PublicKey{other.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AppendRaw(ctx, space.KeysLog(c.ID), []byte{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PostToSpace(ctx, c.ID, "after an empty keys log entry", entry.ID{}); err != nil {
		t.Fatal(err)
	}
}
