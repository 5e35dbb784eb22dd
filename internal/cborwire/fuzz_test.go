package cborwire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

// opNames are the reads a fuzz op byte selects.
var opNames = [...]string{"uint", "array", "bytes", "fixed", "text", "null", "end"}

// bound decodes a bound byte: 0..199 as is, 200..254 as 2^8..2^62, 255 as
// -1 (no limit for uint).
func bound(x byte) int {
	switch {
	case x < 200:
		return int(x)
	case x < 255:
		return 1 << (x - 200 + 8)
	}
	return -1
}

func encodeBound(t testing.TB, v int) byte {
	for x := range 256 {
		if bound(byte(x)) == v {
			return byte(x)
		}
	}
	t.Fatalf("bound %d has no encoding", v)
	return 0
}

// decodeOps reads the fuzz input's reads: three bytes each (op, min, max).
func decodeOps(ops []byte) []read {
	var rs []read
	for i := 0; i+3 <= len(ops) && len(rs) < 64; i += 3 {
		rs = append(rs, read{opNames[int(ops[i])%len(opNames)], bound(ops[i+1]), bound(ops[i+2])})
	}
	return rs
}

func encodeOps(t testing.TB, rs []read) []byte {
	var b []byte
	for _, r := range rs {
		i := bytes.IndexByte([]byte("uabftne"), r.op[0])
		b = append(b, byte(i), encodeBound(t, r.min), encodeBound(t, r.max))
	}
	return b
}

// FuzzReader runs arbitrary reads over arbitrary bodies: no read panics;
// every read that succeeds consumed exactly the encoding the Append
// functions write for what it returned (so every value has one encoding);
// a read that fails returns an *Error that names a known problem at the
// byte where the reader stopped.
func FuzzReader(f *testing.F) {
	for _, c := range errorCases() {
		body, err := hex.DecodeString(c.hex)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(encodeOps(f, c.reads), body)
	}
	round := AppendArray(nil, 3)
	round = AppendText(AppendBytes(AppendUint(round, 1<<33), []byte("xyz")), "ok")
	f.Add(encodeOps(f, []read{{"array", 3, 3}, {"uint", 0, -1}, {"bytes", 0, 9}, {"text", 1, 2}, {"null", 0, 0}, {"end", 0, 0}}), round)
	f.Fuzz(func(t *testing.T, ops, body []byte) {
		r := NewReader(body, nil)
		for _, o := range decodeOps(ops) {
			if o.op == "fixed" {
				o.max = max(0, min(o.max, 64))
			}
			at := r.Offset()
			again, err := apply(r, o)
			if err == nil {
				if !bytes.Equal(body[at:r.Offset()], again) {
					t.Fatalf("%s read %x but encodes it as %x", o, body[at:r.Offset()], again)
				}
				continue
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%s: error %v is not an *Error", o, err)
			}
			if e.Offset != at || r.Offset() != at || e.Problem < EndOfBody || e.Problem > Trailing || e.Error() == "" {
				t.Fatalf("%s at byte %d: error %+v, reader at byte %d", o, at, *e, r.Offset())
			}
			return
		}
	})
}
