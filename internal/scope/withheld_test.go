package scope

import (
	"context"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// checkWithheld checks that Withheld names every log held that Offers
// refuses peer (the sync engine subtracts only those from the store's
// digest): a blocked peer is given nothing, and a mirror is not named.
func checkWithheld(t *testing.T, st store.Store, s *Scope, peer identity.PublicKey) {
	t.Helper()
	sel, none, ok := s.Withheld(peer)
	if s.Blocked(peer) != none {
		t.Fatalf("Withheld: none %v for a peer blocked %v", none, s.Blocked(peer))
	}
	if ok == s.Mirror(peer) && !none {
		t.Fatalf("Withheld: named %v for a peer that is a mirror %v", ok, s.Mirror(peer))
	}
	if none || !ok {
		return
	}
	heads, err := st.Heads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, h := range heads {
		if s.Offers(peer, h.Log) {
			continue
		}
		refused++
		if !slices.Contains(sel.Authors, h.Log.Author) && !slices.Contains(sel.LogIDs, h.Log.LogID) && !slices.Contains(sel.Logs, h.Log) {
			t.Fatalf("log %s is not offered to the peer but Withheld does not name it", h.Log)
		}
	}
	t.Logf("peer %s: %d logs refused, all named", peer.Device(), refused)
}
