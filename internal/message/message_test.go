package message

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
)

// A conversation started for N recipient devices: every recipient opens
// it and reads the start; the creator's log holds the parts then the
// start; a device that got no wrap opens nothing.
func TestStartOpensForEveryRecipient(t *testing.T) {
	for _, c := range []struct {
		name      string
		hybrid    int
		x25519    int
		wantParts int
	}{
		{"one x25519 device", 0, 1, 1},
		{"one hybrid device", 1, 0, 1},
		{"mixed", 3, 2, 1},
		{"14 hybrid: two parts", 14, 0, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			ds := append(mkDevices(t, 10, c.hybrid, seal.KEMHybrid), mkDevices(t, 100, c.x25519, seal.KEMX25519)...)
			creator := id(0xc1)
			st, err := Start(creator, recipients(ds), start(acct(1), acct(2)), 1765036800123)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(st.Payloads) - 1; got != c.wantParts {
				t.Fatalf("%d parts, want %d", got, c.wantParts)
			}
			if st.LogID != st.Conv.LogID(creator) {
				t.Fatal("Started.LogID is not the creator's log of the conversation")
			}
			parts := st.Payloads[:c.wantParts]
			for _, p := range parts {
				if KindOf(p) != KindAnnouncement {
					t.Fatalf("part kind %v", KindOf(p))
				}
			}
			last := st.Payloads[len(st.Payloads)-1]
			if KindOf(last) != KindMessage || len(last) != 256 {
				t.Fatalf("start message: kind %v, %d bytes", KindOf(last), len(last))
			}
			for i, d := range ds {
				conv, err := openAny(d, creator, st.LogID, parts)
				if err != nil {
					t.Fatalf("recipient %d: %v", i, err)
				}
				if conv.ID() != st.Conv.ID() || conv.Secret != st.Conv.Secret || conv.Creator != creator {
					t.Fatalf("recipient %d opened another conversation", i)
				}
				o, err := Open(conv, pos(creator, conv, uint64(len(parts)+1)), last)
				if err != nil {
					t.Fatalf("recipient %d: start: %v", i, err)
				}
				if o.TimeMs != 1765036800123 || o.Msg.Text != "hello" || o.Msg.Subject != "plans" ||
					len(o.Msg.Participants) != 2 || o.Msg.Participants[1] != acct(2) {
					t.Fatalf("recipient %d: start reads %+v at %d", i, o.Msg, o.TimeMs)
				}
			}
			for _, kem := range []uint16{seal.KEMHybrid, seal.KEMX25519} {
				outsider := mkDevice(t, 999, kem)
				if _, err := openAny(outsider, creator, st.LogID, parts); !errors.Is(err, ErrNotForMe) {
					t.Fatalf("outsider (kem %#x): %v, want ErrNotForMe", kem, err)
				}
			}
		})
	}
}

// 100 recipient devices (the floor), all hybrid: 104 wraps in 8
// parts; each device finds its wrap; a non-recipient finds none.
func TestHundredRecipientDevices(t *testing.T) {
	ds := mkDevices(t, 1000, 100, seal.KEMHybrid)
	creator := id(0xc2)
	st, err := Start(creator, recipients(ds), start(acct(1)), 1)
	if err != nil {
		t.Fatal(err)
	}
	parts := st.Payloads[:len(st.Payloads)-1]
	if len(parts) != 8 {
		t.Fatalf("%d parts, want 8 (104 wraps, 13 a part)", len(parts))
	}
	wraps, size := 0, 0
	for _, p := range parts {
		a, err := seal.DecodeAnnouncement(p)
		if err != nil {
			t.Fatal(err)
		}
		wraps += len(a.Wraps)
		size += len(p)
	}
	if wraps != 104 {
		t.Fatalf("%d wraps, want 104 (100 rounded up to a multiple of 8)", wraps)
	}
	t.Logf("100 hybrid recipient devices: %d parts, %d bytes of announcement", len(parts), size)
	for i, d := range ds {
		conv, err := openAny(d, creator, st.LogID, parts)
		if err != nil || conv.ID() != st.Conv.ID() {
			t.Fatalf("recipient %d: %v", i, err)
		}
	}
	if _, err := openAny(mkDevice(t, 5000, seal.KEMHybrid), creator, st.LogID, parts); !errors.Is(err, ErrNotForMe) {
		t.Fatalf("non-recipient: %v, want ErrNotForMe", err)
	}
}

// A non-recipient gets nothing: ErrNotForMe from every part; its book
// finds no conversation for any of the logs; a guessed key opens no
// message.
func TestNonRecipientLearnsNothing(t *testing.T) {
	ds := mkDevices(t, 1, 3, seal.KEMHybrid)
	creator := id(0xc3)
	st, err := Start(creator, recipients(ds), start(acct(1), acct(2)), 5)
	if err != nil {
		t.Fatal(err)
	}
	outsider := mkDevice(t, 77, seal.KEMHybrid)
	book := NewBook()
	if _, err := OpenAnnouncement(outsider.id, outsider.dk, Position{Author: creator, LogID: st.LogID, Seq: 1}, st.Payloads[0]); !errors.Is(err, ErrNotForMe) {
		t.Fatalf("outsider: %v", err)
	}
	// The outsider holds other conversations: none claims the log.
	for i := range 5 {
		other, err := Start(outsider.id, recipients(ds[:1]), start(acct(9)), 1)
		if err != nil {
			t.Fatal(err)
		}
		book.Add(other.Conv)
		_ = i
	}
	if c := book.Find(creator, st.LogID); c != nil {
		t.Fatal("the outsider's book claims the creator's log")
	}
	// A conversation with the right creator but another secret does not
	// open the start (as good as guessing the key).
	guess := newConversation([32]byte{1}, creator)
	if _, err := Open(guess, Position{Author: creator, LogID: st.LogID, Seq: 2}, st.Payloads[1]); !errors.Is(err, ErrWrongLog) {
		t.Fatalf("guessed conversation: %v, want ErrWrongLog", err)
	}
	if _, err := Open(guess, pos(creator, guess, 2), st.Payloads[1]); !errors.Is(err, ErrNotDecrypted) {
		t.Fatalf("guessed conversation at its own log: %v, want ErrNotDecrypted", err)
	}
	// Nothing in the carried bytes names the participants or the text.
	for i, p := range st.Payloads {
		a1, a2, cid := acct(1), acct(2), st.Conv.ID()
		for _, needle := range [][]byte{[]byte("hello"), []byte("plans"), a1[:], a2[:], cid[:], ds[0].id[:], creator[:]} {
			if bytes.Contains(p, needle) && !(bytes.Equal(needle, creator[:]) && i == 0) {
				t.Fatalf("payload %d holds %x in the clear", i, needle)
			}
		}
	}
}

// A wrap for someone else: the right key with another device id, or
// another device's key with the right id, opens nothing.
func TestWrapForSomeoneElse(t *testing.T) {
	alice, bob := mkDevice(t, 1, seal.KEMHybrid), mkDevice(t, 2, seal.KEMHybrid)
	creator := id(0xc4)
	st, err := Start(creator, recipients([]device{alice}), start(acct(1)), 1)
	if err != nil {
		t.Fatal(err)
	}
	p0 := Position{Author: creator, LogID: st.LogID, Seq: 1}
	for name, d := range map[string]device{
		"bob's key, alice's id": {id: alice.id, dk: bob.dk},
		"alice's key, bob's id": {id: bob.id, dk: alice.dk},
	} {
		if _, err := OpenAnnouncement(d.id, d.dk, p0, st.Payloads[0]); !errors.Is(err, ErrNotForMe) {
			t.Errorf("%s: %v, want ErrNotForMe", name, err)
		}
	}
	if _, err := OpenAnnouncement(alice.id, alice.dk, p0, st.Payloads[0]); err != nil {
		t.Fatalf("alice: %v", err)
	}
	// A space's announcement to alice does not open as a conversation (the
	// wrap info names another space id).
	_, sparts, err := seal.NewEpoch(id(0x55), creator, nil, [32]byte{}, recipients([]device{alice}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenAnnouncement(alice.id, alice.dk, p0, sparts[0]); !errors.Is(err, ErrNotForMe) {
		t.Errorf("a space's announcement: %v, want ErrNotForMe", err)
	}
}

// Replayed or moved ciphertext does not open: a message at another seq,
// in another log, by another author, in another conversation; an
// announcement part in another log or under another author.
func TestMovedCiphertext(t *testing.T) {
	bob := mkDevice(t, 2, seal.KEMHybrid)
	creator := id(0xc5)
	st, err := Start(creator, recipients([]device{bob}), start(acct(1), acct(2)), 1)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := openAny(bob, creator, st.LogID, st.Payloads[:1])
	if err != nil {
		t.Fatal(err)
	}
	reply := &Message{Text: "yes", ReplyTo: eid(9)}
	at := pos(bob.id, conv, 1)
	p, err := Seal(conv, at, 7, reply)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := Open(conv, at, p); err != nil || o.Msg.Text != "yes" || o.Msg.ReplyTo != eid(9) || o.TimeMs != 7 {
		t.Fatalf("in place: %v", err)
	}
	other, err := Start(creator, recipients([]device{bob}), start(acct(1)), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		conv *Conversation
		at   Position
		want error
	}{
		{"next seq", conv, pos(bob.id, conv, 2), ErrNotDecrypted},
		{"seq 0", conv, pos(bob.id, conv, 0), ErrNotDecrypted},
		{"creator's log", conv, pos(creator, conv, 1), ErrNotDecrypted},
		{"bob's other log", conv, Position{Author: bob.id, LogID: other.Conv.LogID(bob.id), Seq: 1}, ErrWrongLog},
		{"another author, bob's log", conv, Position{Author: creator, LogID: at.LogID, Seq: 1}, ErrWrongLog},
		{"another conversation", other.Conv, pos(bob.id, other.Conv, 1), ErrNotDecrypted},
	} {
		if _, err := Open(c.conv, c.at, p); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// The announcement part: in another log of its author, at another seq
	// of the right log (a re-announcement, which is fine), under another
	// author (refused before any decapsulation).
	if _, err := OpenAnnouncement(bob.id, bob.dk, Position{Author: creator, LogID: id(1), Seq: 1}, st.Payloads[0]); !errors.Is(err, ErrWrongLog) {
		t.Errorf("part in another log: %v, want ErrWrongLog", err)
	}
	if _, err := OpenAnnouncement(bob.id, bob.dk, Position{Author: creator, LogID: st.LogID, Seq: 40}, st.Payloads[0]); err != nil {
		t.Errorf("part at another seq of its log: %v", err)
	}
	if _, err := OpenAnnouncement(bob.id, bob.dk, Position{Author: bob.id, LogID: conv.LogID(bob.id), Seq: 1}, st.Payloads[0]); !errors.Is(err, ErrMalformed) {
		t.Errorf("part under another author: %v, want ErrMalformed", err)
	}
}

// A new device of a participant gets the same conversation from a
// re-announcement in the participant's log; the public epoch id differs
// from the first announcement's, so an outsider cannot link them.
func TestReannounce(t *testing.T) {
	bob, bobNew := mkDevice(t, 2, seal.KEMHybrid), mkDevice(t, 3, seal.KEMHybrid)
	creator := id(0xc6)
	st, err := Start(creator, recipients([]device{bob}), start(acct(1), acct(2)), 1)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := openAny(bob, creator, st.LogID, st.Payloads[:1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openAny(bobNew, creator, st.LogID, st.Payloads[:1]); !errors.Is(err, ErrNotForMe) {
		t.Fatalf("new device before the re-announcement: %v", err)
	}
	parts, err := conv.Reannounce(bob.id, recipients([]device{bobNew}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenAnnouncement(bobNew.id, bobNew.dk, pos(bob.id, conv, 3), parts[0])
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != st.Conv.ID() || got.Creator != creator {
		t.Fatal("re-announcement opens another conversation")
	}
	a1, _ := seal.DecodeAnnouncement(st.Payloads[0])
	a2, _ := seal.DecodeAnnouncement(parts[0])
	if a1.Epoch == a2.Epoch || a2.Creator != bob.id {
		t.Fatal("re-announcement shares the first announcement's public epoch id")
	}
	// The start, found in the creator's log by the new device.
	if _, err := Open(got, pos(creator, got, 2), st.Payloads[1]); err != nil {
		t.Fatalf("new device reads the start: %v", err)
	}
}

// Limits of an announcement: no recipient, too many.
func TestAnnouncementLimits(t *testing.T) {
	creator := id(0xc7)
	if _, err := Start(creator, nil, start(acct(1)), 1); !errors.Is(err, ErrMalformed) {
		t.Errorf("no recipient: %v", err)
	}
	if _, err := Start(creator, recipients(mkDevices(t, 1, 1, seal.KEMX25519)), &Message{Text: "x"}, 1); !errors.Is(err, ErrMalformed) {
		t.Errorf("start without participants: %v", err)
	}
	huge := &Message{Subject: "plans"}
	huge.Text = string(bytes.Repeat([]byte("a"), MaxText))
	for i := range MaxParticipants {
		huge.Participants = append(huge.Participants, identity.PublicKey{byte(i), 1})
	}
	if _, err := Start(creator, recipients(mkDevices(t, 1, 1, seal.KEMX25519)), huge, 1); err == nil || err.Error() != "plaintext too large to seal: a 18743-byte start message, at most 16333" {
		t.Errorf("a start of 10000 bytes of text and 256 participants: %v", err)
	}
	many := recipients(mkDevices(t, 1, 1, seal.KEMX25519))
	for len(many) <= MaxRecipients {
		many = append(many, many[0])
	}
	if _, err := Start(creator, many, start(acct(1)), 1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("%d recipients: %v", len(many), err)
	}
}

// Only the creator writes a start; a start answers nothing; a subject
// belongs to a start.
func TestStartRules(t *testing.T) {
	bob := mkDevice(t, 2, seal.KEMX25519)
	creator := id(0xc8)
	st, err := Start(creator, recipients([]device{bob}), start(acct(1), acct(2)), 1)
	if err != nil {
		t.Fatal(err)
	}
	conv := st.Conv
	for name, c := range map[string]struct {
		author ID
		m      *Message
		want   string
	}{
		"start by bob":      {bob.id, start(acct(2)), `message: field "participants": a start message by device 0200de7100000000, but only the conversation's creator c800000000000000 writes one`},
		"start with reply":  {creator, &Message{Text: "x", ReplyTo: eid(1), Participants: []identity.PublicKey{acct(1)}}, `message: field "participants": the start message answers nothing (no reply, no refs)`},
		"subject, no start": {creator, &Message{Text: "x", Subject: "s"}, `message: field "subject": only the start message has a subject`},
	} {
		if _, err := Seal(conv, pos(c.author, conv, 9), 1, c.m); err == nil || err.Error() != c.want || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: seal: %v\nwant %s", name, err, c.want)
		}
		// The same, sealed by someone who skips the check, is refused on opening.
		body := rawBody(t, c.m)
		inner := make([]byte, 256-sealedPrefix-tagSize)
		inner[9] = byte(len(body))
		copy(inner[innerHead:], body)
		if _, err := Open(conv, pos(c.author, conv, 9), sealRaw(t, conv, pos(c.author, conv, 9), inner)); err == nil || err.Error() != c.want {
			t.Errorf("%s: open: %v\nwant %s", name, err, c.want)
		}
	}
}

// rawBody encodes m without checking the rules (as a careless sealer would).
func rawBody(t *testing.T, m *Message) []byte {
	saveP, saveS := m.Participants, m.Subject
	m.Participants, m.Subject = nil, ""
	var b []byte
	var err error
	if saveP == nil && saveS == "" {
		b, err = EncodeBody(m)
	} else {
		// Encode a valid map and splice the keys in canonical order by hand.
		b, err = EncodeBody(&Message{Text: m.Text, Refs: m.Refs, ReplyTo: m.ReplyTo})
		if err == nil {
			n := b[0] & 0x1f
			if saveS != "" {
				b = append(b, 0x67)
				b = append(b, "subject"...)
				b = append(b, 0x60|byte(len(saveS)))
				b = append(b, saveS...)
				n++
			}
			if saveP != nil {
				b = append(b, 0x6c)
				b = append(b, "participants"...)
				b = append(b, 0x80|byte(len(saveP)))
				for _, p := range saveP {
					b = append(b, 0x58, 0x20)
					b = append(b, p[:]...)
				}
				n++
			}
			b[0] = 0xa0 | n
		}
	}
	m.Participants, m.Subject = saveP, saveS
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The outcomes of opening a sealed message, in the order messages.md §4
// gives them.
func TestOpenOutcomes(t *testing.T) {
	creator := id(0xc9)
	conv := newConversation([32]byte{7}, creator)
	at := pos(creator, conv, 5)
	good, err := Seal(conv, at, 1, &Message{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	inner := func(n int, body []byte, pad byte) []byte {
		b := make([]byte, n-sealedPrefix-tagSize)
		b[8], b[9] = byte(len(body)>>8), byte(len(body))
		copy(b[innerHead:], body)
		if pad != 0 {
			b[len(b)-1] = pad
		}
		return b
	}
	body, _ := EncodeBody(&Message{Text: "hi"})
	for _, c := range []struct {
		name string
		p    []byte
		at   Position
		want error
		text string
	}{
		{"empty", nil, at, ErrMalformed, "malformed: sealed message is 0 bytes, not one of the bucket sizes [256 512 1024 2048 4096 8192 16384]"},
		{"255 bytes", good[:255], at, ErrMalformed, ""},
		{"version 2", append([]byte{2}, good[1:]...), at, ErrMalformed, "malformed: sealed message version 2, want 1"},
		{"wrong log", good, Position{Author: creator, LogID: id(3), Seq: 5}, ErrWrongLog, ""},
		{"tag flipped", append(bytes.Clone(good[:255]), good[255]^1), at, ErrNotDecrypted, "the ciphertext does not decrypt at this position (seq 5)"},
		{"nonce flipped", append(append([]byte{1}, good[1]^1), good[2:]...), at, ErrNotDecrypted, ""},
		{"length beyond", sealRaw(t, conv, at, append(inner(256, nil, 0)[:8], 0xff, 0xff)), at, ErrMalformed, ""},
		{"wrong bucket", sealRaw(t, conv, at, inner(512, body, 0)), at, ErrMalformed, "malformed: a 9-byte body belongs in a 256-byte bucket, not 512"},
		{"padding not zero", sealRaw(t, conv, at, inner(256, body, 1)), at, ErrMalformed, "malformed: padding is not all zero"},
		{"empty body", sealRaw(t, conv, at, inner(256, nil, 0)), at, ErrMalformed, "message: byte 0: the body is empty"},
		{"body not a map", sealRaw(t, conv, at, inner(256, []byte{0x80}, 0)), at, ErrMalformed, "message: byte 0: want a map of 1 to 5 pairs, got 0x80"},
	} {
		_, err := Open(conv, c.at, c.p)
		if !errors.Is(err, c.want) || (c.text != "" && err.Error() != c.text) {
			t.Errorf("%s: %v, want %v %q", c.name, err, c.want, c.text)
		}
	}
	if _, err := Open(conv, at, good); err != nil {
		t.Fatal(err)
	}
}

// Bodies of every size seal to the smallest bucket that holds them.
func TestBuckets(t *testing.T) {
	conv := newConversation([32]byte{8}, id(1))
	at := pos(id(1), conv, 1)
	for _, n := range []int{0, 199, 200, 201, 460, 9990, 10000} {
		m := &Message{Text: string(bytes.Repeat([]byte("a"), n))}
		p, err := Seal(conv, at, 1, m)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := EncodeBody(m)
		if len(p) != BucketFor(len(body)) {
			t.Fatalf("%d: %d bytes, want %d", n, len(p), BucketFor(len(body)))
		}
		o, err := Open(conv, at, p)
		if err != nil || o.Msg.Text != m.Text {
			t.Fatalf("%d: %v", n, err)
		}
	}
	if BucketFor(205) != 256 || BucketFor(206) != 512 || BucketFor(MaxBody) != 16384 || BucketFor(MaxBody+1) != 0 {
		t.Fatal("bucket edges differ from messages.md §4 (205 → 256, 16333 → 16384)")
	}
}

func TestConversationStored(t *testing.T) {
	c := newConversation([32]byte{1, 2, 3}, id(4))
	b, _ := c.MarshalBinary()
	got, err := ParseConversation(b)
	if err != nil || got.ID() != c.ID() || got.LogID(id(5)) != c.LogID(id(5)) {
		t.Fatalf("round trip: %v", err)
	}
	for _, bad := range [][]byte{nil, b[:64], append(bytes.Clone(b), 0), append([]byte{2}, b[1:]...)} {
		if _, err := ParseConversation(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%x: %v", bad, err)
		}
	}
}

func TestBookFind(t *testing.T) {
	book := NewBook()
	var convs []*Conversation
	for i := range 10 {
		c := newConversation([32]byte{byte(i)}, id(byte(i)))
		convs = append(convs, c)
		if !book.Add(c) || book.Add(c) {
			t.Fatal("Add reports newness wrongly")
		}
	}
	for i, c := range convs {
		dev := id(byte(100 + i))
		if got := book.Find(dev, c.LogID(dev)); got != c {
			t.Fatalf("conversation %d not found", i)
		}
		if got := book.Find(id(200), c.LogID(dev)); got != nil {
			t.Fatalf("conversation %d found under another author", i)
		}
	}
	if book.Len() != 10 || book.Get(convs[3].ID()) != convs[3] {
		t.Fatal(fmt.Sprint("Len/Get: ", book.Len()))
	}
}

// Parts refused before any decapsulation: more than 32 parts, a prev, an
// announcer other than the entry's author. And an opened conversation
// names the epoch of each announcer's parts, so a node skips them.
func TestAnnouncementRefusedBeforeTrying(t *testing.T) {
	bob := mkDevice(t, 2, seal.KEMHybrid)
	creator := id(0xca)
	c := newConversation([32]byte{5}, creator)
	many := make([]seal.Recipient, 32*13+1)
	for i := range many {
		many[i] = bob.recipient()
	}
	parts, err := seal.Wrap(MsgSpace, c.epoch(creator), many)
	if err != nil {
		t.Fatal(err)
	}
	at := pos(creator, c, 1)
	if _, err := OpenAnnouncement(bob.id, bob.dk, at, parts[0]); err == nil || err.Error() != "malformed: announcement of 33 parts, a conversation's has at most 32" {
		t.Errorf("33 parts: %v", err)
	}
	e := c.epoch(creator)
	e.Prev = []ID{id(1)}
	e.ID = seal.EpochID(MsgSpace, creator, e.Prev, e.Key, e.LogKey)
	withPrev, err := seal.Wrap(MsgSpace, e, []seal.Recipient{bob.recipient()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenAnnouncement(bob.id, bob.dk, at, withPrev[0]); err == nil || err.Error() != "malformed: a conversation's announcement names no previous epoch, this one 1" {
		t.Errorf("prev: %v", err)
	}
	st, err := Start(creator, []seal.Recipient{bob.recipient()}, start(acct(1)), 1)
	if err != nil {
		t.Fatal(err)
	}
	a, err := seal.DecodeAnnouncement(st.Payloads[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Conv.AnnouncedEpoch(creator) != a.Epoch || st.Conv.AnnouncedEpoch(bob.id) == a.Epoch {
		t.Error("AnnouncedEpoch is not the part's public epoch id")
	}
}

// A lying announcement: wraps made under one epoch id, the part naming
// key material that does not hash to it.
func TestLyingAnnouncement(t *testing.T) {
	bob := mkDevice(t, 2, seal.KEMHybrid)
	creator := id(0xcb)
	c := newConversation([32]byte{6}, creator)
	e := c.epoch(creator)
	e.ID = id(0x0e) // not the id the key material derives
	parts, err := seal.Wrap(MsgSpace, e, []seal.Recipient{bob.recipient()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenAnnouncement(bob.id, bob.dk, pos(creator, c, 1), parts[0]); !errors.Is(err, ErrEpochMismatch) {
		t.Fatalf("%v, want ErrEpochMismatch", err)
	}
}

// A participant re-announces a conversation's secret to another
// participant naming another creator: that is another conversation, with
// other logs and keys, and the first one stays readable and findable.
func TestReannounceWithAnotherCreator(t *testing.T) {
	bob, carol := mkDevice(t, 2, seal.KEMHybrid), mkDevice(t, 3, seal.KEMHybrid)
	creator := id(0xcc)
	st, err := Start(creator, recipients([]device{bob, carol}), start(acct(1), acct(2), acct(3)), 1)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := openAny(carol, creator, st.LogID, st.Payloads[:1])
	if err != nil {
		t.Fatal(err)
	}
	book := NewBook()
	book.Add(conv)
	// Bob names carol as the creator of the same secret.
	forged := newConversation(st.Conv.Secret, carol.id)
	parts, err := forged.Reannounce(bob.id, []seal.Recipient{carol.recipient()})
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenAnnouncement(carol.id, carol.dk, pos(bob.id, forged, 1), parts[0])
	if err != nil {
		t.Fatal(err)
	}
	if !book.Add(got) || got.ID() == conv.ID() {
		t.Fatal("the forged creator gives the same conversation")
	}
	for _, dev := range []ID{creator, bob.id, carol.id} {
		if got.LogID(dev) == conv.LogID(dev) {
			t.Fatalf("device %x has the same log in both conversations", dev[:1])
		}
		if book.Find(dev, conv.LogID(dev)) != conv {
			t.Fatalf("device %x's log of the real conversation is not found as it", dev[:1])
		}
	}
	if _, err := Open(conv, pos(creator, conv, 2), st.Payloads[1]); err != nil {
		t.Fatalf("the real start: %v", err)
	}
}
