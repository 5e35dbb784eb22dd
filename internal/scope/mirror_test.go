package scope

import (
	"context"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// TestMirrors: the account's other current devices are this device's
// mirrors: it takes every log they offer (blocked accounts' excepted),
// offers them only the logs it wants itself, and acknowledges the
// account's own logs (revoked devices' included) to them. A revoked device
// is no mirror, and a revoked node has none.
func TestMirrors(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	me := newPerson(t, st) // device 1 of the account
	d2, _ := identity.GenerateKey(nil)
	d3, _ := identity.GenerateKey(nil)
	c2, err := content.NewDeviceCert(me.account, d2, "phone", 2)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, st, c2)
	c3, err := content.NewDeviceCert(me.account, d3, "tablet", 3)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, st, c3)
	rv, err := content.NewDeviceRevoke(me.account, c3, "lost", nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, st, rv)
	friend, enemy, other := newPerson(t, st), newPerson(t, st), newPerson(t, st)
	me.follow(t, st, friend, true)
	me.block(t, st, enemy, true)

	sc, err := New(ctx, st, Config{Account: me.account.Public(), Device: me.device.Public(), Hops: 0})
	if err != nil {
		t.Fatal(err)
	}
	stranger := store.LogKey{Author: other.device.Public(), LogID: entry.LogID{9}}
	for _, tc := range []struct {
		name                     string
		peer                     identity.PublicKey
		log                      store.LogKey
		mirror, wantsFrom, offer bool
		ack                      bool
	}{
		{"a stranger's log from my phone", d2.Public(), stranger, true, true, false, false},
		{"a stranger's log from a friend", friend.device.Public(), stranger, false, false, true, false},
		{"a stranger's log from my revoked tablet", d3.Public(), stranger, false, false, true, false},
		{"a blocked account's log from my phone", d2.Public(), public(enemy.device), true, false, false, false},
		{"a followed account's log with my phone", d2.Public(), public(friend.device), true, true, true, false},
		{"my own log with my phone", d2.Public(), public(me.device), true, true, true, true},
		{"my revoked tablet's log with my phone", d2.Public(), public(d3), true, true, true, true},
		{"my own log with a friend", friend.device.Public(), public(me.device), false, true, true, false},
	} {
		if got := sc.Mirror(tc.peer); got != tc.mirror {
			t.Errorf("%s: Mirror %v, want %v", tc.name, got, tc.mirror)
		}
		if got := sc.WantsFrom(tc.peer, tc.log); got != tc.wantsFrom {
			t.Errorf("%s: WantsFrom %v, want %v", tc.name, got, tc.wantsFrom)
		}
		if got := sc.Offers(tc.peer, tc.log); got != tc.offer {
			t.Errorf("%s: Offers %v, want %v", tc.name, got, tc.offer)
		}
		if got := sc.Acknowledges(tc.peer, tc.log); got != tc.ack {
			t.Errorf("%s: Acknowledges %v, want %v", tc.name, got, tc.ack)
		}
	}

	// Seen from the revoked tablet's node, nobody is a mirror.
	revoked, err := New(ctx, st, Config{Account: me.account.Public(), Device: d3.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if revoked.Mirror(d2.Public()) || revoked.Mirror(me.device.Public()) || revoked.WantsFrom(d2.Public(), stranger) {
		t.Fatal("a revoked device's node takes its account's devices for mirrors")
	}
}
