package node

import (
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

// BenchmarkKeepMessages200 is one pass of keepMessages (what every read
// of the messages runs first) with nothing new, on a node that holds 200
// conversations with two other people.
func BenchmarkKeepMessages200(b *testing.B) {
	ns := newMessageNodes(b, 3)
	a := ns[0]
	ctx := b.Context()
	for i := range 200 {
		if _, _, err := a.SendMessage(ctx, []identity.PublicKey{ns[1].account, ns[2].account}, fmt.Sprintf("conversation %d", i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := a.keepMessages(ctx, true); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := a.keepMessages(ctx, true); err != nil {
			b.Fatal(err)
		}
	}
}
