package dropbox

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
)

func seedBodies(f *testing.F, kind string) {
	for _, c := range invalidCases {
		if c.kind == kind {
			b, _ := hex.DecodeString(c.hex)
			f.Add(b)
		}
	}
}

// FuzzDecodeHubs: never panics; what decodes re-encodes byte for byte.
func FuzzDecodeHubs(f *testing.F) {
	for _, c := range hubsCases {
		b, _ := EncodeHubs(c.hubs)
		f.Add(b)
	}
	seedBodies(f, "hubs")
	f.Fuzz(func(t *testing.T, b []byte) {
		hubs, err := DecodeHubs(b)
		if err != nil {
			return
		}
		again, err := EncodeHubs(hubs)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded %x, re-encoded %x (%v)", b, again, err)
		}
	})
}

// FuzzDecodeRequest: never panics; what decodes re-encodes byte for byte.
func FuzzDecodeRequest(f *testing.F) {
	for _, c := range requestCases {
		b, _ := c.q.Encode()
		f.Add(b)
	}
	seedBodies(f, "request")
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := DecodeRequest(b)
		if err != nil {
			return
		}
		again, err := q.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded %x, re-encoded %x (%v)", b, again, err)
		}
	})
}

// FuzzDecodeResponse: never panics; what decodes re-encodes byte for byte.
func FuzzDecodeResponse(f *testing.F) {
	for _, c := range responseCases {
		b, _ := c.p.Encode()
		f.Add(b)
	}
	seedBodies(f, "response")
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeResponse(b)
		if err != nil {
			return
		}
		again, err := p.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded %x, re-encoded %x (%v)", b, again, err)
		}
	})
}

// FuzzOpenLetter: the hub's checks and a recipient's opening never panic
// on any bytes; a letter that opens passed the hub's checks.
func FuzzOpenLetter(f *testing.F) {
	recipient := fill(0xaa)
	seed := []byte{0x01}
	d := newTestDevice(f, seal.KEMX25519)
	k, _ := identity.GenerateKey(nil)
	if b, err := SealLetter(recipient, k, k, []Recipient{d.recipient()}, 1, testInner(fill(1))); err == nil {
		seed = b
	}
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		_, herr := DecodeLetter(recipient, b)
		_, oerr := OpenLetter(recipient, seal.ID(d.key.Public()), d.dk, b)
		if oerr == nil && herr != nil {
			t.Fatalf("opened a letter the hub refuses: %v", herr)
		}
		if _, err := decodeInner(b); err == nil {
			return
		}
	})
}
