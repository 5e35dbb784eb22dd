package scope

import (
	"bytes"
	"context"
	"math/rand"
	"reflect"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// world is a random history of follow, block, device and delete entries
// of a few accounts, for comparing the incremental scope with the full
// recomputation.
type world struct {
	t        *testing.T
	rng      *rand.Rand
	st       store.Store
	accounts []identity.PrivateKey
	devices  [][]*worldDevice // per account
}

type worldDevice struct {
	key     identity.PrivateKey
	cert    *entry.Entry
	seq     uint64
	head    entry.ID
	revoked bool
	ids     []entry.ID     // its public log's entries, by seq-1
	stmts   []*entry.Entry // its follow and block entries
}

func newWorld(t *testing.T, seed int64, people int) *world {
	w := &world{t: t, rng: rand.New(rand.NewSource(seed)), st: mem.New()}
	for range people {
		a, _ := identity.GenerateKey(nil)
		w.accounts = append(w.accounts, a)
		w.devices = append(w.devices, nil)
		w.addDevice(len(w.accounts) - 1)
	}
	return w
}

// append stores e and returns it if the store added it.
func (w *world) append(e *entry.Entry) []*entry.Entry {
	r, err := w.st.Append(context.Background(), e)
	if err != nil {
		w.t.Fatal(err)
	}
	if r.Outcome != store.Added {
		return nil
	}
	return []*entry.Entry{e}
}

func (w *world) addDevice(a int) []*entry.Entry {
	d, _ := identity.GenerateKey(nil)
	cert, err := content.NewDeviceCert(w.accounts[a], d, "d", uint64(w.rng.Intn(100)+1))
	if err != nil {
		w.t.Fatal(err)
	}
	w.devices[a] = append(w.devices[a], &worldDevice{key: d, cert: cert})
	return w.append(cert)
}

// write appends a payload to the device's public log, its timestamp
// random: the order of statements never depends on it within a log.
func (w *world) write(d *worldDevice, p content.Payload) []*entry.Entry {
	b, err := content.Encode(p)
	if err != nil {
		w.t.Fatal(err)
	}
	e, err := entry.Sign(d.key, entry.Draft{LogID: entry.PublicLog, Seq: d.seq + 1, Backlink: d.head, Timestamp: uint64(w.rng.Intn(40) + 1), Payload: b})
	if err != nil {
		w.t.Fatal(err)
	}
	d.seq, d.head = d.seq+1, e.ID
	d.ids = append(d.ids, e.ID)
	if _, ok := p.(*content.Follow); ok {
		d.stmts = append(d.stmts, e)
	}
	if _, ok := p.(*content.Block); ok {
		d.stmts = append(d.stmts, e)
	}
	return w.append(e)
}

// step makes one random change and returns the entries the store added.
// Account 0's first device is the scope's own and is never revoked.
func (w *world) step() []*entry.Entry {
	a := w.rng.Intn(len(w.accounts))
	if w.rng.Intn(3) == 0 {
		a = 0 // the scope's account acts more often
	}
	var live []*worldDevice
	for _, d := range w.devices[a] {
		if !d.revoked {
			live = append(live, d)
		}
	}
	d := live[w.rng.Intn(len(live))]
	subject := w.accounts[w.rng.Intn(len(w.accounts))].Public().Account()
	switch n := w.rng.Intn(20); {
	case n < 7:
		return w.write(d, &content.Follow{Account: subject, Following: w.rng.Intn(3) != 0})
	case n < 10:
		return w.write(d, &content.Block{Account: subject, Blocking: w.rng.Intn(2) == 0})
	case n < 12:
		if len(d.stmts) == 0 {
			return nil
		}
		return w.write(d, &content.Delete{Target: d.stmts[w.rng.Intn(len(d.stmts))].ID})
	case n < 15:
		if len(w.devices[a]) >= 3 {
			return nil
		}
		return w.addDevice(a)
	default:
		// Revoke a device (never the scope's own), keeping its public
		// log up to a random seq, its head included, or nothing.
		var cands []*worldDevice
		for i, x := range w.devices[a] {
			if !x.revoked && !(a == 0 && i == 0) {
				cands = append(cands, x)
			}
		}
		if len(cands) == 0 || len(live) < 2 {
			return nil
		}
		x := cands[w.rng.Intn(len(cands))]
		var keep []content.KeptHead
		if k := w.rng.Intn(int(x.seq) + 1); k > 0 {
			keep = []content.KeptHead{{ID: x.ids[k-1], KeptAt: content.KeptAt{LogID: entry.PublicLog, Seq: uint64(k)}}}
		}
		rv, err := content.NewDeviceRevoke(w.accounts[a], x.cert, "", keep, uint64(w.rng.Intn(100)+1))
		if err != nil {
			w.t.Fatal(err)
		}
		x.revoked = true
		return w.append(rv)
	}
}

// An incrementally kept scope (Note, then Recompute, after every batch of
// entries stored) answers exactly what a scope computed from scratch
// answers, for any history of follows, unfollows, blocks, unblocks,
// deletes of statements, new devices and revocations (keeping some of the
// device's statements, or none), with timestamps in any order, at one and
// two hops. The whole snapshot is compared.
func TestIncrementalScopeMatchesFull(t *testing.T) {
	ctx := context.Background()
	steps := 0
	for seed := int64(1); seed <= 20; seed++ {
		w := newWorld(t, seed, 6)
		me := w.accounts[0].Public()
		cfg := Config{Account: me, Device: w.devices[0][0].key.Public(), Hops: 1 + int(seed%2)}
		inc, err := New(ctx, w.st, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var batch []*entry.Entry
		for i := range 60 {
			batch = append(batch, w.step()...)
			if w.rng.Intn(3) != 0 && i != 59 {
				continue // several entries in one batch, as from a peer
			}
			if _, err := inc.Note(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = nil
			if err := inc.Recompute(ctx); err != nil {
				t.Fatal(err)
			}
			full, err := New(ctx, w.st, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, want := *inc.snap.Load(), *full.snap.Load()
			// In the order the follow graph was walked: compare as sets.
			// The explicit logs are the same Config.Logs, hashed with each
			// scope's own seed: compare their counts.
			if got.explicit.len() != want.explicit.len() {
				t.Fatalf("%d explicit logs, want %d", got.explicit.len(), want.explicit.len())
			}
			for _, sn := range []*snapshot{&got, &want} {
				sn.followedDevices = slices.Clone(sn.followedDevices)
				sn.explicit = logSet{}
				slices.SortFunc(sn.followedDevices, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d, step %d: incremental scope differs from the full recomputation:\naccounts %v\nwant     %v\nblocked %v\nwant    %v",
					seed, i, got.accounts, want.accounts, got.blocked, want.blocked)
			}
			steps++
		}
	}
	if steps < 20*15 {
		t.Fatalf("compared %d times, want at least %d", steps, 20*15)
	}
}

// Note reports a change exactly when the follows or blocks of an account
// whose relations the scope holds changed: a follow of a new account, not
// a repeat of it; an unfollow; not a statement of an account the scope
// does not follow.
func TestNoteReportsChange(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	me, a, b, c := newPerson(t, st), newPerson(t, st), newPerson(t, st), newPerson(t, st)
	sc, err := New(ctx, st, Config{Account: me.account.Public(), Device: me.device.Public(), Hops: 1})
	if err != nil {
		t.Fatal(err)
	}
	head := func(p *person) *entry.Entry {
		s, err := st.Get(ctx, p.head)
		if err != nil {
			t.Fatal(err)
		}
		return s.Entry
	}
	for _, tc := range []struct {
		name string
		act  func() *entry.Entry
		want bool
	}{
		{"follow a", func() *entry.Entry { me.follow(t, st, a, true); return head(me) }, true},
		{"follow a again", func() *entry.Entry { me.follow(t, st, a, true); return head(me) }, false},
		{"c, followed by nobody, follows b", func() *entry.Entry { c.follow(t, st, b, true); return head(c) }, false},
		{"block b", func() *entry.Entry { me.block(t, st, b, true); return head(me) }, true},
		{"unfollow a", func() *entry.Entry { me.follow(t, st, a, false); return head(me) }, true},
	} {
		changed, err := sc.Note(ctx, []*entry.Entry{tc.act()})
		if err != nil {
			t.Fatal(err)
		}
		if changed != tc.want {
			t.Fatalf("%s: Note reports change %v, want %v", tc.name, changed, tc.want)
		}
		if err := sc.Recompute(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if sc.Blocked(b.account.Public()) != true || slices.Contains(sc.Following(), a.account.Public().Account()) {
		t.Fatalf("after the statements: blocked b %v, following %v; want b blocked, a not followed", sc.Blocked(b.account.Public()), sc.Following())
	}
}

// The ledger, fed one account's statements one at a time in any order,
// answers what Relations reads from the store holding them all.
func TestLedgerMatchesRelations(t *testing.T) {
	ctx := context.Background()
	for seed := int64(1); seed <= 200; seed++ {
		rng := rand.New(rand.NewSource(seed))
		st := mem.New()
		var subjects []identity.PublicKey
		for range 4 {
			k, _ := identity.GenerateKey(nil)
			subjects = append(subjects, k.Public())
		}
		var devices []identity.PublicKey
		var stmts []Statement
		for range 1 + rng.Intn(3) {
			d, _ := identity.GenerateKey(nil)
			devices = append(devices, d.Public())
			var head entry.ID
			for seq := uint64(1); seq <= uint64(rng.Intn(12)); seq++ {
				var p content.Payload = &content.Follow{Account: subjects[rng.Intn(4)].Account(), Following: rng.Intn(2) == 0}
				if rng.Intn(3) == 0 {
					p = &content.Block{Account: subjects[rng.Intn(4)].Account(), Blocking: rng.Intn(2) == 0}
				}
				b, err := content.Encode(p)
				if err != nil {
					t.Fatal(err)
				}
				e, err := entry.Sign(d, entry.Draft{LogID: entry.PublicLog, Seq: seq, Backlink: head, Timestamp: uint64(rng.Intn(5)), Payload: b})
				if err != nil {
					t.Fatal(err)
				}
				head = e.ID
				mustAdd(t, st, e)
				x, ok := StatementOf(e.Header, e.ID, e.Payload)
				if !ok {
					t.Fatal("no statement read from a follow or block")
				}
				stmts = append(stmts, x)
			}
		}
		follows, blocks, err := Relations(ctx, st, devices)
		if err != nil {
			t.Fatal(err)
		}
		l := NewLedger()
		for _, i := range rng.Perm(len(stmts)) {
			l.Add(stmts[i])
			if rng.Intn(4) == 0 {
				l.Add(stmts[rng.Intn(len(stmts))]) // again: changes nothing
			}
		}
		wantBlocks := sortedAccounts(blocks)
		if !slices.Equal(l.Following(), follows) || !slices.Equal(l.Blocking(), wantBlocks) {
			t.Fatalf("seed %d: ledger follows %v blocks %v, Relations %v %v", seed, l.Following(), l.Blocking(), follows, wantBlocks)
		}
	}
}
