package seal

import (
	"bytes"
	"errors"
	"testing"
)

// Every decoder of untrusted bytes: never panics, and what it accepts
// re-encodes to the same bytes.

func FuzzDecodeDeviceKey(f *testing.F) {
	for _, kem := range []uint16{KEMHybrid, KEMX25519} {
		p, err := EncodeDeviceKey(DeviceKey{Key: mustKey(f, kem, 1).Public(), Rotation: 70000})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
	}
	for _, p := range deviceKeyBadCases(f) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		k, err := DecodeDeviceKey(p)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error outside the spec: %v", err)
			}
			return
		}
		again, err := EncodeDeviceKey(k)
		if err != nil || !bytes.Equal(again, p) {
			t.Fatalf("accepted %x, re-encodes to %x (%v)", p, again, err)
		}
	})
}

func FuzzDecodeAnnouncement(f *testing.F) {
	ms, rs := members(f, 2, KEMX25519)
	hy, rh := members(f, 1, KEMHybrid)
	space, creator := id(1), id(2)
	_, parts, err := NewEpoch(space, creator, []ID{id(3)}, [32]byte{}, append(rs, rh...))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(parts[0])
	for _, p := range announcementBadCases(f, parts[0]) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		a, err := DecodeAnnouncement(p)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error outside the spec: %v", err)
			}
			return
		}
		b := announceHead(a.Epoch, a.Creator, a.Prev, a.Part, a.Parts, len(a.Wraps))
		for _, w := range a.Wraps {
			b = appendWrap(b, w)
		}
		if !bytes.Equal(b, p) {
			t.Fatalf("accepted %x, re-encodes to %x", p, b)
		}
		for _, m := range []member{ms[0], hy[0]} {
			if _, err := OpenEpoch(space, m.device, m.key, a); err != nil &&
				!errors.Is(err, ErrNotForMe) && !errors.Is(err, ErrEpochMismatch) {
				t.Fatalf("open: error outside the spec: %v", err)
			}
		}
	})
}

func FuzzOpen(f *testing.F) {
	space := id(1)
	e := testEpoch(f, space)
	k := NewKeyring()
	k.Add(e)
	pos := Position{Author: id(5), LogID: LogID(e.LogKey, id(5)), Seq: 7}
	for _, n := range []int{0, 5, 300} {
		p, err := Seal(space, e, pos, 1, make([]byte, n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
		f.Add(p[:len(p)-1])
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		o, err := Open(space, k, pos, p)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownEpoch) && !errors.Is(err, ErrNotDecrypted) {
				t.Fatalf("error outside the spec: %v", err)
			}
			return
		}
		if len(p) != BucketFor(len(o.Body)) {
			t.Fatalf("opened a %d-byte body from %d bytes", len(o.Body), len(p))
		}
	})
}
