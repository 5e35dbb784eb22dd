package replicate

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// readAsSession reads the first frame of data as the session's reader
// does: a RECONCILE streamed and its parts joined into one message, any
// other message read whole.
func readAsSession(data []byte) (Message, error) {
	m, _, err := readPartsAsSession(data)
	return m, err
}

// readPartsAsSession is readAsSession that also returns the parts.
func readPartsAsSession(data []byte) (Message, [][]Range, error) {
	br := newBufferedReader(bytes.NewReader(data))
	size := peekReconcile(br)
	if size == 0 {
		m, _, err := readMessageInto(br, nil)
		return m, nil, err
	}
	rc := &Reconcile{Ranges: []Range{}}
	var parts [][]Range
	ended := false
	first := true
	err := streamReconcile(br, size, newReconcilePart, func(p *reconcilePart) bool {
		if ended || p.first != first {
			panic("parts out of order")
		}
		first, ended = false, p.last
		parts = append(parts, p.ranges)
		rc.Ranges = append(rc.Ranges, p.ranges...)
		return true
	})
	if err != nil {
		return nil, parts, err
	}
	if !ended {
		panic("no last part")
	}
	return rc, parts, nil
}

// sameRefusal checks that the session's reader refuses data as ReadMessage
// did (with err): the same protocol error for a whole frame; for a frame
// cut short, the same read error, or a protocol error about bytes that
// arrived (the stream judges a range as it arrives).
func sameRefusal(t *testing.T, data []byte, err error) {
	t.Helper()
	_, got := readAsSession(data)
	if got == nil {
		t.Fatalf("ReadMessage refuses %x (%v), the session's reader accepts it", data, err)
	}
	var pe, gpe *ProtocolError
	switch {
	case errors.As(err, &pe):
		if !errors.As(got, &gpe) || gpe.Code != pe.Code || got.Error() != err.Error() {
			t.Fatalf("frame %x: ReadMessage: %v; the session's reader: %v", data, err, got)
		}
	case errors.As(got, &gpe):
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("frame %x: ReadMessage: %v; the session's reader: %v", data, err, got)
		}
	case got.Error() != err.Error():
		t.Fatalf("frame %x: ReadMessage: %v; the session's reader: %v", data, err, got)
	}
}

// respondAsSession answers the RECONCILE in data as the session does:
// streamed, each part added to the answer as it comes.
func respondAsSession(t *testing.T, r *Reconciler, data []byte) Round {
	t.Helper()
	_, parts, err := readPartsAsSession(data)
	if err != nil {
		t.Fatalf("the session's reader refuses what ReadMessage accepts: %v", err)
	}
	a := r.answer()
	var learned []Item
	for _, p := range parts {
		err := a.add(p, func(its []Item) error {
			if len(its) == 0 || len(its) > MaxListItems {
				t.Fatalf("learn called with %d items", len(its))
			}
			learned = append(learned, its...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	round := a.finish()
	round.Learned = learned
	return round
}

// TestStreamReconcileLarge: RECONCILE messages of up to 2 MB, larger than
// the reader's buffer, read in windows: the same message, and the same
// errors, at the same byte offsets, as DecodeMessage, wherever the fault
// lies (in the first window, across a window's end, in the last one).
func TestStreamReconcileLarge(t *testing.T) {
	items := floodItems(t, 18_000)
	good := AppendFrame(nil, &Reconcile{Ranges: floodRanges(items, true)})
	if len(good) < 1<<20 {
		t.Fatalf("a frame of %d bytes", len(good))
	}
	m, parts, err := readPartsAsSession(good)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := ReadMessage(bytes.NewReader(good))
	if !reflect.DeepEqual(m, want) {
		t.Fatal("the streamed message differs from the one DecodeMessage reads")
	}
	if len(parts) < len(good)/(partItems*112) {
		t.Fatalf("%d parts for %d bytes", len(parts), len(good))
	}
	for _, p := range parts {
		n := 0
		for _, r := range p {
			n += len(r.Items)
		}
		if len(p) > partRanges || n > partItems {
			t.Fatalf("a part of %d ranges and %d items", len(p), n)
		}
	}

	// Faults: an item out of order, an item's seq 0, a head of the wrong
	// type, at positions before, across and after the first windows.
	itemAt := func(frame []byte, k int) int { // offset of the k-th item's key bytes
		key := keyOf(items[k].Log)
		i := bytes.Index(frame, key[:])
		if i < 0 {
			t.Fatal("key not found")
		}
		return i
	}
	type fault struct {
		name string
		make func() []byte
	}
	var faults []fault
	for _, k := range []int{3, 580, 600, 610, 1170, 9000, 17_999} {
		faults = append(faults,
			fault{"swapped keys", func() []byte {
				f := bytes.Clone(good)
				j := k + 1
				if j == len(items) {
					j = k - 1
				}
				a, b := itemAt(f, k), itemAt(f, j)
				ka, kb := bytes.Clone(f[a:a+KeySize]), bytes.Clone(f[b:b+KeySize])
				copy(f[a:], kb)
				copy(f[b:], ka)
				return f
			}},
			fault{"head id as text", func() []byte {
				f := bytes.Clone(good)
				i := itemAt(f, k) + KeySize
				// Past the seq (a CBOR unsigned int, whose bytes may
				// hold 0x58 themselves) to the head's byte string head.
				switch b := f[i]; {
				case b < 0x18:
					i++
				case b <= 0x1b:
					i += 1 + 1<<(b-0x18)
				default:
					t.Fatalf("item %d: seq begins with %#x", k, b)
				}
				if f[i] != 0x58 {
					t.Fatalf("item %d: head begins with %#x, want 0x58", k, f[i])
				}
				f[i] = 0x78
				return f
			}},
			fault{"truncated", func() []byte {
				return good[:itemAt(good, k)+10]
			}},
		)
	}
	faults = append(faults,
		fault{"trailing bytes", func() []byte {
			f := append(bytes.Clone(good), 0, 0, 0)
			f[0], f[1], f[2], f[3] = byte((len(f)-4)>>24), byte((len(f)-4)>>16), byte((len(f)-4)>>8), byte(len(f)-4)
			return f
		}},
	)
	for _, f := range faults {
		data := f.make()
		_, _, err := ReadMessage(bytes.NewReader(data))
		if err == nil {
			t.Fatalf("%s: ReadMessage accepts it", f.name)
		}
		sameRefusal(t, data, err)
	}
}
