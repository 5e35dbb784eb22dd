package message

import (
	"bytes"
	"errors"
	"testing"

	"github.com/kithnet/kith/internal/seal"
)

// Every decoder of untrusted bytes: never panics, returns only the
// outcomes messages.md names, and what it accepts re-encodes to the same
// bytes.

func FuzzDecodeBody(f *testing.F) {
	for _, c := range goodBodies() {
		b, err := EncodeBody(c.m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, c := range badBodies() {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeBody(b)
		if err != nil {
			var fe *FieldError
			if !errors.Is(err, ErrMalformed) || !errors.As(err, &fe) {
				t.Fatalf("error outside the spec: %v", err)
			}
			return
		}
		again, err := EncodeBody(m)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted %x, re-encodes to %x (%v)", b, again, err)
		}
	})
}

func FuzzOpen(f *testing.F) {
	creator := id(1)
	c := newConversation([32]byte{9}, creator)
	at := pos(id(2), c, 3)
	for _, g := range goodBodies() {
		if g.m.IsStart() {
			continue
		}
		p, err := Seal(c, at, 1, g.m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
		f.Add(p[:len(p)-1])
	}
	long, err := Seal(c, at, 1, &Message{Text: string(bytes.Repeat([]byte("z"), 3000))})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(long)
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, p []byte) {
		o, err := Open(c, at, p)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotDecrypted) {
				t.Fatalf("error outside the spec: %v", err)
			}
			return
		}
		body, _ := EncodeBody(o.Msg)
		if len(p) != BucketFor(len(body)) {
			t.Fatalf("opened a %d-byte body from %d bytes", len(body), len(p))
		}
	})
}

func FuzzOpenAnnouncement(f *testing.F) {
	ds := []device{mkDevice(f, 1, seal.KEMHybrid), mkDevice(f, 2, seal.KEMX25519)}
	creator := id(0xc1)
	st, err := Start(creator, recipients(ds), start(acct(1)), 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(st.Payloads[0])
	f.Add(st.Payloads[0][:100])
	f.Add(st.Payloads[1])
	_, sparts, err := seal.NewEpoch(id(5), creator, []ID{id(6)}, [32]byte{}, recipients(ds))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sparts[0])
	p0 := Position{Author: creator, LogID: st.LogID, Seq: 1}
	f.Fuzz(func(t *testing.T, p []byte) {
		for _, d := range ds {
			c, err := OpenAnnouncement(d.id, d.dk, p0, p)
			if err != nil {
				if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotForMe) &&
					!errors.Is(err, ErrEpochMismatch) && !errors.Is(err, ErrWrongLog) {
					t.Fatalf("error outside the spec: %v", err)
				}
				continue
			}
			if c.LogID(creator) != st.LogID {
				t.Fatal("opened a conversation whose log is not the part's")
			}
		}
	})
}

func FuzzParseConversation(f *testing.F) {
	b, _ := newConversation([32]byte{3}, id(4)).MarshalBinary()
	f.Add(b)
	f.Add(b[:10])
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConversation(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error outside the spec: %v", err)
			}
			return
		}
		again, _ := c.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatalf("accepted %x, re-encodes to %x", b, again)
		}
	})
}

// FuzzBuildThread: threading any messages (made from fuzz bytes: ids,
// authors, seqs, replies, refs) never panics and places or refuses each
// distinct message exactly once.
func FuzzBuildThread(f *testing.F) {
	f.Add([]byte{0x50, 0xc0, 2, 0, 0, 0x40, 0xb0, 1, 0x50, 0, 0x30, 0xca, 1, 0x40, 0x40})
	f.Add([]byte{0x31, 0xb0, 1, 0, 0x32, 0x32, 0xca, 1, 0, 0x31})
	f.Fuzz(func(t *testing.T, b []byte) {
		authors := []ID{tCreator, tBob, tCarol, tMallory}
		var items []Item
		distinct := map[[32]byte]bool{}
		for ; len(b) >= 5; b = b[5:] {
			m := re(b[3], b[4])
			if b[3] == 0 && b[4] == 0 {
				m = startMsg()
			} else if b[4] == 0 {
				m.Refs = nil
			}
			x := it(b[0], authors[int(b[1])%len(authors)], uint64(b[2]), m)
			items = append(items, x)
			distinct[x.ID] = true
		}
		th := BuildThread(tCreator, items)
		seen := map[[32]byte]bool{}
		for _, e := range th.Order {
			seen[e] = true
		}
		for _, r := range th.Refused {
			seen[r.ID] = true
		}
		if len(th.Order)+len(th.Refused) != len(distinct) || len(seen) != len(distinct) {
			t.Fatalf("%d placed, %d refused, %d distinct messages", len(th.Order), len(th.Refused), len(distinct))
		}
	})
}
