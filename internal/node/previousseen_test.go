package node

import (
	"crypto/sha256"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

func TestPreviousSeen(t *testing.T) {
	self, _ := identity.GenerateKey(nil)
	other, _ := identity.GenerateKey(nil)
	vid := entry.ID{5}
	lists := map[[32]byte][]byte{}
	state := func(seq uint64, authors ...identity.PublicKey) *entry.Entry {
		p := &village.StatePayload{Village: vid, Components: village.Components{Locals: [32]byte{1}, LocalsState: [32]byte{1}, Strangers: [32]byte{1}, StrangersState: [32]byte{1}}}
		for i, a := range authors {
			p.Seen = append(p.Seen, village.Seen{Author: a, Seq: uint64(i + 1), Head: entry.ID{9}})
		}
		list, err := village.EncodeSeen(p.Seen)
		if err != nil {
			t.Fatal(err)
		}
		p.SeenList = sha256.Sum256(list)
		lists[p.SeenList] = list
		d := entry.Draft{LogID: entry.LogID(vid), Seq: seq, Timestamp: seq, Payload: village.MustEncode(p)}
		if seq > 1 {
			d.Backlink = entry.ID{8}
		}
		e, err := entry.Sign(self, d)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	x, y := identity.PublicKey{1}, identity.PublicKey{2}
	es := []*entry.Entry{state(2, x, y), state(1, x)}
	if got := previousSeen(es, self.Public(), vid, village.MapSeenLists(lists)); len(got) != 2 || !got[x] || !got[y] {
		t.Fatalf("previousSeen = %v, want the authors of the latest state", got)
	}
	if got := previousSeen(es, other.Public(), vid, village.MapSeenLists(lists)); len(got) != 0 {
		t.Fatalf("previousSeen of another local = %v", got)
	}
}
