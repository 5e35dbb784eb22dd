package message

import (
	"bytes"
	"errors"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
)

// signer is a device with a real Ed25519 key, writing real entries.
type signer struct {
	key  identity.PrivateKey
	dk   *seal.DecryptionKey
	acct identity.PublicKey
	last map[ID]*entry.Entry // head of each of its logs
}

func newSigner(t *testing.T, n byte, account byte) *signer {
	k, err := identity.KeyFromSeed(bytes.Repeat([]byte{n}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &signer{key: k, dk: mkDevice(t, int(n), seal.KEMHybrid).dk, acct: acct(account), last: map[ID]*entry.Entry{}}
}

func (s *signer) id() ID { return ID(s.key.Public()) }

func (s *signer) device() device { return device{id: s.id(), dk: s.dk} }

// write appends payload to the signer's log logID, with the seq as the
// header's timestamp (messages.md §6).
func (s *signer) write(t *testing.T, logID ID, payload []byte) *entry.Entry {
	d := entry.Draft{LogID: entry.LogID(logID), Seq: 1, Payload: payload}
	if prev := s.last[logID]; prev != nil {
		d.Seq, d.Backlink = prev.Header.Seq+1, prev.ID
	}
	d.Timestamp = d.Seq
	e, err := entry.Sign(s.key, d)
	if err != nil {
		t.Fatal(err)
	}
	s.last[logID] = e
	return e
}

func at(e *entry.Entry) Position {
	return Position{Author: ID(e.Header.Author), LogID: ID(e.Header.LogID), Seq: e.Header.Seq}
}

// A message from A to C through B, who follows both and carries their
// entries: B verifies every entry (signature, payload hash) and can read
// none; C reads the start, replies, and A reads the reply; the thread,
// built from real entry ids, is start then reply.
func TestRelayCarriesWhatItCannotRead(t *testing.T) {
	a, aOther, b, c := newSigner(t, 1, 1), newSigner(t, 2, 1), newSigner(t, 3, 2), newSigner(t, 4, 3)
	st, err := Start(a.id(), recipients([]device{aOther.device(), c.device()}),
		&Message{Text: "Are you coming on Friday?", Participants: []identity.PublicKey{a.acct, c.acct}}, 1765036800000)
	if err != nil {
		t.Fatal(err)
	}
	var fromA []*entry.Entry
	for _, p := range st.Payloads {
		fromA = append(fromA, a.write(t, st.LogID, p))
	}

	// B carries: every entry verifies from its bytes alone.
	relay := func(es []*entry.Entry) []*entry.Entry {
		var out []*entry.Entry
		for _, e := range es {
			got, err := entry.Parse(e.Raw, e.Payload)
			if err != nil || !got.Verify() {
				t.Fatalf("relay: entry %d does not verify: %v", e.Header.Seq, err)
			}
			out = append(out, got)
		}
		return out
	}
	carried := relay(fromA)
	bBook := NewBook()
	for _, e := range carried {
		switch KindOf(e.Payload) {
		case KindAnnouncement:
			if _, err := OpenAnnouncement(b.id(), b.dk, at(e), e.Payload); !errors.Is(err, ErrNotForMe) {
				t.Fatalf("relay opens a part: %v", err)
			}
		case KindMessage:
			if bBook.Find(ID(e.Header.Author), ID(e.Header.LogID)) != nil {
				t.Fatal("relay finds a conversation")
			}
		default:
			t.Fatal("a payload of no kind")
		}
	}

	// C opens the part, then reads the start.
	conv, err := OpenAnnouncement(c.id(), c.dk, at(carried[0]), carried[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	startEntry := carried[len(carried)-1]
	o, err := Open(conv, at(startEntry), startEntry.Payload)
	if err != nil || o.Msg.Text != "Are you coming on Friday?" {
		t.Fatalf("C reads the start: %v", err)
	}
	// A's other device reads it too.
	if _, err := OpenAnnouncement(aOther.id(), aOther.dk, at(carried[0]), carried[0].Payload); err != nil {
		t.Fatalf("A's other device: %v", err)
	}

	// C replies in its own log of the conversation; B carries it.
	cLog := conv.LogID(c.id())
	rp, err := Seal(conv, Position{Author: c.id(), LogID: cLog, Seq: 1}, 1765036900000, &Message{Text: "Yes!", ReplyTo: startEntry.ID})
	if err != nil {
		t.Fatal(err)
	}
	reply := relay([]*entry.Entry{c.write(t, cLog, rp)})[0]
	if bBook.Find(ID(reply.Header.Author), ID(reply.Header.LogID)) != nil {
		t.Fatal("relay finds the reply's conversation")
	}
	aBook := NewBook()
	aBook.Add(st.Conv)
	aConv := aBook.Find(ID(reply.Header.Author), ID(reply.Header.LogID))
	if aConv == nil {
		t.Fatal("A does not find the reply's conversation by its log id")
	}
	ro, err := Open(aConv, at(reply), reply.Payload)
	if err != nil || ro.Msg.Text != "Yes!" || ro.TimeMs != 1765036900000 {
		t.Fatalf("A reads the reply: %v", err)
	}
	th := BuildThread(a.id(), []Item{
		{ID: reply.ID, Author: c.id(), Account: c.acct, Seq: 1, Msg: ro.Msg},
		{ID: startEntry.ID, Author: a.id(), Account: a.acct, Seq: startEntry.Header.Seq, Msg: o.Msg},
	})
	if len(th.Order) != 2 || th.Order[0] != startEntry.ID || th.Parent[reply.ID] != startEntry.ID || len(th.Refused) != 0 {
		t.Fatalf("thread %+v", th)
	}
	// Nothing B holds names C's account or the text; A's entries do not
	// name C's device.
	for _, e := range append(carried, reply) {
		for _, needle := range [][]byte{c.acct[:], []byte("Friday"), []byte("Yes!")} {
			if bytes.Contains(e.Payload, needle) || bytes.Contains(e.Raw, needle) {
				t.Fatalf("entry %d of %x holds %q in the clear", e.Header.Seq, e.Header.Author[:4], needle)
			}
		}
	}
	cDev := c.id()
	for _, e := range carried {
		if bytes.Contains(e.Payload, cDev[:]) || bytes.Contains(e.Raw, cDev[:]) {
			t.Fatalf("A's entry %d names C's device", e.Header.Seq)
		}
	}
}
