package node

import (
	"crypto/sha256"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// rotationFlood stores in n a device's public log of count seal.key
// entries (rotations 0 to count-1, one key) and a log of another id
// holding count seal.key payloads of rotation 2^40+i, and returns the
// device.
func rotationFlood(t testing.TB, n *Node, count int) identity.PublicKey {
	t.Helper()
	dev, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	ikm := sha256.Sum256([]byte("flood"))
	dk, err := seal.DeriveDecryptionKey(seal.KEMHybrid, ikm[:])
	if err != nil {
		t.Fatal(err)
	}
	other := entry.LogID(sha256.Sum256([]byte("another log")))
	for _, log := range []entry.LogID{entry.PublicLog, other} {
		var es []*entry.Entry
		var back entry.ID
		for i := range count {
			rot := uint64(i)
			if log == other {
				rot += 1 << 40
			}
			p, err := seal.EncodeDeviceKey(seal.DeviceKey{Key: dk.Public(), Rotation: rot})
			if err != nil {
				t.Fatal(err)
			}
			e, err := entry.Sign(dev, entry.Draft{LogID: log, Seq: uint64(i + 1), Backlink: back, Timestamp: uint64(i + 1), Payload: p})
			if err != nil {
				t.Fatal(err)
			}
			back = e.ID
			es = append(es, e)
		}
		res, err := n.store.Ingest(t.Context(), es)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Outcome != store.Added {
				t.Fatalf("entry %d: %v %v", i, r.Outcome, r.Err)
			}
		}
	}
	return dev.Public()
}

// A device that publishes more seal.key entries than a node reads
// (maxSealKeys) makes only its own key stale: the node reads the first
// maxSealKeys of its public log and no more, and seal.key payloads in
// the device's other logs count for nothing.
func TestSealKeyRotationFloodBounded(t *testing.T) {
	n := newSpaceNode(t)
	dev := rotationFlood(t, n, maxSealKeys+200)
	k, ok, err := n.sealKeyOf(t.Context(), dev)
	if err != nil || !ok {
		t.Fatalf("sealKeyOf: %v %v", ok, err)
	}
	if r := n.sealKeys.devices[dev]; r.count != maxSealKeys || r.upTo != maxSealKeys+200 {
		t.Fatalf("read %d seal.key payloads through seq %d, want the bound %d through %d", r.count, r.upTo, maxSealKeys, maxSealKeys+200)
	}
	if k.Rotation != maxSealKeys-1 {
		t.Fatalf("current rotation %d, want %d (the last of the first %d in the public log)", k.Rotation, maxSealKeys-1, maxSealKeys)
	}
}

// BenchmarkSealKeyOf: one look-up of a device's current key, when the
// device flooded its public log with 1,200 rotations and when the store
// holds the keys of 5,000 devices (every device publishes one at its
// first start); cold: the first look-up of the device in this process
// (the book is emptied before each), warm: a look-up when the log did
// not grow since.
func BenchmarkSealKeyOf(b *testing.B) {
	n := newSpaceNode(b)
	flooded := []identity.PublicKey{rotationFlood(b, n, maxSealKeys+200)}
	var many []identity.PublicKey
	for range 5000 {
		many = append(many, rotationFlood(b, n, 1))
	}
	for _, c := range []struct {
		name string
		devs []identity.PublicKey
	}{{"Flooded", flooded}, {"ManyDevices", many}} {
		for _, cold := range []bool{true, false} {
			name := c.name + "/warm"
			if cold {
				name = c.name + "/cold"
			}
			b.Run(name, func(b *testing.B) {
				for _, d := range c.devs {
					if _, _, err := n.sealKeyOf(b.Context(), d); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				for i := range b.N {
					if cold {
						n.sealKeys.devices = nil
					}
					if _, ok, err := n.sealKeyOf(b.Context(), c.devs[i%len(c.devs)]); err != nil || !ok {
						b.Fatal(ok, err)
					}
				}
			})
		}
	}
}

// The book knows a device's key as of the public log held (keyring.md
// §1; a store holds a log without gaps), reads on as the log grows, and
// refuses a rotation that is not greater than the one before it.
func TestSealKeyBookAlongTheLog(t *testing.T) {
	n := newSpaceNode(t)
	dev, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	keyOf := func(rot uint64) []byte {
		ikm := sha256.Sum256([]byte{byte(rot)})
		dk, err := seal.DeriveDecryptionKey(seal.KEMX25519, ikm[:])
		if err != nil {
			t.Fatal(err)
		}
		p, err := seal.EncodeDeviceKey(seal.DeviceKey{Key: dk.Public(), Rotation: rot})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	post := []byte("\xa2dtextbhidtypedpost")
	payloads := [][]byte{keyOf(5), post, keyOf(7), keyOf(6), keyOf(9)}
	var es []*entry.Entry
	var back entry.ID
	for i, p := range payloads {
		e, err := entry.Sign(dev, entry.Draft{LogID: entry.PublicLog, Seq: uint64(i + 1), Backlink: back, Timestamp: uint64(i + 1), Payload: p})
		if err != nil {
			t.Fatal(err)
		}
		back = e.ID
		es = append(es, e)
	}
	steps := []struct {
		ingest  []int // indexes into es
		wantRot uint64
		wantOK  bool
	}{
		{nil, 0, false},
		{[]int{0}, 5, true},
		{[]int{1}, 5, true}, // a post
		{[]int{2}, 7, true}, // read on from seq 2
		{[]int{3}, 7, true}, // rotation 6, not greater than 7: refused
		{[]int{4}, 9, true},
	}
	for i, s := range steps {
		for _, j := range s.ingest {
			if r, err := n.store.Ingest(t.Context(), []*entry.Entry{es[j]}); err != nil || r[0].Outcome != store.Added {
				t.Fatalf("ingest seq %d: %v %v", j+1, r, err)
			}
		}
		k, ok, err := n.sealKeyOf(t.Context(), dev.Public())
		if err != nil {
			t.Fatal(err)
		}
		if ok != s.wantOK || ok && k.Rotation != s.wantRot {
			t.Fatalf("step %d: key %v rotation %d, want %v %d", i, ok, k.Rotation, s.wantOK, s.wantRot)
		}
		if ok && string(k.Key.Key) != string(mustDecode(t, payloads[map[uint64]int{5: 0, 7: 2, 9: 4}[s.wantRot]]).Key.Key) {
			t.Fatalf("step %d: rotation %d with another key", i, k.Rotation)
		}
	}
}

func mustDecode(t *testing.T, p []byte) seal.DeviceKey {
	t.Helper()
	k, err := seal.DecodeDeviceKey(p)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
