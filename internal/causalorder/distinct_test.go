package causalorder

import (
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Of two copies of an entry, Distinct keeps the one whose payload matches
// its header, whichever comes first.
func TestDistinctKeepsMatchingCopy(t *testing.T) {
	k, err := identity.KeyFromSeed(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	e, err := entry.Sign(k, entry.Draft{Seq: 1, Timestamp: 1, Payload: []byte("good")})
	if err != nil {
		t.Fatal(err)
	}
	bad := *e
	bad.Payload = []byte("evil")
	for _, in := range [][]*entry.Entry{{&bad, nil, e}, {e, &bad}} {
		out, at := Distinct(in)
		if len(out) != 1 || string(out[0].Payload) != "good" || at[e.ID] != 0 {
			t.Fatalf("kept %q of %d", out[0].Payload, len(out))
		}
	}
}
