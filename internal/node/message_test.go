package node

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// newMessageNodes makes homes that published their encryption keys and
// follow each other (a node tries the announcements of those it follows,
// messages.md §6), holding each other's entries.
func newMessageNodes(t testing.TB, count int) []*Node {
	t.Helper()
	ctx := t.Context()
	ns := make([]*Node, count)
	for i := range ns {
		ns[i] = newSpaceNode(t)
		if _, err := ns[i].ownDecryptionKey(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range ns {
		for _, b := range ns {
			if a != b {
				if _, err := a.Follow(ctx, b.account, true); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	exchange(t, ns...)
	return ns
}

// threadTexts returns n's reading of a conversation: status by text for
// readable messages, by entry id for the others.
func threadTexts(t *testing.T, n *Node, id message.ID) map[string]ConversationMessage {
	t.Helper()
	v, err := n.Conversation(t.Context(), id)
	if err != nil {
		t.Fatalf("%s: %v", n.home, err)
	}
	out := map[string]ConversationMessage{}
	for _, m := range v.Thread {
		k := m.Text
		if m.Status != MessageReadable {
			k = m.ID.String()
		}
		out[k] = m
	}
	return out
}

func TestMessageConversation(t *testing.T) {
	ctx := t.Context()
	ns := newMessageNodes(t, 4)
	a, b, c, d := ns[0], ns[1], ns[2], ns[3]
	id, start, err := a.SendMessage(ctx, []identity.PublicKey{b.account, c.account}, "dinner on friday?")
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c, d)
	r1, err := b.Reply(ctx, id, "yes, I bring bread", start.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Header timestamps in conversation logs are the seq (messages.md
	// §6): they say nothing about when.
	for _, e := range []*entry.Entry{start, r1} {
		if e.Header.Timestamp != e.Header.Seq {
			t.Fatalf("entry %s: timestamp %d, seq %d", e.ID, e.Header.Timestamp, e.Header.Seq)
		}
	}
	if start.Header.Seq != 2 || r1.Header.Seq != 1 { // one announcement part, then the start
		t.Fatalf("the start at seq %d, the reply at %d", start.Header.Seq, r1.Header.Seq)
	}
	exchange(t, a, b, c, d)
	r2, err := c.Reply(ctx, id, "me too", r1.ID)
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c, d)
	for _, n := range []*Node{a, b, c} {
		v, err := n.Conversation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Verified || len(v.Participants) != 3 || v.Messages != 3 {
			t.Fatalf("%s: verified %v, %d participants, %d messages", n.home, v.Verified, len(v.Participants), v.Messages)
		}
		want := []struct {
			id     entry.ID
			text   string
			parent entry.ID
			author identity.PublicKey
		}{{start.ID, "dinner on friday?", entry.ID{}, a.account}, {r1.ID, "yes, I bring bread", start.ID, b.account}, {r2.ID, "me too", r1.ID, c.account}}
		for i, w := range want {
			m := v.Thread[i]
			if m.ID != w.id || m.Text != w.text || m.Parent != w.parent || m.Author.Account != w.author || m.Status != MessageReadable {
				t.Fatalf("%s: message %d is %+v, want %+v", n.home, i, m, w)
			}
		}
		if v.Last == nil || v.Last.ID != r2.ID {
			t.Fatalf("%s: last %+v", n.home, v.Last)
		}
		list, err := n.Conversations(ctx)
		if err != nil || len(list) != 1 || list[0].ID != id {
			t.Fatalf("%s: conversations %+v, %v", n.home, list, err)
		}
	}
	// d follows everyone and holds every entry, and reads nothing.
	if list, err := d.Conversations(ctx); err != nil || len(list) != 0 {
		t.Fatalf("a non-recipient lists %+v, %v", list, err)
	}
	if _, err := d.Conversation(ctx, id); !errors.Is(err, ErrNoConversation) {
		t.Fatalf("a non-recipient reads the conversation: %v", err)
	}
	if _, err := d.Reply(ctx, id, "let me in", entry.ID{}); !errors.Is(err, ErrNoConversation) {
		t.Fatalf("a non-recipient replied: %v", err)
	}
}

// share1 gives to every entry from holds.
func share1(t testing.TB, from, to *Node) {
	t.Helper()
	heads, err := from.store.Heads(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var es []*entry.Entry
	if err := from.EachEntry(t.Context(), heads, func(e *store.Stored) error {
		es = append(es, e.Entry)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := to.store.Ingest(t.Context(), es); err != nil {
		t.Fatal(err)
	}
}

// No decrypted message, text or participant, is written to disk: the
// homes of the sender and the recipient hold neither a sent nor a
// received message's text (messages.md, issue 13 item 6).
func TestMessagePlaintextNeverOnDisk(t *testing.T) {
	ctx := t.Context()
	ns := newMessageNodes(t, 2)
	a, b := ns[0], ns[1]
	const sent, received = "canary qzmvk: the ferry leaves at dawn", "canary wkjxq: bring the blue lantern"
	id, start, err := a.SendMessage(ctx, []identity.PublicKey{b.account}, sent)
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	if _, err := b.Reply(ctx, id, received, start.ID); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	for _, n := range []*Node{a, b} {
		got := threadTexts(t, n, id)
		if got[sent].Status != MessageReadable || got[received].Status != MessageReadable {
			t.Fatalf("%s reads %+v", n.home, got)
		}
		if _, err := n.Conversations(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []*Node{a, b} {
		home := n.home
		for _, needle := range []string{sent, received, "qzmvk", "wkjxq", "ferry", "lantern"} { // words no hex key file holds by chance ("91c4" once did)
			scanHome(t, home, []byte(needle))
		}
		// The conversations file holds the secret, encrypted: not even
		// the conversation's id or its participants in the clear.
		n.msgs.mu.Lock()
		stored, err := n.msgs.convs[id].conv.MarshalBinary()
		secret := n.msgs.convs[id].conv.Secret
		n.msgs.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range [][]byte{id[:], a.account[:], b.account[:], []byte(hex32(id)), secret[:], []byte(hex32(secret)), []byte(hex.EncodeToString(stored))} {
			scanFile(t, n.conversationsPath(), x)
		}
	}
	// Closed and opened again, a home still reads its conversations from
	// its encrypted conversations file.
	home := b.home
	b.Close()
	b2, err := Open(home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	b2.msgs.mu.Lock()
	if err := b2.loadConversations(); err != nil || len(b2.msgs.convs) != 1 {
		t.Fatalf("after a restart the file holds %d conversations: %v", len(b2.msgs.convs), err)
	}
	// How far a's entries were read is remembered: a's announcement
	// parts are not tried again after a restart.
	if b2.msgs.scanned[a.device.Public()] == 0 {
		t.Fatalf("after a restart, a's entries are to be read again: %v", b2.msgs.scanned)
	}
	b2.msgs.mu.Unlock()
	if got := threadTexts(t, b2, id); got[sent].Status != MessageReadable {
		t.Fatalf("after a restart: %+v", got)
	}
}

func scanFile(t *testing.T, path string, needle []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, needle) {
		t.Errorf("%s holds %x in the clear", path, needle)
	}
}

// sealRaw seals body for the position pos of the conversation (secret s,
// creator c) as messages.md §4 says, with none of message.Seal's checks:
// what a hostile participant can write. It is a second reading of the
// spec, too.
func sealRaw(t *testing.T, s [32]byte, c message.ID, pos seal.Position, body []byte) []byte {
	t.Helper()
	mac := func(key []byte, parts ...[]byte) []byte {
		m := hmac.New(sha256.New, key)
		for _, p := range parts {
			m.Write(p)
		}
		return m.Sum(nil)
	}
	msgKey := mac(s[:], []byte("kith-msg-key-v1\x00"), c[:])
	h := sha256.New()
	h.Write([]byte("kith-msg-conversation-v1\x00"))
	h.Write(c[:])
	h.Write(s[:])
	convID := h.Sum(nil)
	size := message.BucketFor(len(body))
	out := make([]byte, 25, size)
	out[0] = 1
	rand.Read(out[1:25])
	inner := make([]byte, size-25-16)
	binary.BigEndian.PutUint64(inner, 1)
	binary.BigEndian.PutUint16(inner[8:], uint16(len(body)))
	copy(inner[10:], body)
	aad := append([]byte("kith-msg-payload-v1\x00"), convID...)
	aad = append(aad, pos.Author[:]...)
	aad = append(aad, pos.LogID[:]...)
	aad = binary.BigEndian.AppendUint64(aad, pos.Seq)
	aad = append(aad, out[:25]...)
	aead, err := chacha20poly1305.NewX(msgKey)
	if err != nil {
		t.Fatal(err)
	}
	return aead.Seal(out, out[1:25], inner, aad)
}

// Bad input at node level (messages.md §2, §4, §5): a wrap for someone
// else, a message moved to another position, a start by a device that
// is not the creator. Each gets the outcome the spec states, and the
// conversation goes on.
func TestMessageBadInput(t *testing.T) {
	ctx := t.Context()
	ns := newMessageNodes(t, 3)
	a, b, c := ns[0], ns[1], ns[2]
	id, start, err := a.SendMessage(ctx, []identity.PublicKey{b.account}, "just us two")
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c)
	// A wrap for someone else: c follows a and tries a's parts; none is
	// for c (ErrNotForMe), so c holds no conversation, and stores and
	// carries the entries.
	if list, err := c.Conversations(ctx); err != nil || len(list) != 0 {
		t.Fatalf("c lists %+v, %v", list, err)
	}
	held, err := c.store.Get(ctx, start.ID)
	if err != nil || held.Payload == nil {
		t.Fatalf("c does not hold the start: %v", err)
	}
	// b gives c a's announcement part, copied into b's own log: still
	// not for c, and for a node that could open it, not in its
	// announcer's log (ErrWrongLog).
	part, err := a.store.Log(ctx, store.LogKey{Author: a.device.Public(), LogID: start.Header.LogID}, 1, 1)
	if err != nil || len(part) != 1 {
		t.Fatal(err)
	}
	if _, err := b.Conversation(ctx, id); err != nil {
		t.Fatal(err)
	}
	b.msgs.mu.Lock()
	conv := b.msgs.convs[id].conv
	b.msgs.mu.Unlock()
	copied, err := b.appendSeqStamped(ctx, entry.LogID(conv.LogID(seal.ID(b.device.Public()))), func(uint64) ([]byte, error) { return part[0].Payload, nil })
	if err != nil {
		t.Fatal(err)
	}
	pos := seal.Position{Author: seal.ID(b.device.Public()), LogID: seal.ID(copied.Header.LogID), Seq: copied.Header.Seq}
	dkA, err := a.ownDecryptionKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := message.OpenAnnouncement(seal.ID(a.device.Public()), dkA, pos, part[0].Payload); !errors.Is(err, message.ErrMalformed) {
		// Its announcer is a's device, its author b's: refused before
		// any decapsulation.
		t.Fatalf("a copied part: %v", err)
	}
	// A message moved to another position: b appends a's start again in
	// b's log of the conversation; it does not decrypt there.
	moved, err := b.appendSeqStamped(ctx, copied.Header.LogID, func(uint64) ([]byte, error) { return start.Payload, nil })
	if err != nil {
		t.Fatal(err)
	}
	// A start by a device that is not the creator: b seals a message
	// naming participants in its own log (a second reading of §4, since
	// message.Seal refuses to).
	body, err := message.EncodeBody(&message.Message{Text: "I started this", Participants: []identity.PublicKey{b.account}})
	if err != nil {
		t.Fatal(err)
	}
	fake, err := b.appendSeqStamped(ctx, copied.Header.LogID, func(seq uint64) ([]byte, error) {
		p := seal.Position{Author: seal.ID(b.device.Public()), LogID: seal.ID(copied.Header.LogID), Seq: seq}
		return sealRaw(t, conv.Secret, conv.Creator, p, body), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The conversation goes on.
	reply, err := b.Reply(ctx, id, "still here", start.ID)
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c)
	if _, err := a.Reply(ctx, id, "good", reply.ID); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c)
	for _, n := range []*Node{a, b} {
		got := threadTexts(t, n, id)
		if got["just us two"].Status != MessageReadable || got["still here"].Status != MessageReadable || got["good"].Status != MessageReadable {
			t.Fatalf("%s: the conversation did not go on: %+v", n.home, got)
		}
		if m := got[moved.ID.String()]; m.Status != MessageNotDecrypted {
			t.Fatalf("%s: the moved message is %+v, want %s", n.home, m, MessageNotDecrypted)
		}
		if m := got[fake.ID.String()]; m.Status != MessageMalformed || !bytes.Contains([]byte(m.Detail), []byte("participants")) {
			t.Fatalf("%s: the start by a non-creator is %+v, want %s naming participants", n.home, m, MessageMalformed)
		}
		if got["I started this"].ID != (entry.ID{}) {
			t.Fatalf("%s reads the non-creator's start", n.home)
		}
		if got["good"].Parent != reply.ID {
			t.Fatalf("%s: the last reply hangs under %s", n.home, got["good"].Parent)
		}
		v, err := n.Conversation(ctx, id)
		if err != nil || !v.Verified || len(v.Participants) != 2 {
			t.Fatalf("%s: %+v %v", n.home, v, err)
		}
	}
	if list, err := c.Conversations(ctx); err != nil || len(list) != 0 {
		t.Fatalf("c lists %+v, %v", list, err)
	}
}

func devKey(n *Node) []byte {
	k := n.device.Public()
	return k[:]
}

// A participant's new device gets the conversation (messages.md §2,
// re-announcement): from the participant's own other device, which
// announces to its account's devices added since it opened it, or from
// the creator, which announces to every participant's new devices.
func TestMessageReannounceToNewDevices(t *testing.T) {
	ctx := t.Context()
	a := newSpaceNode(t)
	b, phrase, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	for _, n := range []*Node{a, b} {
		if _, err := n.ownDecryptionKey(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Follow(ctx, b.account, true); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Follow(ctx, a.account, true); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	id, start, err := a.SendMessage(ctx, []identity.PublicKey{b.account}, "before your new phone")
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	if got := threadTexts(t, b, id); got["before your new phone"].Status != MessageReadable {
		t.Fatalf("b reads %+v", got)
	}
	newDevice := func() *Node {
		n, err := Restore(t.TempDir(), phrase, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		if list, err := n.Conversations(ctx); err != nil || len(list) != 0 { // publishes its key
			t.Fatalf("a new device lists %+v, %v", list, err)
		}
		return n
	}
	// b's own node gives it to b2 (a is away).
	b2 := newDevice()
	exchange(t, b, b2)
	if _, err := b.Conversations(ctx); err != nil {
		t.Fatal(err)
	}
	exchange(t, b, b2)
	if got := threadTexts(t, b2, id); got["before your new phone"].Status != MessageReadable || got["before your new phone"].ID != start.ID {
		t.Fatalf("b2 reads %+v", got)
	}
	// The creator gives it to b3 (b and b2 are away).
	b3 := newDevice()
	exchange(t, a, b3)
	if _, err := a.Conversations(ctx); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b3)
	got := threadTexts(t, b3, id)
	if got["before your new phone"].Status != MessageReadable {
		t.Fatalf("b3 reads %+v", got)
	}
	// The new device writes as b's account.
	if _, err := b3.Reply(ctx, id, "from the new phone", start.ID); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, b2, b3)
	if got := threadTexts(t, a, id); got["from the new phone"].Status != MessageReadable || got["from the new phone"].Author.Account != b.account {
		t.Fatalf("a reads %+v", got)
	}
	// Each device announces to a new device once: a second round writes
	// nothing. (The first may: b does not know that a gave b3 the
	// secret, nor a that b gave it to b2, unless they wrote in the
	// conversation: a wrap does not say whose it is.)
	for _, n := range []*Node{a, b, b2, b3} {
		if _, err := n.Conversations(ctx); err != nil {
			t.Fatal(err)
		}
	}
	exchange(t, a, b, b2, b3)
	count := func(n *Node) int {
		h, err := n.store.Head(ctx, store.LogKey{Author: n.device.Public(), LogID: entry.LogID(n.msgs.convs[id].conv.LogID(seal.ID(n.device.Public())))})
		if err != nil {
			return 0
		}
		return int(h.Seq)
	}
	before := count(a) + count(b) + count(b2) + count(b3)
	for _, n := range []*Node{a, b, b2, b3} {
		if _, err := n.Conversations(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if after := count(a) + count(b) + count(b2) + count(b3); after != before {
		t.Fatalf("the second round wrote %d more entries", after-before)
	}
}

// A participant who re-announces a conversation's secret naming another
// creator makes a separate conversation whose start never arrives
// (messages.md §1, §9): the recipient's node shows it as unverified, with
// no participants, and the real conversation is untouched.
func TestMessageUnverifiedConversation(t *testing.T) {
	ctx := t.Context()
	ns := newMessageNodes(t, 3)
	a, b, c := ns[0], ns[1], ns[2]
	id, _, err := a.SendMessage(ctx, []identity.PublicKey{b.account}, "the real one")
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c)
	if _, err := b.Conversation(ctx, id); err != nil {
		t.Fatal(err)
	}
	b.msgs.mu.Lock()
	real := b.msgs.convs[id].conv
	b.msgs.mu.Unlock()
	// b names c's device as the creator and gives the secret to a.
	raw, err := real.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	cdev := c.device.Public()
	copy(raw[1:33], cdev[:])
	fake, err := message.ParseConversation(raw)
	if err != nil {
		t.Fatal(err)
	}
	ka, ok, err := a.sealKeyOf(ctx, a.device.Public())
	if err != nil || !ok {
		t.Fatal(err)
	}
	me := seal.ID(b.device.Public())
	parts, err := fake.Reannounce(me, []seal.Recipient{{Device: seal.ID(a.device.Public()), Key: ka.Key}})
	if err != nil {
		t.Fatal(err)
	}
	log := entry.LogID(fake.LogID(me))
	if _, err := b.appendSeqStampedMany(ctx, log, len(parts), func(i int, _ uint64) ([]byte, error) { return parts[i], nil }); err != nil {
		t.Fatal(err)
	}
	said, err := b.appendSeqStamped(ctx, log, func(seq uint64) ([]byte, error) {
		return message.Seal(fake, seal.Position{Author: me, LogID: seal.ID(log), Seq: seq}, 1, &message.Message{Text: "trust me"})
	})
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c)
	list, err := a.Conversations(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("a lists %+v, %v", list, err)
	}
	for _, s := range list {
		v, err := a.Conversation(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch s.ID {
		case id:
			if !v.Verified || len(v.Participants) != 2 || len(v.Thread) != 1 || v.Thread[0].Text != "the real one" {
				t.Fatalf("the real conversation: %+v", v)
			}
		case fake.ID():
			if v.Verified || v.Participants != nil || len(v.Thread) != 1 || v.Thread[0].ID != said.ID || v.Thread[0].Text != "trust me" {
				t.Fatalf("the unverified conversation: %+v", v)
			}
		default:
			t.Fatalf("a holds a conversation %x", s.ID)
		}
	}
}

// A participant's node wants every participant device's log of the
// conversation and those accounts' certificates, followed or not
// (messages.md §6), and nothing of a conversation it does not hold.
func TestMessageWantsParticipantsLogs(t *testing.T) {
	ctx := t.Context()
	a, b, c := newSpaceNode(t), newSpaceNode(t), newSpaceNode(t)
	for _, n := range []*Node{a, b, c} {
		if _, err := n.ownDecryptionKey(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// b follows a only; c follows no one.
	if _, err := b.Follow(ctx, a.account, true); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c)
	id, _, err := a.SendMessage(ctx, []identity.PublicKey{b.account, c.account}, "all three")
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c)
	if _, err := b.Conversation(ctx, id); err != nil {
		t.Fatal(err)
	}
	b.msgs.mu.Lock()
	conv := b.msgs.convs[id].conv
	b.msgs.mu.Unlock()
	w, err := b.messageWants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logs := map[store.LogKey]bool{}
	for _, l := range w.Logs {
		logs[l] = true
	}
	for _, n := range []*Node{a, b, c} {
		d := n.device.Public()
		if !logs[store.LogKey{Author: d, LogID: entry.LogID(conv.LogID(seal.ID(d)))}] {
			t.Errorf("b does not want %s's log of the conversation", n.home)
		}
		if !slices.Contains(w.Authors, n.account) {
			t.Errorf("b does not want %s's certificates", n.home)
		}
	}
	if len(w.Logs) != 3 {
		t.Errorf("b wants %d logs, want 3", len(w.Logs))
	}
	// c holds no conversation (it follows no one: a's parts are not
	// tried) and wants nothing.
	if list, err := c.Conversations(ctx); err != nil || len(list) != 0 {
		t.Fatalf("c lists %+v, %v", list, err)
	}
	if w, err := c.messageWants(ctx); err != nil || len(w.Logs) != 0 || len(w.Authors) != 0 {
		t.Fatalf("c wants %+v, %v", w, err)
	}
	// Once c follows a, it opens it.
	if _, err := c.Follow(ctx, a.account, true); err != nil {
		t.Fatal(err)
	}
	if list, err := c.Conversations(ctx); err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("c lists %+v, %v", list, err)
	}
}
