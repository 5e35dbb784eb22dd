package node

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// twoDeviceAccount makes an account with two devices (the second
// restored from the first's phrase), both with published encryption
// keys.
func twoDeviceAccount(t *testing.T) (*Node, *Node) {
	b1, b2, _ := twoDeviceAccountPhrase(t)
	return b1, b2
}

// twoDeviceAccountPhrase is twoDeviceAccount with the account's phrase.
func twoDeviceAccountPhrase(t *testing.T) (*Node, *Node, identity.Phrase) {
	t.Helper()
	ctx := t.Context()
	b1, phrase, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b1.Close() })
	b2, err := Restore(t.TempDir(), phrase, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b2.Close() })
	for _, n := range []*Node{b1, b2} {
		if _, err := n.ownDecryptionKey(ctx); err != nil {
			t.Fatal(err)
		}
	}
	exchange(t, b1, b2)
	return b1, b2, phrase
}

func follows(t *testing.T, ns ...*Node) {
	t.Helper()
	for _, a := range ns {
		for _, b := range ns {
			if a.account != b.account {
				if _, err := a.Follow(t.Context(), b.account, true); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// renewalTrio is A and B's two devices B1, B2 in a conversation A
// started with text.
type renewalTrio struct {
	a, b1, b2 *Node
	phrase    identity.Phrase
	id        message.ID
	start     *entry.Entry
}

func newRenewalTrio(t *testing.T, text string) renewalTrio {
	t.Helper()
	ctx := t.Context()
	r := renewalTrio{a: newSpaceNode(t)}
	if _, err := r.a.ownDecryptionKey(ctx); err != nil {
		t.Fatal(err)
	}
	r.b1, r.b2, r.phrase = twoDeviceAccountPhrase(t)
	follows(t, r.a, r.b1)
	follows(t, r.b2, r.a)
	exchange(t, r.a, r.b1, r.b2)
	var err error
	if r.id, r.start, err = r.a.SendMessage(ctx, []identity.PublicKey{r.b1.account}, text); err != nil {
		t.Fatal(err)
	}
	return r
}

// convLogSeq is the head seq of n's own log of the conversation (0:
// none).
func convLogSeq(t *testing.T, n *Node, id message.ID) uint64 {
	t.Helper()
	n.msgs.mu.Lock()
	c := n.msgs.convs[id].conv
	n.msgs.mu.Unlock()
	h, err := n.store.Head(t.Context(), store.LogKey{Author: n.device.Public(), LogID: entry.LogID(c.LogID(seal.ID(n.device.Public())))})
	if err != nil {
		return 0
	}
	return h.Seq
}

// After B revokes its device B2, A's node renews the conversation's key
// (messages.md §11): what A writes next is stored by B2's node, which
// cannot open it and says so, while B1 and A read it; what B2 could read
// before stays readable.
func TestMessageRenewalAfterRevocation(t *testing.T) {
	ctx := t.Context()
	r := newRenewalTrio(t, "before the phone was lost")
	a, b1, b2, id, start := r.a, r.b1, r.b2, r.id, r.start
	exchange(t, a, b1, b2)
	mine, err := b2.Reply(ctx, id, "from the phone", start.ID)
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b1, b2)
	if _, err := b1.Conversations(ctx); err != nil { // events from here on
		t.Fatal(err)
	}
	if _, err := b1.RevokeDevice(ctx, b2.device.Public(), "lost", nil); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b1, b2)
	after, err := a.Reply(ctx, id, "after the revocation", start.ID)
	if err != nil {
		t.Fatal(err)
	}
	b1events, cancel := b1.Subscribe(100)
	defer cancel()
	exchange(t, a, b1, b2)
	// B1 reports the message, which arrived with the renewal it is
	// sealed under, as an event.
	if _, err := b1.Conversations(ctx); err != nil {
		t.Fatal(err)
	}
	reported := false
	for len(b1events) > 0 {
		if ev := <-b1events; ev.Kind == EventMessage && ev.Entry.ID == after.ID {
			reported = true
		}
	}
	if !reported {
		t.Fatal("B1 did not report the message under the new generation")
	}
	b1reply, err := b1.Reply(ctx, id, "B1 still reads", after.ID)
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b1, b2)
	for _, n := range []*Node{a, b1} {
		got := threadTexts(t, n, id)
		for _, text := range []string{"before the phone was lost", "from the phone", "after the revocation", "B1 still reads"} {
			if got[text].Status != MessageReadable {
				t.Fatalf("%s does not read %q: %+v", n.home, text, got)
			}
		}
	}
	// B2's node stores the new entries and cannot open them.
	for _, e := range []*entry.Entry{after, b1reply} {
		held, err := b2.store.Get(ctx, e.ID)
		if err != nil || held.Payload == nil {
			t.Fatalf("B2 does not store %s: %v", e.ID, err)
		}
	}
	got := threadTexts(t, b2, id)
	for _, text := range []string{"before the phone was lost", "from the phone"} {
		if got[text].Status != MessageReadable {
			t.Fatalf("B2 no longer reads %q: %+v", text, got)
		}
	}
	if got[mine.ID.String()].ID != (entry.ID{}) {
		t.Fatal("B2's own message is unreadable to it")
	}
	for _, e := range []*entry.Entry{after, b1reply} {
		m := got[e.ID.String()]
		if m.Status != MessageNotDecrypted || m.Detail != notGivenDetail {
			t.Fatalf("B2 reads %s as %+v, want %s: %q", e.ID, m, MessageNotDecrypted, notGivenDetail)
		}
	}
	if got["after the revocation"].ID != (entry.ID{}) || got["B1 still reads"].ID != (entry.ID{}) {
		t.Fatal("B2 reads a message sealed after its revocation")
	}
	// Each says what happened, with names.
	b2name := ""
	ds, err := a.store.Devices(ctx, b1.account)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Device == b2.device.Public() {
			b2name = deviceLabel(d)
		}
	}
	for _, n := range []*Node{a, b1} {
		v, err := n.Conversation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Renewals) != 1 {
			t.Fatalf("%s: renewals %+v", n.home, v.Renewals)
		}
		r := v.Renewals[0]
		if r.By.Account != a.account || !r.Given || !r.Current || !slices.Equal(r.Revoked, []string{b2name}) {
			t.Fatalf("%s: renewal %+v, want by A, given, current, revoked [%s]", n.home, r, b2name)
		}
	}
	v, err := b2.Conversation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Renewals) != 1 || v.Renewals[0].Given || v.Renewals[0].By.Account != a.account {
		t.Fatalf("B2's renewals %+v, want one by A, not given", v.Renewals)
	}
	// One renewal: B1, which received A's generation, did not renew;
	// B2, revoked, wrote nothing.
	if s := convLogSeq(t, b1, id); s != 1 {
		t.Fatalf("B1's log of the conversation holds %d entries, want its one reply", s)
	}
	if s := convLogSeq(t, b2, id); s != 1 {
		t.Fatalf("B2's log of the conversation holds %d entries, want its one reply", s)
	}
	before := convLogSeq(t, a, id)
	for _, n := range []*Node{a, b1, b2} {
		if _, err := n.Conversations(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if convLogSeq(t, a, id) != before {
		t.Fatal("A renewed twice for one revocation")
	}
	// Nothing of it in the clear on disk: not the text, not the key.
	a.msgs.mu.Lock()
	gens := a.msgs.convs[id].renew.held.Gens.Trial()
	a.msgs.mu.Unlock()
	if len(gens) != 1 {
		t.Fatalf("A holds %d generations", len(gens))
	}
	for _, n := range []*Node{a, b1, b2} {
		scanHome(t, n.home, []byte("after the revocation"))
		scanHome(t, n.home, gens[0].Key[:])
		scanHome(t, n.home, []byte(hex32(gens[0].Key)))
	}
	// The generations survive a restart, in the encrypted file.
	home := b1.home
	b1.Close()
	b1again, err := Open(home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b1again.Close()
	if got := threadTexts(t, b1again, id); got["after the revocation"].Status != MessageReadable {
		t.Fatalf("after a restart B1 reads %+v", got)
	}
}

// currentGen is the id of the generation n seals under in the
// conversation (zero: generation 0).
func currentGen(t *testing.T, n *Node, id message.ID) message.ID {
	t.Helper()
	n.msgs.mu.Lock()
	defer n.msgs.mu.Unlock()
	g, err := n.sealingGeneration(t.Context(), n.msgs.convs[id])
	if err != nil {
		t.Fatalf("%s: %v", n.home, err)
	}
	if g == nil {
		return message.ID{}
	}
	return g.ID()
}

func heldGens(n *Node, id message.ID) int {
	n.msgs.mu.Lock()
	defer n.msgs.mu.Unlock()
	return n.msgs.convs[id].renew.held.Gens.Len()
}

// Two participants learn of a revocation before they see each other's
// renewal: both renew, and once they meet every device holds both
// generations, reads what was sealed under either, and seals under the
// same one (messages.md §11); no one renews again.
func TestMessageConcurrentRenewals(t *testing.T) {
	ctx := t.Context()
	ns := newMessageNodes(t, 2)
	a, b := ns[0], ns[1]
	c1, c2 := twoDeviceAccount(t)
	follows(t, a, b, c1)
	follows(t, c2, a)
	exchange(t, a, b, c1, c2)
	id, start, err := a.SendMessage(ctx, []identity.PublicKey{b.account, c1.account}, "all of us")
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c1, c2)
	if _, err := b.Conversations(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.RevokeDevice(ctx, c2.device.Public(), "", nil); err != nil {
		t.Fatal(err)
	}
	// A and B each learn of it from C1, not from each other.
	exchange(t, c1, a)
	exchange(t, c1, b)
	ra, err := a.Reply(ctx, id, "A after", start.ID)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := b.Reply(ctx, id, "B after", start.ID)
	if err != nil {
		t.Fatal(err)
	}
	ga, gb := currentGen(t, a, id), currentGen(t, b, id)
	if ga == (message.ID{}) || gb == (message.ID{}) || ga == gb {
		t.Fatal("A and B did not each renew")
	}
	exchange(t, a, b, c1, c2)
	want := min(string(ga[:]), string(gb[:]))
	for _, n := range []*Node{a, b, c1} {
		got := threadTexts(t, n, id)
		if got["A after"].Status != MessageReadable || got["B after"].Status != MessageReadable {
			t.Fatalf("%s reads %+v", n.home, got)
		}
		if heldGens(n, id) != 2 {
			t.Fatalf("%s holds %d generations", n.home, heldGens(n, id))
		}
		if g := currentGen(t, n, id); string(g[:]) != want {
			t.Fatalf("%s seals under %x, want the smaller id %x", n.home, g[:4], []byte(want)[:4])
		}
	}
	got := threadTexts(t, c2, id)
	for _, e := range []*entry.Entry{ra, rb} {
		if got[e.ID.String()].Status != MessageNotDecrypted {
			t.Fatalf("the revoked device reads %+v", got)
		}
	}
	// No one renews again: a round writes nothing.
	seqs := func() []uint64 {
		var s []uint64
		for _, n := range []*Node{a, b, c1} {
			s = append(s, convLogSeq(t, n, id))
		}
		return s
	}
	before := seqs()
	for _, n := range []*Node{a, b, c1} {
		if _, err := n.Conversations(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if after := seqs(); !slices.Equal(before, after) {
		t.Fatalf("a second round wrote: %v, then %v", before, after)
	}
	// C1 renewed not at all: it received the generations with the
	// revocation it made already known to it.
	if before[2] != 0 {
		t.Fatalf("C1 wrote %d entries in the conversation", before[2])
	}
}

// A new device of a participant gets the generations too (messages.md
// §11, new devices read older generations), and reads what was sealed
// under them.
func TestMessageRenewalNewDevice(t *testing.T) {
	ctx := t.Context()
	r := newRenewalTrio(t, "hello")
	a, b1, b2, id, start, phrase := r.a, r.b1, r.b2, r.id, r.start, r.phrase
	exchange(t, a, b1, b2)
	if _, err := b1.Conversations(ctx); err != nil { // opens it
		t.Fatal(err)
	}
	if _, err := b1.RevokeDevice(ctx, b2.device.Public(), "", nil); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b1)
	if _, err := a.Reply(ctx, id, "renewed", start.ID); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b1)
	b3, err := Restore(t.TempDir(), phrase, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b3.Close() })
	if _, err := b3.Conversations(ctx); err != nil { // publishes its key
		t.Fatal(err)
	}
	exchange(t, b1, b3)
	if _, err := b1.Conversations(ctx); err != nil { // re-announces to b3
		t.Fatal(err)
	}
	exchange(t, b1, b3)
	got := threadTexts(t, b3, id)
	if got["hello"].Status != MessageReadable || got["renewed"].Status != MessageReadable {
		t.Fatalf("the new device reads %+v", got)
	}
	if g := currentGen(t, b3, id); g != currentGen(t, a, id) || g == (message.ID{}) {
		t.Fatal("the new device does not seal under A's generation")
	}
	// A's own renewal was not wrapped to it (it came later), but it got
	// the generation from B1: it was not left out.
	v, err := b3.Conversation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Renewals) != 1 || !v.Renewals[0].Given || v.Renewals[0].By.Account != a.account {
		t.Fatalf("the new device's renewals %+v", v.Renewals)
	}
}

// renewalRecords is n's record of the conversation's renewals, by
// announcer.
func renewalRecords(n *Node, id message.ID) map[identity.PublicKey][]string {
	n.msgs.mu.Lock()
	defer n.msgs.mu.Unlock()
	out := map[identity.PublicKey][]string{}
	for _, r := range n.msgs.convs[id].renew.records {
		out[r.announcer] = append(out[r.announcer], r.outcome)
	}
	return out
}

// rawRenewal wraps any 64 bytes to rs as announcer's renewal of c and
// appends it to n's log of c: what a hostile device can write.
func rawRenewal(t *testing.T, n *Node, c *message.Conversation, material []byte, rs []seal.Recipient) *entry.Entry {
	t.Helper()
	me := seal.ID(n.device.Public())
	k, rest := [32]byte(material[:32]), [32]byte(material[32:])
	parts, err := seal.Wrap(message.MsgSpace, &seal.Epoch{ID: seal.EpochID(message.MsgSpace, me, nil, k, rest), Creator: me, Key: k, LogKey: rest}, rs)
	if err != nil {
		t.Fatal(err)
	}
	es, err := n.appendSeqStampedMany(t.Context(), entry.LogID(c.LogID(me)), len(parts), func(i int, _ uint64) ([]byte, error) { return parts[i], nil })
	if err != nil {
		t.Fatal(err)
	}
	return es[0]
}

func recipientOf(t *testing.T, from, to *Node) seal.Recipient {
	t.Helper()
	k, ok, err := from.sealKeyOf(t.Context(), to.device.Public())
	if err != nil || !ok {
		t.Fatalf("no key of %s: %v", to.home, err)
	}
	return seal.Recipient{Device: seal.ID(to.device.Public()), Key: k.Key}
}

// Bad renewals (messages.md §11): one by a non-participant (who got the
// secret), one for someone else, one with a bad binding. Each gets the
// spec's outcome, is stored, gives no generation, and the conversation
// goes on under the key it had.
func TestMessageBadRenewals(t *testing.T) {
	ctx := t.Context()
	ns := newMessageNodes(t, 4)
	a, b, c, d := ns[0], ns[1], ns[2], ns[3]
	id, start, err := a.SendMessage(ctx, []identity.PublicKey{b.account, c.account}, "three of us")
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c, d)
	for _, n := range []*Node{b, c} {
		if _, err := n.Conversations(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c.msgs.mu.Lock()
	conv := c.msgs.convs[id].conv
	c.msgs.mu.Unlock()
	toAB := []seal.Recipient{recipientOf(t, c, a), recipientOf(t, c, b)}
	// A non-participant that learnt the secret renews in its own log of
	// the conversation: its log is not a participant's, never read.
	gd, err := conv.NewGeneration(seal.ID(d.device.Public()), 1, message.CoveredOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	byD := rawRenewal(t, d, conv, conv.MarshalGeneration(gd)[33:], toAB)
	// A participant renews for someone else only (the non-participant).
	gc, err := conv.NewGeneration(seal.ID(c.device.Public()), 1, message.CoveredOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	forD := rawRenewal(t, c, conv, conv.MarshalGeneration(gc)[33:], []seal.Recipient{recipientOf(t, c, d)})
	// And with a bad binding: its tag flipped.
	bad := conv.MarshalGeneration(gc)[33:]
	bad[63] ^= 1
	badTag := rawRenewal(t, c, conv, bad, toAB)
	// And one that names A's device as its maker (a valid tag: C holds
	// the secret), which A never announced: it waits for A's own
	// announcement and is never used.
	forged, err := conv.NewGeneration(seal.ID(a.device.Public()), 1, message.CoveredOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	byA := rawRenewal(t, c, conv, conv.MarshalGeneration(forged)[33:], toAB)
	exchange(t, a, b, c, d)
	if _, err := a.Reply(ctx, id, "still fine", start.ID); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c, d)
	if _, err := b.Reply(ctx, id, "yes", start.ID); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b, c, d)
	for _, n := range []*Node{a, b} {
		for _, e := range []*entry.Entry{byD, forD, badTag, byA} {
			if held, err := n.store.Get(ctx, e.ID); err != nil || held.Payload == nil {
				t.Fatalf("%s does not store %s: %v", n.home, e.ID, err)
			}
		}
		if g := heldGens(n, id); g != 0 {
			t.Fatalf("%s holds %d generations", n.home, g)
		}
		recs := renewalRecords(n, id)
		if len(recs[d.device.Public()]) != 0 {
			t.Fatalf("%s read the non-participant's renewal: %v", n.home, recs)
		}
		cs := recs[c.device.Public()]
		if len(cs) != 3 || cs[0] != renewalNotForMe || !strings.Contains(cs[1], message.ErrNotRenewal.Error()) || cs[2] != renewalPending {
			t.Fatalf("%s: C's renewals came to %q, want %q, %q, %q", n.home, cs, renewalNotForMe, message.ErrNotRenewal, renewalPending)
		}
		got := threadTexts(t, n, id)
		for _, text := range []string{"three of us", "still fine", "yes"} {
			if got[text].Status != MessageReadable {
				t.Fatalf("%s: the conversation did not go on: %+v", n.home, got)
			}
		}
		if g := currentGen(t, n, id); g != (message.ID{}) {
			t.Fatalf("%s seals under a generation", n.home)
		}
	}
}

// Past the limit (messages.md §11): a device that would need a
// generation numbered above 16 does not renew and does not seal; the
// error says to start a new conversation. The key stays encrypted at
// rest meanwhile.
func TestMessageRenewalLimit(t *testing.T) {
	ctx := t.Context()
	r := newRenewalTrio(t, "hello")
	a, b1, b2, id, start := r.a, r.b1, r.b2, r.id, r.start
	// A holds a generation numbered 16 already (made before the
	// revocation, so not safe once it is known).
	a.msgs.mu.Lock()
	ci := a.msgs.convs[id]
	g, err := ci.conv.NewGeneration(seal.ID(a.device.Public()), message.MaxGeneration, message.CoveredOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	ci.renew.held.Gens.Add(g)
	if err := a.saveConversations(); err != nil {
		t.Fatal(err)
	}
	a.msgs.mu.Unlock()
	scanFile(t, a.conversationsPath(), g.Key[:])
	scanFile(t, a.conversationsPath(), []byte(hex32(g.Key)))
	if _, err := b1.RevokeDevice(ctx, b2.device.Public(), "", nil); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b1)
	before := convLogSeq(t, a, id)
	_, err = a.Reply(ctx, id, "not sealed", start.ID)
	if !errors.Is(err, ErrKeyNotRenewable) || !strings.Contains(err.Error(), "start a new conversation") {
		t.Fatalf("a reply past the limit: %v", err)
	}
	if after := convLogSeq(t, a, id); after != before {
		t.Fatalf("A wrote %d entries past the limit", after-before)
	}
}
