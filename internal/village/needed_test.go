package village

import (
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

// TestInvitationNeeded: an invitation says how many more active locals must
// invite the invitee before it is admitted, whether or not it has joined.
func TestInvitationNeeded(t *testing.T) {
	a, b, c, d, e := key(t, 1), key(t, 2), key(t, 3), key(t, 4), key(t, 5)
	for _, tc := range []struct {
		admit     Method
		endorsers int // of a, b, c, d (four active locals)
		needed    int
	}{
		{Majority, 1, 2}, // 3 of 4 make a majority
		{Majority, 2, 1},
		{Majority, 3, 0},
		{Unanimous, 1, 3},
		{Unanimous, 3, 1},
		{Unanimous, 4, 0},
	} {
		w := founded(t, tc.admit, Majority, a, b, c, d)
		for _, k := range []identity.PrivateKey{a, b, c, d}[:tc.endorsers] {
			w.post(k, &Invite{Village: w.village, Invitee: accOf(e)})
		}
		w.post(e, &Join{Village: w.village})
		s := w.reduce()
		if tc.needed == 0 {
			if len(s.Invitations) != 0 || s.Local(accOf(e)) == nil {
				t.Errorf("%s with %d endorsers: invitations %+v; want e a local", tc.admit, tc.endorsers, s.Invitations)
			}
			continue
		}
		if len(s.Invitations) != 1 {
			t.Fatalf("%s with %d endorsers: %d invitations", tc.admit, tc.endorsers, len(s.Invitations))
		}
		inv := s.Invitations[0]
		if !inv.Joined || inv.Admitted || inv.Needed != tc.needed {
			t.Errorf("%s with %d endorsers: joined %v admitted %v needed %d; want joined, not admitted, %d needed",
				tc.admit, tc.endorsers, inv.Joined, inv.Admitted, inv.Needed, tc.needed)
		}
	}
}
