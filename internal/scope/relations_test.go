package scope

import (
	"context"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store/mem"
)

// Within one device's log the later statement wins by seq, whatever the
// timestamps claim (DESIGN.md "Order never depends on a clock"): a
// follow at seq 1 stamped 500 and an unfollow at seq 2 stamped 100 leave
// the account unfollowed, and a block stamped back in time still blocks.
func TestRelationsBySeq(t *testing.T) {
	st := mem.New()
	me, a := newPerson(t, st), newPerson(t, st)
	me.ts = 499
	me.follow(t, st, a, true)
	me.block(t, st, a, true)
	me.ts = 99
	me.follow(t, st, a, false)
	me.block(t, st, a, false)
	me.ts = 10
	me.block(t, st, a, true)
	follows, blocks, err := Relations(context.Background(), st, []identity.PublicKey{me.device.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if len(follows) != 0 || !blocks[a.account.Public()] {
		t.Fatalf("follows %v, blocks %v: want a unfollowed and blocked (the later statements by seq)", follows, blocks)
	}
}

// Two devices of one account: each device's latest statement by seq,
// then the newest of those by timestamp; the same whatever order the
// store holds the entries in.
func TestRelationsTwoDevices(t *testing.T) {
	for _, reversed := range []bool{false, true} {
		st := mem.New()
		me, a := newPerson(t, st), newPerson(t, st)
		d2, _ := identity.GenerateKey(nil)
		sign := func(k identity.PrivateKey, seq uint64, back entry.ID, ts uint64, on bool) *entry.Entry {
			b, err := content.Encode(&content.Follow{Account: a.account.Public().Account(), Following: on})
			if err != nil {
				t.Fatal(err)
			}
			e, err := entry.Sign(k, entry.Draft{LogID: entry.PublicLog, Seq: seq, Backlink: back, Timestamp: ts, Payload: b})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		f1 := sign(me.device, 1, entry.ID{}, 500, true)
		u1 := sign(me.device, 2, f1.ID, 100, false) // device 1's latest: unfollow, stamped 100
		f2 := sign(d2, 1, entry.ID{}, 300, true)    // device 2's latest: follow, stamped 300
		es := []*entry.Entry{f1, u1, f2}
		if reversed {
			es = []*entry.Entry{f2, f1, u1}
		}
		for _, e := range es {
			mustAdd(t, st, e)
		}
		follows, _, err := Relations(context.Background(), st, []identity.PublicKey{me.device.Public(), d2.Public()})
		if err != nil {
			t.Fatal(err)
		}
		if len(follows) != 1 || follows[0] != a.account.Public() {
			t.Fatalf("reversed %v: follows %v, want a (device 2's follow is newer than device 1's unfollow)", reversed, follows)
		}
	}
}
