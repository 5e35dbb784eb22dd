package village

import (
	"crypto/sha256"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

// benchInvitations is a village of 7 active locals in which one local has
// invited n keys nobody else endorses (a local flooding the village with
// invitations), under the admit rule r.
func benchInvitations(b *testing.B, r Rule, n int) *world {
	var ks [7]identity.PrivateKey
	for i := range ks {
		ks[i] = key(b, byte(i))
	}
	w := foundedRules(b, r, Rule{Method: Majority}, ks[:]...)
	for i := range n {
		k := sha256.Sum256([]byte{'f', byte(i), byte(i >> 8), byte(i >> 16)})
		w.post(ks[i%7], &Invite{Village: w.village, Invitee: identity.PublicKey(k)})
	}
	return w
}

// BenchmarkReduceInvitations reduces a village with 1,000 open
// invitations under version 2's majority, a qualified majority and the
// cel rule "two thirds with no block": every entry re-checks every open
// invitation, and each open one's needed count is searched once.
func BenchmarkReduceInvitations(b *testing.B) {
	for _, c := range []struct {
		name string
		r    Rule
	}{{"majority", Rule{Method: Majority}}, {"qualified", Rule{Method: Qualified, Params: []uint64{2, 3}}}, {"cel", twoThirdsNoBlock}} {
		b.Run(c.name, func(b *testing.B) {
			w := benchInvitations(b, c.r, 1000)
			for b.Loop() {
				if _, err := Reduce(w.village, w.all); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(w.all)), "entries")
		})
	}
}
