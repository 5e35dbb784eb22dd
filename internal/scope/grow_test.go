package scope

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// followStep makes one follow (on) by a random live device of a random
// account, the scope's own more often: what a recomputation grows the
// graph by, without building it again.
func (w *world) followStep() []*entry.Entry {
	a := w.rng.Intn(len(w.accounts))
	if w.rng.Intn(2) == 0 {
		a = 0
	}
	var live []*worldDevice
	for _, d := range w.devices[a] {
		if !d.revoked {
			live = append(live, d)
		}
	}
	d := live[w.rng.Intn(len(live))]
	subject := w.accounts[w.rng.Intn(len(w.accounts))].Public().Account()
	return w.write(d, &content.Follow{Account: subject, Following: true})
}

// snapshotsEqual fails the test unless the incremental scope's snapshot
// is the full recomputation's, as TestIncrementalScopeMatchesFull
// compares them.
func snapshotsEqual(t *testing.T, what string, inc, full *Scope) {
	t.Helper()
	got, want := *inc.snap.Load(), *full.snap.Load()
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
		t.Fatalf("%s: incremental scope differs from the full recomputation:\naccounts %v\nwant     %v\nauthors %v\nwant    %v",
			what, got.accounts, want.accounts, got.authors, want.authors)
	}
}

// A scope grown in place (follows only: the graph's maps of the snapshot
// before, grown by what the follows add) answers exactly what a full
// recomputation answers, across its boundaries: runs of follows by this
// account and by the accounts it reaches (at one, two and three hops),
// broken by anything that builds the graph again (an unfollow, a block, a
// device, a delete, a revocation), by a batch of more edits than kept
// (maxEdits), and by a recomputation that failed half way (what it took
// of the notes is not lost). Both ways must be taken many times.
func TestIncrementalScopeGrowsMatchesFull(t *testing.T) {
	ctx := context.Background()
	defer func(m int) { maxEdits = m }(maxEdits)
	maxEdits = 5
	var grown, rebuilt, failed int64
	for seed := int64(1); seed <= 24; seed++ {
		w := newWorld(t, seed, 14)
		me := w.accounts[0].Public()
		fail := false
		cfg := Config{Account: me, Device: w.devices[0][0].key.Public(), Hops: int(seed % 4),
			Spaces: func(context.Context) (SpaceWants, error) {
				if fail {
					return SpaceWants{}, errors.New("spaces: failing on purpose")
				}
				return SpaceWants{}, nil
			}}
		inc, err := New(ctx, w.st, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var batch []*entry.Entry
		for i := range 120 {
			if w.rng.Intn(8) == 0 {
				batch = append(batch, w.step()...)
			} else {
				batch = append(batch, w.followStep()...)
			}
			if w.rng.Intn(3) == 0 && i != 119 {
				continue // several entries in one batch, as from a peer
			}
			if _, err := inc.Note(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = nil
			if w.rng.Intn(15) == 0 {
				fail = true
				if err := inc.Recompute(ctx); err == nil {
					t.Fatal("a recomputation whose spaces fail succeeded")
				}
				fail = false
				failed++
				continue // the next recomputation must catch up
			}
			if err := inc.Recompute(ctx); err != nil {
				t.Fatal(err)
			}
			full, err := New(ctx, w.st, cfg)
			if err != nil {
				t.Fatal(err)
			}
			snapshotsEqual(t, fmt.Sprintf("seed %d, step %d", seed, i), inc, full)
		}
		grown += inc.grown.Load()
		rebuilt += inc.rebuilt.Load()
	}
	t.Logf("grown %d times, built again %d times, failed %d times", grown, rebuilt, failed)
	if grown < 800 || rebuilt < 100 || failed < 48 {
		t.Fatalf("grown %d times, built again %d times, failed %d times: want at least %d, %d, %d", grown, rebuilt, failed, 800, 100, 48)
	}
}

func pubLog(k identity.PublicKey) store.LogKey {
	return store.LogKey{Author: k, LogID: entry.PublicLog}
}

// Readers never see a half-grown graph: while follows grow it (Note,
// Recompute), readers on other goroutines see the accounts followed only
// grow, and whenever a followed account's public log is wanted so is its
// certificate log author's every log (both come in one recomputation).
// Run with -race: the maps grown in place are read under the graph's lock.
func TestScopeGrowsUnderReaders(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 7, 1)
	me := w.devices[0][0]
	inc, err := New(ctx, w.st, Config{Account: w.accounts[0].Public(), Device: me.key.Public(), Hops: 1})
	if err != nil {
		t.Fatal(err)
	}
	const follows = 300
	var others []identity.PrivateKey
	for range follows {
		k, _ := identity.GenerateKey(nil)
		others = append(others, k)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := 0
			for !stop.Load() {
				n := len(inc.Following())
				if n < last {
					errs <- errors.New("the accounts followed shrank while follows were added")
					return
				}
				last = n
				accounts := inc.Accounts()
				for i, k := range others {
					if i%(r+1) != 0 {
						continue
					}
					_, in := accounts[k.Public().Account()]
					// Wanted now, it was in the accounts read before
					// unless added in between: never wanted while
					// not in a later read.
					if inc.Wants(pubLog(k.Public())) && !in {
						if _, now := inc.Accounts()[k.Public().Account()]; !now {
							errs <- errors.New("a log wanted of an account the scope does not hold")
							return
						}
					}
				}
				_ = inc.FollowedDevices()
				_ = inc.Offers(others[0].Public(), pubLog(others[1].Public()))
			}
		}()
	}
	for i, k := range others {
		es := w.write(me, &content.Follow{Account: k.Public().Account(), Following: true})
		if _, err := inc.Note(ctx, es); err != nil {
			t.Fatal(err)
		}
		if err := inc.Recompute(ctx); err != nil {
			t.Fatal(err)
		}
		if !inc.Wants(pubLog(k.Public())) {
			t.Fatalf("follow %d: the account's log is not wanted", i+1)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := len(inc.Following()); got != follows {
		t.Fatalf("following %d accounts, want %d", got, follows)
	}
	if inc.grown.Load() < follows {
		t.Fatalf("the graph grew %d times in %d follows: the follows built it again", inc.grown.Load(), follows)
	}
}

// FollowsSince tells what changed: every account followed at first, then
// only the accounts followed since, and everything again after an
// unfollow, a block or a device certificate.
func TestFollowsSince(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 3, 5)
	me := w.devices[0][0]
	sc, err := New(ctx, w.st, Config{Account: w.accounts[0].Public(), Device: me.key.Public(), Hops: 1})
	if err != nil {
		t.Fatal(err)
	}
	acc := func(i int) identity.PublicKey { return w.accounts[i].Public() }
	sorted := func(ks []identity.PublicKey) []identity.PublicKey {
		ks = slices.Clone(ks)
		slices.SortFunc(ks, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
		return ks
	}
	var mark FollowMark
	step := func(what string, es []*entry.Entry, wantAdded []identity.PublicKey, wantAll bool, wantBlocks ...identity.PublicKey) {
		t.Helper()
		if _, err := sc.Note(ctx, es); err != nil {
			t.Fatal(err)
		}
		added, blocks, next, all, err := sc.FollowsSince(ctx, acc(0), []identity.PublicKey{me.key.Public()}, mark)
		if err != nil {
			t.Fatal(err)
		}
		mark = next
		var gotBlocks []identity.PublicKey
		for a := range blocks {
			gotBlocks = append(gotBlocks, a)
		}
		if all != wantAll || !slices.Equal(sorted(added), sorted(wantAdded)) || !slices.Equal(sorted(gotBlocks), sorted(wantBlocks)) {
			t.Fatalf("%s: added %v (all %v), blocks %v; want %v (all %v), %v", what, added, all, gotBlocks, wantAdded, wantAll, wantBlocks)
		}
	}
	follow := func(i int, on bool) []*entry.Entry {
		return w.write(me, &content.Follow{Account: acc(i).Account(), Following: on})
	}
	step("at first", nil, nil, true)
	step("follow 1", follow(1, true), []identity.PublicKey{acc(1)}, false)
	step("follow 2 and 3", append(follow(2, true), follow(3, true)...), []identity.PublicKey{acc(2), acc(3)}, false)
	step("nothing new", nil, nil, false)
	step("follow 2 again", follow(2, true), nil, false)
	step("unfollow 1", follow(1, false), []identity.PublicKey{acc(2), acc(3)}, true)
	step("follow 4", follow(4, true), []identity.PublicKey{acc(4)}, false)
	step("block 3", w.write(me, &content.Block{Account: acc(3).Account(), Blocking: true}), []identity.PublicKey{acc(2), acc(3), acc(4)}, true, acc(3))
	// A certificate of an account followed: its devices are read again,
	// the others are not; of one not followed: nothing; of one blocked:
	// all again (its devices are blocked).
	step("a device of 2", w.addDevice(2), []identity.PublicKey{acc(2)}, false, acc(3))
	step("a device of 1, not followed", w.addDevice(1), nil, false, acc(3))
	step("a device of 3, blocked", w.addDevice(3), []identity.PublicKey{acc(2), acc(3), acc(4)}, true, acc(3))
	step("devices of 4 and 2", append(w.addDevice(4), w.addDevice(2)...), []identity.PublicKey{acc(4), acc(2)}, false, acc(3))
	step("follow 1 again", follow(1, true), []identity.PublicKey{acc(1)}, false, acc(3))
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	step("after a full read", nil, []identity.PublicKey{acc(1), acc(2), acc(3), acc(4)}, true, acc(3))
}

// Issue 18, item 6: a follow's certificate usually comes after the follow
// (sync brings the account's certificate log once it is wanted). The
// certificate of an account in the graph now grows it (its devices become
// authors; within the hops, what the new device's statements add to the
// account's follows is walked) instead of building it again, whether
// the new device's statements came before its certificate or after; the
// graph is built again only when the account's follows shrank. Each step
// is compared with a full recomputation.
func TestCertificatesGrowTheGraph(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 7, 6)
	me := w.devices[0][0]
	cfg := Config{Account: w.accounts[0].Public(), Device: me.key.Public(), Hops: 2}
	inc, err := New(ctx, w.st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	step := func(what string, es []*entry.Entry) {
		t.Helper()
		if _, err := inc.Note(ctx, es); err != nil {
			t.Fatal(err)
		}
		if err := inc.Recompute(ctx); err != nil {
			t.Fatal(err)
		}
		full, err := New(ctx, w.st, cfg)
		if err != nil {
			t.Fatal(err)
		}
		snapshotsEqual(t, what, inc, full)
	}
	// stmt writes p on d's public log with timestamp ts.
	stmt := func(d *worldDevice, p content.Payload, ts uint64) []*entry.Entry {
		b, err := content.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		e, err := entry.Sign(d.key, entry.Draft{LogID: entry.PublicLog, Seq: d.seq + 1, Backlink: d.head, Timestamp: ts, Payload: b})
		if err != nil {
			t.Fatal(err)
		}
		d.seq, d.head = d.seq+1, e.ID
		return w.append(e)
	}
	rebuilt := inc.rebuilt.Load()
	const n = 30
	for i := range n {
		// An account with no device known yet, followed.
		a, _ := identity.GenerateKey(nil)
		w.accounts = append(w.accounts, a)
		w.devices = append(w.devices, nil)
		x := len(w.accounts) - 1
		step(fmt.Sprintf("follow %d", i), w.write(me, &content.Follow{Account: a.Public().Account(), Following: true}))
		subject := w.accounts[1+i%5].Public().Account()
		if i%2 == 0 {
			// Certificate first, then the device's follow.
			step(fmt.Sprintf("certificate %d", i), w.addDevice(x))
			step(fmt.Sprintf("statement %d", i), stmt(w.devices[x][0], &content.Follow{Account: subject, Following: true}, 10))
		} else {
			// The device's follow first (not its account's yet), then
			// the certificate.
			d, _ := identity.GenerateKey(nil)
			cert, err := content.NewDeviceCert(a, d, "d", 1)
			if err != nil {
				t.Fatal(err)
			}
			wd := &worldDevice{key: d, cert: cert}
			w.devices[x] = append(w.devices[x], wd)
			step(fmt.Sprintf("statement %d", i), stmt(wd, &content.Follow{Account: subject, Following: true}, 10))
			step(fmt.Sprintf("certificate %d", i), w.append(cert))
		}
	}
	if got := inc.rebuilt.Load(); got != rebuilt {
		t.Fatalf("the graph was built again %d times in %d follows, certificates and statements: want 0", got-rebuilt, n)
	}
	if got := inc.grown.Load(); got < 3*n {
		t.Fatalf("the graph grew %d times, want at least %d", got, 3*n)
	}
	// A second device whose newer statement unfollows what the first
	// followed: the account's follows shrink, the graph is built again.
	x := len(w.accounts) - 2 // its first device followed 1+28%5 at 10
	d, _ := identity.GenerateKey(nil)
	cert, err := content.NewDeviceCert(w.accounts[x], d, "d", 1)
	if err != nil {
		t.Fatal(err)
	}
	wd := &worldDevice{key: d, cert: cert}
	w.devices[x] = append(w.devices[x], wd)
	step("an unfollow by a device not certified yet", stmt(wd, &content.Follow{Account: w.accounts[1+28%5].Public().Account(), Following: false}, 20))
	step("its certificate", w.append(cert))
	if got := inc.rebuilt.Load(); got != rebuilt+1 {
		t.Fatalf("built again %d times after a certificate that makes follows shrink, want 1", got-rebuilt)
	}
}

// A certificate and a revocation of one followed account's devices in one
// batch, at hops 0 (no ledger is held of a followed account, so the
// revocation does not drop one): the revocation must not be skipped
// behind the certificate, or the revoked device stays a followed device
// (the node keeps dialling it).
func TestCertificateThenRevocationInOneBatch(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 11, 3)
	me := w.devices[0][0]
	cfg := Config{Account: w.accounts[0].Public(), Device: me.key.Public(), Hops: 0}
	x := 1
	old := w.devices[x][0]
	inc, err := New(ctx, w.st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inc.Note(ctx, w.write(me, &content.Follow{Account: w.accounts[x].Public().Account(), Following: true})); err != nil {
		t.Fatal(err)
	}
	if err := inc.Recompute(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(inc.FollowedDevices(), old.key.Public()) {
		t.Fatalf("followed devices %v: want the followed account's device", inc.FollowedDevices())
	}
	batch := w.addDevice(x)
	rv, err := content.NewDeviceRevoke(w.accounts[x], old.cert, "", nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	old.revoked = true
	batch = append(batch, w.append(rv)...)
	if _, err := inc.Note(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := inc.Recompute(ctx); err != nil {
		t.Fatal(err)
	}
	full, err := New(ctx, w.st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	snapshotsEqual(t, "a certificate and a revocation in one batch", inc, full)
	if slices.Contains(inc.FollowedDevices(), old.key.Public()) {
		t.Fatalf("the revoked device is still followed: %v", inc.FollowedDevices())
	}
}
