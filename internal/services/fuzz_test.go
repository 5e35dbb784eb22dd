package services

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// FuzzDecode: Decode never panics, and what it accepts encodes back to
// the same bytes (one encoding per announcement).
func FuzzDecode(f *testing.F) {
	for _, c := range validCases {
		b, err := c.a.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, c := range invalidCases {
		b, _ := hex.DecodeString(c.Hex)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := Decode(body)
		if err != nil {
			return
		}
		again, err := a.Encode()
		if err != nil {
			t.Fatalf("Decode accepted %x, Encode refuses it: %v", body, err)
		}
		if !bytes.Equal(again, body) {
			t.Fatalf("Decode accepted %x, which encodes back as %x", body, again)
		}
	})
}
