package festival

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

func FuzzDecode(f *testing.F) {
	for _, p := range seeds() {
		b, err := Encode(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, c := range invalid() {
		f.Add(c.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		again, err := Encode(p)
		if err != nil {
			t.Fatalf("decoded payload does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", b, again)
		}
	})
}

// FuzzReduce appends entries whose payloads come from the fuzzer to a
// festival of the table tests: the reducer never panics and derives the
// same state from the entries in reverse order.
func FuzzReduce(f *testing.F) {
	for _, p := range seeds() {
		b, _ := Encode(p)
		f.Add(b, b)
	}
	for _, c := range invalid() {
		f.Add(c.b, c.b)
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		w := newWorld(t, 3)
		fid := w.festival(0, "Summer", entry.ID{})
		res := w.resource(1, fid, "Main stage", PolicyFirstCome, nil)
		w.event(2, fid, "Concert", hours(20, 22), res)
		for i, pl := range [][]byte{a, b} {
			if len(pl) > MaxPayloadSize {
				return
			}
			w.all = append(w.all, w.logs[i].addRaw(t, pl))
		}
		s := w.reduce()
		rev := slices.Clone(w.all)
		slices.Reverse(rev)
		if s2 := Reduce(Input{Entries: rev}); !reflect.DeepEqual(s, s2) {
			t.Fatal("the state depends on the delivery order")
		}
	})
}
