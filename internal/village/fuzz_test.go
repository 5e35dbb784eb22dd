package village

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode: Decode never panics, every error is an *Error, and every
// accepted payload re-encodes to exactly its bytes.
func FuzzDecode(f *testing.F) {
	for _, c := range validPayloads() {
		f.Add(MustEncode(c.p))
	}
	for _, c := range rejectCases() {
		f.Add(c.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		again, err := Encode(p)
		if err != nil {
			t.Fatalf("decoded %x but Encode fails: %v", b, err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("decoded %x, re-encodes as %x", b, again)
		}
	})
}
