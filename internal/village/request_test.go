package village

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

func TestRequestPayloadLimits(t *testing.T) {
	at := &Request{Village: vid(), User: [32]byte(pk(2)), Text: strings.Repeat("x", MaxRequestLen), Cert: fixedCert()}
	if _, err := Decode(MustEncode(at)); err != nil {
		t.Fatal(err)
	}
	c := fixedCert()
	cert := append(append([]byte{0x82}, bs(c.Header)...), bs(c.Payload)...)
	over := mapOf("cert", cert, "text", strings.Repeat("x", MaxRequestLen+1), "type", "village.request", "user", bs(pkB(2)), "village", bs(vidB()))
	if _, err := Decode(over); err == nil || !strings.Contains(err.Error(), "2001 bytes, want 1..2000") {
		t.Fatalf("over: %v", err)
	}
	for _, p := range []*Request{
		{Village: vid(), User: [32]byte(pk(2)), Cert: c},                                                          // empty text
		{Village: vid(), Text: "hi", Cert: c},                                                                     // zero user
		{User: [32]byte(pk(2)), Text: "hi", Cert: c},                                                              // zero village
		{Village: vid(), User: [32]byte(pk(2)), Text: "\xff\xfe", Cert: c},                                        // not UTF-8
		{Village: vid(), User: [32]byte(pk(2)), Text: "hi"},                                                       // no certificate
		{Village: vid(), User: [32]byte(pk(2)), Text: "hi", Cert: Cert{Header: c.Header, Payload: c.Payload[1:]}}, // payload not the header's
	} {
		if _, err := Encode(p); err == nil {
			t.Errorf("Encode(%+v) accepted", p)
		}
	}
	// The keys in canonical order, the example of village.md §6.
	pr := proof(1)
	b := MustEncode(&Request{Village: vid(), User: [32]byte(pk(2)), Text: "hi", Blob: pr, Cert: c})
	if b[0] != 0xa6 || !strings.HasPrefix(string(b[1:]), "\x64blob") || !strings.Contains(string(b), "\x64blob\x58\x20"+string(pr[:])+"\x64cert\x82") {
		t.Fatalf("encoding %x", b)
	}
}

func TestRequests(t *testing.T) {
	a, b, x, y := key(t, 1), key(t, 2), key(t, 8), key(t, 9)
	w := founded(t, Unanimous, Majority, a, b)
	before := w.reduce()
	ca, _ := before.Components(accOf(a), [32]byte{})
	user := [32]byte(pk(0x55))
	sx := RequestStranger(accOf(x), user)
	r1 := w.post(x, &Request{Village: w.village, User: user, Text: "may I sell honey?"})
	r2 := w.post(x, &Request{Village: w.village, User: user, Text: "please", Blob: proof(3)})
	byLocal := w.post(a, &Request{Village: w.village, User: user, Text: "me too"})
	s := w.reduce()
	if r := ignoredReason(s, byLocal.ID); r != "a local does not send requests" {
		t.Fatalf("local's request: %q", r)
	}
	st := s.Stranger(sx)
	if st == nil || st.Listed || !st.Pending() || st.Heard() || len(st.Requests) != 2 {
		t.Fatalf("stranger after two requests: %+v", st)
	}
	if st.Requests[0].Entry != r1.ID || st.Requests[1].Entry != r2.ID || st.Requests[1].Text != "please" || st.Requests[1].Blob != proof(3) {
		t.Fatalf("requests %+v", st.Requests)
	}
	// Requests do not list the stranger: the commitment is unchanged.
	if c, _ := s.Components(accOf(a), [32]byte{}); c != ca {
		t.Fatal("a request changed the components")
	}
	// A deferred vote lists it: heard, no longer pending.
	w.post(a, &Vote{Village: w.village, Stranger: sx, Vote: VoteDeferred})
	st = w.reduce().Stranger(sx)
	if !st.Listed || st.Pending() || !st.Heard() || st.Standing != Acknowledged || len(st.Requests) != 2 {
		t.Fatalf("after a deferred vote: %+v", st)
	}
	w.post(b, &Vote{Village: w.village, Stranger: sx, Vote: VoteVeto})
	st = w.reduce().Stranger(sx)
	if st.Heard() || st.Standing != Vetoed {
		t.Fatalf("after a veto: %+v", st)
	}
	// At most MaxRequests per stranger; another user id is another stranger.
	for range MaxRequests {
		w.post(y, &Request{Village: w.village, User: user, Text: "again"})
	}
	extra := w.post(y, &Request{Village: w.village, User: user, Text: "again"})
	other := w.post(y, &Request{Village: w.village, User: [32]byte(pk(0x56)), Text: "as someone else"})
	s = w.reduce()
	if n := len(s.Stranger(RequestStranger(accOf(y), user)).Requests); n != MaxRequests {
		t.Fatalf("%d requests kept", n)
	}
	if r := ignoredReason(s, extra.ID); !strings.Contains(r, "too many requests") {
		t.Fatalf("extra request: %q", r)
	}
	if ignoredReason(s, other.ID) != "" || len(s.Stranger(RequestStranger(accOf(y), [32]byte(pk(0x56)))).Requests) != 1 {
		t.Fatal("a request under another user id was not kept")
	}
	// A request stamped before the founding (the stranger's clock is
	// behind) is heard all the same; a founder's is not.
	w2 := newWorld(t, Unanimous, Unanimous, a, b)
	early := w2.post(x, &Request{Village: w2.village, User: user, Text: "hi"})
	byFounder := w2.post(a, &Request{Village: w2.village, User: user, Text: "me too"})
	s2 := w2.reduce()
	if r := ignoredReason(s2, early.ID); r != "" {
		t.Fatalf("early request: %q", r)
	}
	if st := s2.Stranger(RequestStranger(accOf(x), user)); st == nil || !st.Pending() || len(st.Requests) != 1 || st.Requests[0].Text != "hi" {
		t.Fatalf("early request not in the inbox: %+v", st)
	}
	if r := ignoredReason(s2, byFounder.ID); r != "a local does not send requests" {
		t.Fatalf("founder's request: %q", r)
	}
}

// TestStateWithoutStrangersLogs: a state that leaves out the logs of keys
// the village does not know has the components of the whole set.
func TestStateWithoutStrangersLogs(t *testing.T) {
	a, b, x := key(t, 1), key(t, 2), key(t, 8)
	w := founded(t, Unanimous, Majority, a, b)
	user := [32]byte(pk(0x55))
	w.post(x, &Request{Village: w.village, User: user, Text: "hello"})
	w.post(a, &Vote{Village: w.village, Stranger: RequestStranger(accOf(x), user), Vote: VoteVeto})
	w.post(x, &Request{Village: w.village, User: user, Text: "why?"})
	full := w.reduce()
	if full.Knows(x.Public()) || !full.Knows(a.Public()) {
		t.Fatal("Knows")
	}
	var seen []Seen
	for _, s := range SeenOf(w.village, w.all) {
		if full.Knows(s.Author) {
			seen = append(seen, s)
		}
	}
	byID := map[entry.ID]*entry.Entry{}
	for _, e := range w.all {
		byID[e.ID] = e
	}
	named, err := Named(w.village, seen, byID)
	if err != nil {
		t.Fatal(err)
	}
	part, err := Reduce(w.village, named)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []identity.PublicKey{a.Public(), b.Public()} {
		c1, _ := full.Components(k, [32]byte{})
		c2, _ := part.Components(k, [32]byte{})
		if c1 != c2 {
			t.Fatalf("components of %x differ without the stranger's log", k[:4])
		}
	}
}
