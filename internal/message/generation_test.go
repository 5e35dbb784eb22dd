package message

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
)

// rawRenewal wraps any 64 bytes to recipients as announcer's renewal of
// c, with none of Renew's checks: what a hostile participant can write.
func rawRenewal(t testing.TB, announcer ID, k, rest [32]byte, rs []seal.Recipient) [][]byte {
	t.Helper()
	parts, err := announceEpoch(&seal.Epoch{ID: seal.EpochID(MsgSpace, announcer, nil, k, rest), Creator: announcer, Key: k, LogKey: rest}, rs)
	if err != nil {
		t.Fatal(err)
	}
	return parts
}

// renewalFixture is a conversation of a creator and three recipient
// devices (bob, carol, dave), and a generation made by carol.
type renewalFixture struct {
	c                   *Conversation
	creator, bob, carol device
	dave                device
	gen                 *Generation
	parts               [][]byte
	at                  Position // carol's log, seq 2
	makers              []ID
	revokedDave         Covered
}

func newRenewalFixture(t testing.TB) *renewalFixture {
	t.Helper()
	f := &renewalFixture{creator: mkDevice(t, 1, seal.KEMHybrid), bob: mkDevice(t, 2, seal.KEMHybrid), carol: mkDevice(t, 3, seal.KEMX25519), dave: mkDevice(t, 4, seal.KEMHybrid)}
	st, err := Start(f.creator.id, recipients([]device{f.bob, f.carol, f.dave}), start(acct(1), acct(2)), 1)
	if err != nil {
		t.Fatal(err)
	}
	f.c = st.Conv
	f.revokedDave = CoveredOf([]ID{f.dave.id})
	f.gen, err = f.c.NewGeneration(f.carol.id, 1, f.revokedDave)
	if err != nil {
		t.Fatal(err)
	}
	f.parts, err = f.c.Renew(f.carol.id, f.gen, recipients([]device{f.creator, f.bob}))
	if err != nil {
		t.Fatal(err)
	}
	f.at = pos(f.carol.id, f.c, 2)
	f.makers = []ID{f.creator.id, f.bob.id, f.carol.id}
	return f
}

func TestRenewalOutcomes(t *testing.T) {
	f := newRenewalFixture(t)
	c := f.c
	k, rest := f.gen.material(c)
	badTag := rest
	badTag[31] ^= 1
	var n0, n17 [32]byte
	copy(n0[:], rest[:])
	n0[0], n0[1] = 0, 0
	copy(n17[:], rest[:])
	n17[0], n17[1] = 0, 17
	other := newConversation([32]byte{7}, f.creator.id)
	otherGen := newGeneration(other, f.carol.id, 1, f.revokedDave, k)
	_, otherRest := otherGen.material(other)
	bobRS := recipients([]device{f.bob})
	for _, tc := range []struct {
		name   string
		at     Position
		parts  [][]byte
		makers []ID
		want   error
	}{
		{"renewal", f.at, f.parts, f.makers, nil},
		{"maker found among the candidates", pos(f.bob.id, c, 5), rawRenewal(t, f.bob.id, k, rest, bobRS), f.makers, nil},
		{"maker not a candidate", pos(f.bob.id, c, 5), rawRenewal(t, f.bob.id, k, rest, bobRS), []ID{f.creator.id}, ErrNotRenewal},
		{"another author", pos(f.bob.id, c, 2), f.parts, f.makers, ErrMalformed},
		{"another log", Position{Author: f.carol.id, LogID: id(9), Seq: 2}, f.parts, f.makers, ErrWrongLog},
		{"for someone else", f.at, rawRenewal(t, f.carol.id, k, rest, recipients([]device{f.dave})), f.makers, ErrNotForMe},
		{"bad tag", f.at, rawRenewal(t, f.carol.id, k, badTag, bobRS), f.makers, ErrNotRenewal},
		{"another conversation's generation", f.at, rawRenewal(t, f.carol.id, k, otherRest, bobRS), f.makers, ErrNotRenewal},
		{"number 0", f.at, rawRenewal(t, f.carol.id, k, n0, bobRS), f.makers, ErrMalformed},
		{"number 17", f.at, rawRenewal(t, f.carol.id, k, n17, bobRS), f.makers, ErrMalformed},
		// s ‖ c read as a generation: its number is c's first two bytes.
		{"the conversation's own announcement", pos(f.creator.id, c, 1), mustParts(c.Reannounce(f.creator.id, bobRS)), f.makers, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := c.OpenRenewal(f.bob.id, f.bob.dk, tc.at, tc.parts[0], tc.makers)
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err == nil && (g.ID() != f.gen.ID() || g.Maker != f.carol.id || g.Number != 1 || g.Covered != f.revokedDave) {
				t.Fatalf("opened %+v, want carol's generation 1", g)
			}
		})
	}
	// The creator opens it too; dave, left out, does not.
	if _, err := c.OpenRenewal(f.creator.id, f.creator.dk, f.at, f.parts[0], f.makers); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OpenRenewal(f.dave.id, f.dave.dk, f.at, f.parts[0], f.makers); !errors.Is(err, ErrNotForMe) {
		t.Fatalf("the device left out: %v", err)
	}
}

// mustParts is the parts of a renewal or announcement that cannot fail
// with the test's inputs.
func mustParts(p [][]byte, err error) [][]byte {
	if err != nil {
		panic(err)
	}
	return p
}

// A message sealed under a generation opens for its holders and not under
// generation 0 alone (the revoked device's view).
func TestSealUnderGeneration(t *testing.T) {
	f := newRenewalFixture(t)
	c := f.c
	at := pos(f.bob.id, c, 3)
	p, err := SealIn(c, f.gen, at, 42, &Message{Text: "after the revocation"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(c, at, p); !errors.Is(err, ErrNotDecrypted) {
		t.Fatalf("generation 0 alone: %v", err)
	}
	other, err := c.NewGeneration(f.bob.id, 1, f.revokedDave)
	if err != nil {
		t.Fatal(err)
	}
	o, err := OpenIn(c, []*Generation{other, f.gen}, at, p)
	if err != nil || o.Msg.Text != "after the revocation" || o.Gen != f.gen || o.TimeMs != 42 {
		t.Fatalf("opened %+v, %v", o, err)
	}
	if _, err := OpenIn(c, []*Generation{other}, at, p); err == nil || !errors.Is(err, ErrNotDecrypted) || !bytes.Contains([]byte(err.Error()), []byte("none of the 2 key generations")) {
		t.Fatalf("without its generation: %v", err)
	}
	// Generation 0 messages still open with generations held.
	old, err := Seal(c, at, 1, &Message{Text: "before"})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := OpenIn(c, []*Generation{f.gen}, at, old); err != nil || o.Gen != nil {
		t.Fatalf("a generation 0 message: %+v, %v", o, err)
	}
}

func TestGenerationStored(t *testing.T) {
	f := newRenewalFixture(t)
	b := f.c.MarshalGeneration(f.gen)
	g, err := f.c.ParseGeneration(b)
	if err != nil || g.ID() != f.gen.ID() || g.Key != f.gen.Key {
		t.Fatalf("%+v %v", g, err)
	}
	other := newConversation([32]byte{8}, f.creator.id)
	for name, tc := range map[string]struct {
		c    *Conversation
		in   []byte
		want error
	}{
		"short":                {f.c, b[:96], ErrMalformed},
		"version 2":            {f.c, append([]byte{2}, b[1:]...), ErrMalformed},
		"another maker":        {f.c, append(append([]byte{1}, f.bob.id[:]...), b[33:]...), ErrNotRenewal},
		"another conversation": {other, b, ErrNotRenewal},
	} {
		if _, err := tc.c.ParseGeneration(tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

func TestCoveredOf(t *testing.T) {
	a, b := id(1), id(2)
	if CoveredOf([]ID{a, b}) != CoveredOf([]ID{b, a, b}) {
		t.Fatal("the digest depends on order or duplicates")
	}
	if CoveredOf([]ID{a}) == CoveredOf([]ID{a, b}) || CoveredOf(nil) == CoveredOf([]ID{a}) {
		t.Fatal("different sets, one digest")
	}
}

func TestGenerationsCurrent(t *testing.T) {
	c := newConversation([32]byte{1}, id(1))
	r1, r2 := CoveredOf([]ID{id(7)}), CoveredOf([]ID{id(7), id(8)})
	mk := func(maker byte, n uint16, cov Covered) *Generation {
		g, err := c.NewGeneration(id(maker), n, cov)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	s := NewGenerations()
	if g, ok := s.Current(r1, true); g != nil || !ok {
		t.Fatal("with none held and generation 0 safe, generation 0")
	}
	if _, ok := s.Current(r1, false); ok {
		t.Fatal("with none held and generation 0 unsafe: renew")
	}
	a1, c1 := mk(0xa, 1, r1), mk(0xc, 1, r1)
	s.Add(a1)
	s.Add(c1)
	smaller := a1
	if bytes.Compare(c1.id[:], a1.id[:]) < 0 {
		smaller = c1
	}
	if g, ok := s.Current(r1, false); !ok || g != smaller {
		t.Fatal("two concurrent generations: not the smaller id")
	}
	if _, ok := s.Current(r2, true); !ok {
		t.Fatal("generation 0 safe is a fallback")
	}
	if _, ok := s.Current(r2, false); ok {
		t.Fatal("a writer that knows more revocations found a safe generation")
	}
	d2 := mk(0xd, 2, r2)
	s.Add(d2)
	if g, _ := s.Current(r2, false); g != d2 {
		t.Fatal("not the generation that covers what the writer knows")
	}
	if g, _ := s.Current(r1, false); g != smaller {
		t.Fatal("a writer that knows fewer took a generation that is not safe for it")
	}
	if s.Highest() != 2 || s.Len() != 3 {
		t.Fatalf("highest %d, %d held", s.Highest(), s.Len())
	}
	if tr := s.Trial(); tr[0] != d2 || tr[1] != smaller {
		t.Fatal("trial order")
	}
	// A second generation of one maker and number: the smaller id stays.
	x := mk(0xa, 1, r1)
	added, out, err := s.Add(x)
	if !errors.Is(err, ErrSecondRenewal) {
		t.Fatalf("a second renewal: %v", err)
	}
	if bytes.Compare(x.id[:], a1.id[:]) < 0 != added || (added && out != a1) || s.Len() != 3 {
		t.Fatalf("added %v, out %v, %d held", added, out, s.Len())
	}
	if again, _, err := s.Add(d2); again || err != nil {
		t.Fatal("the same generation twice")
	}
}

func TestNewGenerationLimit(t *testing.T) {
	c := newConversation([32]byte{1}, id(1))
	for _, n := range []uint16{0, MaxGeneration + 1} {
		if _, err := c.NewGeneration(id(2), n, Covered{}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("number %d: %v", n, err)
		}
	}
}

// Whatever the order in which a reader receives the renewals and the
// messages, it ends with the same generations, the same current one, the
// same readable messages and the same threading (messages.md §11, §5).
func TestRenewalDeliveryOrder(t *testing.T) {
	cr, bob, carol, reader := mkDevice(t, 1, seal.KEMX25519), mkDevice(t, 2, seal.KEMX25519), mkDevice(t, 3, seal.KEMX25519), mkDevice(t, 4, seal.KEMX25519)
	makers := []ID{cr.id, bob.id, carol.id}
	accounts := map[ID]identity.PublicKey{cr.id: acct(1), bob.id: acct(2), carol.id: acct(3), reader.id: acct(4)}
	st, err := Start(cr.id, recipients([]device{bob, carol, reader}), start(acct(1), acct(2), acct(3), acct(4)), 1)
	if err != nil {
		t.Fatal(err)
	}
	c := st.Conv
	type delivery struct {
		author ID
		seq    uint64
		p      []byte
	}
	var ds []delivery
	seqs := map[ID]uint64{}
	write := func(author ID, p []byte) entry.ID {
		seqs[author]++
		ds = append(ds, delivery{author, seqs[author], p})
		return vid(p)
	}
	for _, p := range st.Payloads {
		write(cr.id, p)
	}
	startID := vid(st.Payloads[len(st.Payloads)-1])
	cov := CoveredOf([]ID{id(0x99)})
	renew := func(maker device, n uint16) *Generation {
		g, err := c.NewGeneration(maker.id, n, cov)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range mustParts(c.Renew(maker.id, g, recipients([]device{reader}))) {
			write(maker.id, p)
		}
		return g
	}
	say := func(author device, g *Generation, text string, reply entry.ID) {
		p, err := SealIn(c, g, Position{Author: author.id, LogID: c.LogID(author.id), Seq: seqs[author.id] + 1}, 1, &Message{Text: text, ReplyTo: reply})
		if err != nil {
			t.Fatal(err)
		}
		write(author.id, p)
	}
	say(bob, nil, "before", startID)
	gb := renew(bob, 1) // concurrent with carol's
	gc := renew(carol, 1)
	say(bob, gb, "under bob's", startID)
	say(carol, gc, "under carol's", startID)
	g2 := renew(cr, 2)
	say(cr, g2, "under the creator's second", startID)
	second, err := c.NewGeneration(bob.id, 1, cov) // bob's second at 1: one of the two is refused
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range mustParts(c.Renew(bob.id, second, recipients([]device{reader}))) {
		write(bob.id, p)
	}
	// Bob's third, wrapped by bob to someone else only, reaches the
	// reader in carol's re-announcement: it counts once bob's own part
	// is seen, whatever comes first.
	other := mkDevice(t, 9, seal.KEMX25519)
	g3, err := c.NewGeneration(bob.id, 3, cov)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range mustParts(c.Renew(bob.id, g3, recipients([]device{other}))) {
		write(bob.id, p)
	}
	for _, p := range mustParts(c.Renew(carol.id, g3, recipients([]device{reader}))) {
		write(carol.id, p)
	}
	say(carol, g3, "under bob's third", startID)
	// Carol passes off a generation as the creator's (a valid tag: she
	// holds the secret); the creator never announced it: never held.
	forged, err := c.NewGeneration(cr.id, 4, cov)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range mustParts(c.Renew(carol.id, forged, recipients([]device{reader}))) {
		write(carol.id, p)
	}
	say(carol, forged, "under the forged one", startID)

	type result struct {
		gens    []ID
		current ID
		texts   []string
		order   []entry.ID
	}
	run := func(order []delivery) result {
		held := NewHeld(c)
		gens := held.Gens
		var pending []delivery
		items := map[entry.ID]Item{}
		tryMsgs := func() {
			var still []delivery
			for _, d := range pending {
				at := Position{Author: d.author, LogID: c.LogID(d.author), Seq: d.seq}
				o, err := OpenIn(c, gens.Trial(), at, d.p)
				if err != nil {
					still = append(still, d)
					continue
				}
				items[vid(d.p)] = Item{ID: vid(d.p), Author: d.author, Account: accounts[d.author], Seq: d.seq, Msg: o.Msg}
			}
			pending = still
		}
		for _, d := range order {
			at := Position{Author: d.author, LogID: c.LogID(d.author), Seq: d.seq}
			if KindOf(d.p) == KindMessage {
				pending = append(pending, d)
			} else if d.author != cr.id || d.seq > uint64(len(st.Payloads)-1) {
				a, err := CheckAnnouncement(at, d.p)
				if err != nil {
					t.Fatal(err)
				}
				held.See(a.Epoch)
				if g, err := c.OpenRenewal(reader.id, reader.dk, at, d.p, makers); err == nil {
					held.Offer(g)
				}
			}
			tryMsgs()
		}
		// What is readable is a function of the generations held at
		// the end: a generation put out by a second renewal of its
		// maker and number no longer opens what it opened before.
		pending = nil
		items = map[entry.ID]Item{}
		for _, d := range order {
			if KindOf(d.p) == KindMessage {
				pending = append(pending, d)
			}
		}
		tryMsgs()
		var r result
		for _, g := range gens.Trial() {
			r.gens = append(r.gens, g.ID())
		}
		if g, ok := gens.Current(cov, false); ok {
			r.current = g.ID()
		}
		var all []Item
		for _, it := range items {
			all = append(all, it)
		}
		th := BuildThread(cr.id, all)
		r.order = th.Order
		for _, e := range th.Order {
			r.texts = append(r.texts, items[e].Msg.Text)
		}
		return r
	}
	want := run(ds)
	texts := []string{"hello", "before", "under carol's", "under the creator's second", "under bob's third", "under bob's"}
	if bytes.Compare(second.id[:], gb.id[:]) < 0 {
		texts = texts[:5] // bob's first generation lost to his second
	}
	if len(want.gens) != 4 || want.current == (ID{}) || len(want.texts) != len(texts) {
		t.Fatalf("in writing order: %d generations, texts %q", len(want.gens), want.texts)
	}
	for _, x := range texts {
		if !slices.Contains(want.texts, x) {
			t.Fatalf("%q is not readable: %q", x, want.texts)
		}
	}
	if want.current != g3.ID() {
		t.Fatal("the current generation is not the highest number held")
	}
	if slices.Contains(want.texts, "under the forged one") || slices.Contains(want.gens, forged.ID()) {
		t.Fatal("the forged generation is held")
	}
	if !slices.Contains(want.gens, g2.ID()) || !slices.Contains(want.gens, gc.ID()) {
		t.Fatal("the creator's or carol's generation is not held")
	}
	r := rand.New(rand.NewPCG(13, 1))
	for i := range 200 {
		order := slices.Clone(ds)
		r.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		got := run(order)
		if !slices.Equal(got.gens, want.gens) || got.current != want.current || !slices.Equal(got.order, want.order) || !slices.Equal(got.texts, want.texts) {
			t.Fatalf("order %d: %+v, want %+v", i, got, want)
		}
	}
}

func FuzzOpenRenewal(f *testing.F) {
	fx := newRenewalFixture(f)
	k, rest := fx.gen.material(fx.c)
	f.Add(fx.parts[0])
	f.Add(fx.parts[0][:200])
	bad := rest
	bad[31] ^= 1
	f.Add(rawRenewal(f, fx.carol.id, k, bad, recipients([]device{fx.bob}))[0])
	f.Fuzz(func(t *testing.T, p []byte) {
		g, err := fx.c.OpenRenewal(fx.bob.id, fx.bob.dk, fx.at, p, fx.makers)
		if err != nil {
			for _, e := range []error{ErrMalformed, ErrWrongLog, ErrNotForMe, ErrEpochMismatch, ErrNotRenewal} {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("error outside the spec: %v", err)
		}
		if g.Number < 1 || g.Number > MaxGeneration || !slices.Contains(append([]ID{fx.carol.id}, fx.makers...), g.Maker) {
			t.Fatalf("opened %+v", g)
		}
	})
}

func FuzzParseGeneration(f *testing.F) {
	fx := newRenewalFixture(f)
	b := fx.c.MarshalGeneration(fx.gen)
	f.Add(b)
	f.Add(b[:50])
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := fx.c.ParseGeneration(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotRenewal) {
				t.Fatalf("error outside the spec: %v", err)
			}
			return
		}
		if again := fx.c.MarshalGeneration(g); !bytes.Equal(again, b) {
			t.Fatalf("accepted %x, re-encodes to %x", b, again)
		}
	})
}

// However many generations one maker makes, a device holds at most one
// per number: 16 (messages.md §11).
func TestGenerationsBounded(t *testing.T) {
	c := newConversation([32]byte{1}, id(1))
	s := NewGenerations()
	for n := uint16(1); n <= MaxGeneration; n++ {
		for range 3 {
			g, err := c.NewGeneration(id(7), n, Covered{})
			if err != nil {
				t.Fatal(err)
			}
			s.Add(g)
		}
	}
	if s.Len() != MaxGeneration || s.Highest() != MaxGeneration {
		t.Fatalf("%d held, the highest %d", s.Len(), s.Highest())
	}
}
