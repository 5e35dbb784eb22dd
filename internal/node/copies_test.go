package node

import (
	"os"
	"reflect"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/replicate"
	"github.com/kithnet/kith/internal/store"
)

func TestCountCopies(t *testing.T) {
	key := func(b byte) identity.PublicKey { return identity.PublicKey{b} }
	me, phone, laptop, tablet, friend := key(1), key(2), key(3), key(4), key(9)
	pub := func(k identity.PublicKey) store.LogKey { return store.LogKey{Author: k, LogID: entry.PublicLog} }
	village := func(k identity.PublicKey) store.LogKey { return store.LogKey{Author: k, LogID: entry.LogID{7}} }
	devs := []copyDevice{{me, "desk", false}, {phone, "phone", false}, {tablet, "tablet", true}}
	h := func(k identity.PublicKey, name string, this bool, missing uint64) CopyHolder {
		return CopyHolder{Device: k, Name: name, This: this, Missing: missing}
	}
	type book = map[identity.PublicKey]map[store.LogKey]uint64
	for _, tc := range []struct {
		name    string
		devices []copyDevice
		own     map[store.LogKey]uint64
		book    book
		want    Copies
	}{
		{
			name:    "alone",
			devices: devs[:1],
			own:     map[store.LogKey]uint64{pub(me): 5},
			want: Copies{
				Complete: []CopyHolder{h(me, "desk", true, 0)},
				Devices:  []CopyHolder{h(me, "desk", true, 0)},
				Single:   []SingleCopy{{h(me, "desk", true, 0), h(me, "desk", true, 0), 5}},
			},
		},
		{
			name:    "two devices, the phone ahead on its own log and behind on a village log of mine",
			devices: devs[:2],
			own:     map[store.LogKey]uint64{pub(me): 5, village(me): 4, pub(phone): 4},
			book:    book{phone: {pub(me): 5, village(me): 2, pub(phone): 7, pub(friend): 99}},
			want: Copies{
				Complete: nil,
				Devices:  []CopyHolder{h(me, "desk", true, 3), h(phone, "phone", false, 2)},
				Single: []SingleCopy{
					{h(me, "desk", true, 3), h(me, "desk", true, 3), 2},
					{h(phone, "phone", false, 2), h(phone, "phone", false, 2), 3},
				},
			},
		},
		{
			name:    "two complete copies; a revoked tablet's copy does not count",
			devices: devs,
			own:     map[store.LogKey]uint64{pub(me): 5, pub(phone): 7, pub(tablet): 3},
			book:    book{phone: {pub(me): 5, pub(phone): 7}, tablet: {pub(me): 5, pub(phone): 7, pub(tablet): 9}},
			want: Copies{
				Complete: []CopyHolder{h(me, "desk", true, 0)},
				Devices:  []CopyHolder{h(me, "desk", true, 0), h(phone, "phone", false, 3)},
				Single:   []SingleCopy{{h(tablet, "tablet", false, 0), h(me, "desk", true, 0), 3}},
			},
		},
		{
			name:    "the phone claims more of this device's log than it wrote",
			devices: devs[:2],
			own:     map[store.LogKey]uint64{pub(me): 5},
			book:    book{phone: {pub(me): 500}},
			want: Copies{
				Complete: []CopyHolder{h(me, "desk", true, 0), h(phone, "phone", false, 0)},
				Devices:  []CopyHolder{h(me, "desk", true, 0), h(phone, "phone", false, 0)},
			},
		},
		{
			name:    "a device never synced with",
			devices: append(devs[:2:2], copyDevice{laptop, "laptop", false}),
			own:     map[store.LogKey]uint64{pub(me): 5},
			book:    book{phone: {pub(me): 5}},
			want: Copies{
				Complete: []CopyHolder{h(me, "desk", true, 0), h(phone, "phone", false, 0)},
				Devices:  []CopyHolder{h(me, "desk", true, 0), h(phone, "phone", false, 0), h(laptop, "laptop", false, 5)},
				Unsynced: []CopyHolder{h(laptop, "laptop", false, 5)},
			},
		},
	} {
		got := countCopies(me, tc.devices, tc.own, tc.book)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

// TestCopyBookPersists: the book keeps the highest seq per device and
// log, survives a reload from the home, and ignores a file it cannot read.
func TestCopyBookPersists(t *testing.T) {
	path := t.TempDir() + "/" + copiesFile
	b, err := loadCopyBook(path)
	if err != nil {
		t.Fatal(err)
	}
	dev := identity.PublicKey{5}
	l := store.LogKey{Author: identity.PublicKey{6}, LogID: entry.LogID{1}}
	if !b.record(dev, []replicate.Item{{Log: l, Seq: 4}}) || b.record(dev, []replicate.Item{{Log: l, Seq: 3}}) {
		t.Fatal("record: want a change at 4, none at 3")
	}
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	again, err := loadCopyBook(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.snapshot()[dev][l]; got != 4 {
		t.Fatalf("reloaded: seq %d, want 4", got)
	}
}

// FuzzCopyBook: whatever copies.json holds, loading it never panics and
// keeps only well-formed records within the bound.
func FuzzCopyBook(f *testing.F) {
	f.Add([]byte(`{"version":1,"devices":{"0500000000000000000000000000000000000000000000000000000000000000":{"06000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000":4}}}`))
	f.Add([]byte(`{"version":1,"devices":{"zz":{"00":0}}}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		path := t.TempDir() + "/" + copiesFile
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := loadCopyBook(path)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range b.snapshot() {
			for _, seq := range m {
				if seq == 0 {
					t.Fatal("a record of seq 0 was kept")
				}
				n++
			}
		}
		if n > maxCopyRecords || n != b.n {
			t.Fatalf("%d records kept, counted %d (bound %d)", n, b.n, maxCopyRecords)
		}
	})
}
