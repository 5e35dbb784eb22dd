package content

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
)

// fuzzSeeds are every payload of the tables: valid, invalid and at limits.
func fuzzSeeds(f *testing.F) {
	for _, c := range typedCases() {
		b, err := Encode(c.p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, c := range rejectCases() {
		b, _ := hex.DecodeString(c.hex)
		f.Add(b)
	}
	for _, c := range fieldRejectCases() {
		f.Add(cborOf(f, c.m))
	}
	for _, c := range limitCases() {
		for _, b := range [][]byte{c.at(f), c.over(f)} {
			if len(b) <= 512 { // large inputs slow mutation and minimisation down
				f.Add(b)
			}
		}
	}
	f.Add(cborOf(f, map[string]any{"type": "village.found", "n": int64(-7), "m": map[any]any{uint64(1): []byte{1}, "k": []any{true, nil}}}))
	f.Add(cborOf(f, map[string]any{"type": "post", "text": "hi", "lang": "en"}))
}

func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, extra, err := decode(b)
		typ, perr := PeekType(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if errors.Is(perr, ErrNotCBORMap) && !errors.Is(err, ErrNotCBORMap) {
				t.Fatalf("PeekType says not a map (%v), Decode says %v", perr, err)
			}
			// The strict scanner and the CBOR library must agree: what the
			// scanner passes, the library decodes and re-encodes identically.
			if perr == nil && checkStrict(b) == nil {
				if _, lerr := decodeCanonical(typ, b); lerr != nil {
					t.Fatalf("strict check passed but library path failed: %v", lerr)
				}
			}
			return
		}
		if perr != nil || typ != p.Type() {
			t.Fatalf("Decode gave type %q, PeekType %q, %v", p.Type(), typ, perr)
		}
		if u, ok := p.(*Unknown); ok {
			if !bytes.Equal(u.Raw, b) || Known(u.TypeName) {
				t.Fatalf("bad Unknown %#v", u)
			}
		} else if extra == 0 {
			again, err := Encode(p)
			if err != nil {
				t.Fatalf("decoded %#v does not encode: %v", p, err)
			}
			if !bytes.Equal(again, b) {
				t.Fatalf("re-encoding differs\n  in: %x\n out: %x", b, again)
			}
		}
		if _, err := json.Marshal(ToJSON(p)); err != nil {
			t.Fatalf("ToJSON: %v", err)
		}
	})
}

func FuzzPeekType(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte{0xbf, 0x41, 0x00, 0x5f, 0x41, 0x01, 0xff, 0x64, 't', 'y', 'p', 'e', 0x61, 'x', 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, err := PeekType(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if checkTypeName(typ) != nil {
			t.Fatalf("invalid type name %q returned", typ)
		}
	})
}
