package seal

import (
	"math/rand/v2"
	"testing"
)

// Any order of learning the same epochs gives the same current epoch and
// heads, and the same outdated verdicts (keyring.md §2, §4).
func TestKeyringOrderProperty(t *testing.T) {
	space := id(1)
	rng := rand.New(rand.NewPCG(13, 1))
	for round := range 50 {
		var all []*Epoch
		n := 2 + rng.IntN(12)
		for i := range n {
			var prev []ID
			if i > 0 {
				for range 1 + rng.IntN(3) {
					p := all[rng.IntN(len(all))].ID
					dup := false
					for _, q := range prev {
						dup = dup || q == p
					}
					if !dup {
						prev = append(prev, p)
					}
				}
			}
			e := &Epoch{Creator: id(2), Prev: prev}
			e.Key[0], e.Key[1] = byte(round), byte(i)
			sp, err := sortedPrev(prev)
			if err != nil {
				t.Fatal(err)
			}
			e.Prev = sp
			e.ID = EpochID(space, e.Creator, e.Prev, e.Key, e.LogKey)
			all = append(all, e)
		}
		var want *Epoch
		var wantHeads []ID
		var wantOrder []bool
		for perm := range 6 {
			k := NewKeyring()
			for _, i := range rng.Perm(n) {
				k.Add(all[i])
			}
			cur, heads := k.Current()
			var order []bool
			for _, a := range all {
				for _, b := range all {
					order = append(order, k.CheckOrder(a.ID, b.ID) == nil)
				}
			}
			if perm == 0 {
				want, wantHeads, wantOrder = cur, heads, order
				// The current epoch is a head: no epoch follows it.
				for _, e := range all {
					if k.Follows(e.ID, cur.ID) {
						t.Fatalf("round %d: current epoch is followed by another", round)
					}
				}
				continue
			}
			if cur != want || len(heads) != len(wantHeads) {
				t.Fatalf("round %d: order of adding changed the current epoch", round)
			}
			for i := range heads {
				if heads[i] != wantHeads[i] {
					t.Fatalf("round %d: heads differ", round)
				}
			}
			for i := range order {
				if order[i] != wantOrder[i] {
					t.Fatalf("round %d: outdated verdicts differ", round)
				}
			}
		}
	}
}

// Any order of reading a device's seal.key payloads gives the same current
// key and the same refusals (keyring.md §1).
func TestCurrentDeviceKeyProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2))
	for round := range 200 {
		n := 1 + rng.IntN(8)
		pubs := make([]Published, n)
		for i := range pubs {
			pubs[i] = Published{Seq: uint64(i*3 + 1), Key: DeviceKey{Key: EncryptionKey{KEM: KEMX25519, Key: []byte{byte(i)}}, Rotation: uint64(rng.IntN(6))}}
		}
		want, wantOK, wantRefused := CurrentDeviceKey(pubs)
		for range 5 {
			sh := append([]Published(nil), pubs...)
			rng.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
			got, ok, refused := CurrentDeviceKey(sh)
			if ok != wantOK || got.Rotation != want.Rotation || string(got.Key.Key) != string(want.Key.Key) || len(refused) != len(wantRefused) {
				t.Fatalf("round %d: order changed the current key", round)
			}
		}
		// The current key is never refused and has the highest rotation.
		for _, p := range pubs {
			if p.Key.Rotation > want.Rotation {
				t.Fatalf("round %d: rotation %d beats current %d", round, p.Key.Rotation, want.Rotation)
			}
		}
	}
}
