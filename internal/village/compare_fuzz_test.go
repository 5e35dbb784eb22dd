package village

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// validMessages returns every message of comparisons at both levels and
// of both list kinds, plus an equal-list exchange.
func validMessages(t testing.TB) [][]byte {
	r := rand.New(rand.NewPCG(7, 8))
	var ma [][]byte
	for range 300 {
		ma = append(ma, randMember(r, randID(r)))
	}
	a := mustList(t, KindStrangers, ma)
	b := a.Without(a.ids[3], a.ids[100])
	var out [][]byte
	for _, levels := range []int{1, 2} {
		for _, pair := range [][2]*List{{a, b}, {a, a}} {
			sa, msg, err := NewInitiator(pair[0], levels)
			if err != nil {
				t.Fatal(err)
			}
			sb := NewResponder(pair[1])
			to, other := sb, sa
			for msg != nil {
				out = append(out, msg)
				if msg, err = to.Receive(msg); err != nil {
					t.Fatal(err)
				}
				to, other = other, to
			}
		}
	}
	state := (&MembersMsg{Kind: KindStrangersState, Groups: []MemberGroup{{Prefix: []byte{5}, Members: [][]byte{
		hexb("83 5840" + repeat("05", 64) + "02 81 82 5820" + repeat("11", 32) + "5820" + repeat("22", 32)),
	}}}}).Encode()
	return append(out, state)
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

// FuzzDecodeMessage: DecodeMessage never panics, every error is an
// *Error, and every accepted message re-encodes to exactly its bytes.
func FuzzDecodeMessage(f *testing.F) {
	for _, m := range validMessages(f) {
		f.Add(m)
	}
	for _, c := range messageRejectCases() {
		f.Add(c.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMessage(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if again := m.Encode(); !bytes.Equal(again, b) {
			t.Fatalf("decoded %x, re-encodes as %x", b, again)
		}
	})
}

// TestValidMessagesRoundTrip: the fuzz seeds decode and re-encode.
func TestValidMessagesRoundTrip(t *testing.T) {
	for i, b := range validMessages(t) {
		m, err := DecodeMessage(b)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(m.Encode(), b) {
			t.Errorf("message %d (%s) does not re-encode to its bytes", i, m.Name())
		}
	}
}

// TestSessionRejects: well-formed messages out of place or inconsistent
// with what came before are protocol errors.
func TestSessionRejects(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var ms [][]byte
	for range 200 {
		ms = append(ms, randMember(r, randID(r)))
	}
	a := mustList(t, KindStrangers, ms)
	b := a.Without(a.ids[7])
	hashA := (&HashMsg{Kind: KindStrangers, Levels: 1, Hash: a.Hash()}).Encode()
	membersA := (&MembersMsg{Kind: KindStrangers, Groups: []MemberGroup{a.group([]byte{a.ids[7][0]})}}).Encode()

	t.Run("responder: members first", func(t *testing.T) {
		if _, err := NewResponder(b).Receive(membersA); !errors.Is(err, ErrProtocol) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("responder: other kind", func(t *testing.T) {
		h := (&HashMsg{Kind: KindStrangersState, Levels: 1, Hash: a.Hash()}).Encode()
		if _, err := NewResponder(b).Receive(h); !errors.Is(err, ErrProtocol) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("responder: members that do not add up", func(t *testing.T) {
		s := NewResponder(b)
		if _, err := s.Receive(hashA); err != nil {
			t.Fatal(err)
		}
		g := b.group([]byte{a.ids[7][0]}) // B's own bucket: not A's
		bad := (&MembersMsg{Kind: KindStrangers, Groups: []MemberGroup{g}}).Encode()
		if _, err := s.Receive(bad); !errors.Is(err, ErrProtocol) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("initiator: responder's hash differs", func(t *testing.T) {
		s, _, _ := NewInitiator(a, 1)
		h := (&HashMsg{Kind: KindStrangers, Levels: 1, Hash: b.Hash()}).Encode()
		if _, err := s.Receive(h); !errors.Is(err, ErrProtocol) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("initiator: responder's members do not hash to its bucket", func(t *testing.T) {
		s, _, _ := NewInitiator(a, 1)
		if _, err := s.Receive((&BucketsMsg{Hashes: b.buckets}).Encode()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Receive(membersA); !errors.Is(err, ErrProtocol) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("initiator: level 2, a sub-bucket left out", func(t *testing.T) {
		s, _, _ := NewInitiator(a, 2)
		if _, err := s.Receive((&BucketsMsg{Hashes: b.buckets}).Encode()); err != nil {
			t.Fatal(err)
		}
		// A sub-bucket of the differing bucket other than the one that
		// differs: bucket 7's hash does not add up.
		p := []byte{a.ids[7][0], a.ids[7][1] + 1}
		m := (&MembersMsg{Kind: KindStrangers, Groups: []MemberGroup{b.group(p)}}).Encode()
		if _, err := s.Receive(m); !errors.Is(err, ErrProtocol) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("after the end", func(t *testing.T) {
		s := NewResponder(a)
		if _, err := s.Receive(hashA); err != nil || !s.Done() {
			t.Fatal(err, s.Done())
		}
		if _, err := s.Receive(hashA); !errors.Is(err, ErrProtocol) {
			t.Fatalf("got %v", err)
		}
	})
	if _, _, err := NewInitiator(a, 3); err == nil {
		t.Error("levels 3 accepted")
	}
}

// FuzzSession: a session fed arbitrary bytes at any point of an exchange
// never panics and either goes on or fails with an error.
func FuzzSession(f *testing.F) {
	for _, m := range validMessages(f) {
		f.Add(uint8(0), m)
		f.Add(uint8(3), m)
	}
	r := rand.New(rand.NewPCG(11, 12))
	var ms [][]byte
	for range 300 {
		ms = append(ms, randMember(r, randID(r)))
	}
	a := mustList(f, KindStrangers, ms)
	b := a.Without(a.ids[1], a.ids[2], a.ids[250])
	f.Fuzz(func(t *testing.T, at uint8, junk []byte) {
		// Run the exchange, replacing message number at%6 by junk.
		levels := 1 + int(at/6)%2
		sa, msg, err := NewInitiator(a, levels)
		if err != nil {
			t.Fatal(err)
		}
		sb := NewResponder(b)
		to, other := sb, sa
		for i := 0; msg != nil && i < 8; i++ {
			if i == int(at%6) {
				msg = junk
			}
			if msg, err = to.Receive(msg); err != nil {
				return
			}
			to, other = other, to
		}
	})
}
