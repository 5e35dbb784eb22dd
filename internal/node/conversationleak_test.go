package node_test

import (
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
)

// TestVillageConversationGivenToLocalsOnly (conversation.md §6,
// "Replication"): a local's node gives its village conversation log, and
// the other locals', only to the village's locals' devices (and its own
// account's), not to a stranger who follows the local, to whom it still
// gives the local's village log and other logs.
func TestVillageConversationGivenToLocalsOnly(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	s, _ := initNode(t, node.Options{}) // a stranger to the village
	vid := foundVillage(t, a, b)
	if _, _, err := a.StartDecision(ctx, node.NewDecision{Village: vid, Start: &conversation.Start{
		Topic: "Paint the gate", Pattern: "proposal", Method: "consent", Text: "Paint it blue"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Follow(ctx, acc(a), true); err != nil {
		t.Fatal(err)
	}
	share(t, s, a)

	wants := node.ScopeWants(a)
	w, err := wants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conv := node.ConvVillageLog(vid)
	// A change of the village's locals changes whose festival entries
	// count, so the village's own log, like its festival log, makes the
	// festivals be reduced again when an entry of it arrives.
	for _, c := range []struct {
		what string
		log  entry.LogID
		want bool
	}{
		{"the village's festival log", node.FestivalVillageLog(vid), true},
		{"the village's log", entry.LogID(vid), true},
		{"the village's conversation log", conv, false},
	} {
		if got := node.IsFestivalHomeLog(a, c.log); got != c.want {
			t.Errorf("an entry of %s makes the festivals be reduced again: %v, want %v", c.what, got, c.want)
		}
	}
	got := slices.Clone(w.Only[conv])
	want := []identity.PublicKey{a.Device().Key(), b.Device().Key()}
	slices.SortFunc(got, func(x, y identity.PublicKey) int { return slices.Compare(x[:], y[:]) })
	slices.SortFunc(want, func(x, y identity.PublicKey) int { return slices.Compare(x[:], y[:]) })
	if !slices.Equal(got, want) {
		t.Errorf("the conversation log of the village is given only to %x, want the locals' devices %x", got, want)
	}

	sc, err := scope.New(ctx, a.Store(), scope.Config{Account: acc(a), Device: a.Device().Key(), Hops: 1, Spaces: wants})
	if err != nil {
		t.Fatal(err)
	}
	ad, bd, sd := a.Device().Key(), b.Device().Key(), s.Device().Key()
	for _, c := range []struct {
		what string
		peer identity.PublicKey
		log  store.LogKey
		want bool
	}{
		{"a's conversation log to the stranger", sd, store.LogKey{Author: ad, LogID: conv}, false},
		{"b's conversation log to the stranger", sd, store.LogKey{Author: bd, LogID: conv}, false},
		{"a's festival log of the village to the stranger", sd, store.LogKey{Author: ad, LogID: node.FestivalVillageLog(vid)}, false},
		{"a's conversation log to b", bd, store.LogKey{Author: ad, LogID: conv}, true},
		{"b's conversation log to a's own device", ad, store.LogKey{Author: bd, LogID: conv}, true},
		{"a's village log to the stranger (village.md §6)", sd, store.LogKey{Author: ad, LogID: entry.LogID(vid)}, true},
		{"a's other log to the stranger", sd, store.LogKey{Author: ad, LogID: entry.LogID{1}}, true},
	} {
		if got := sc.Offers(c.peer, c.log); got != c.want {
			t.Errorf("Offers %s = %v, want %v", c.what, got, c.want)
		}
	}
}
