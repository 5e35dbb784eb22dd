package village

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// addDevice certifies dev as a further device of the account of primary
// (the account accOf(primary) names).
func (w *world) addDevice(primary, dev identity.PrivateKey) {
	w.t.Helper()
	if w.certs == nil {
		w.certs = map[identity.PublicKey]*entry.Entry{}
	}
	e, err := content.NewDeviceCert(accountKey(primary), dev, "second", 1)
	if err != nil {
		w.t.Fatal(err)
	}
	w.certs[dev.Public()] = e
	w.all = append(w.all, e)
}

// revoke has the account of primary revoke dev, keeping the given heads.
func (w *world) revoke(primary, dev identity.PrivateKey, keep ...entry.ID) *entry.Entry {
	w.t.Helper()
	var heads []content.KeptHead
	for _, id := range keep {
		var at *entry.Entry
		for _, x := range w.all {
			if x.ID == id {
				at = x
			}
		}
		if at == nil {
			w.t.Fatalf("kept head %s is not an entry of this world", id)
		}
		heads = append(heads, content.KeptHead{ID: id, KeptAt: content.KeptAt{LogID: at.Header.LogID, Seq: at.Header.Seq}})
	}
	e, err := content.NewDeviceRevoke(accountKey(primary), w.certs[dev.Public()], "lost", heads, 2)
	if err != nil {
		w.t.Fatal(err)
	}
	w.all = append(w.all, e)
	return e
}

// A person with two devices is one voice: an exclusion both devices vote
// for counts once, an invitation both endorse has one endorser, and the
// account's vote on a stranger is the latest of either device's (issue 11,
// item 10).
func TestTwoDevicesOneVoice(t *testing.T) {
	a, b, c, a2, d := key(t, 1), key(t, 2), key(t, 3), key(t, 11), key(t, 4)
	w := founded(t, Unanimous, Majority, a, b, c)
	w.addDevice(a, a2)
	// Exclusion of C under majority: eligible A and B; A's two devices
	// are one yes, and one of two is not a majority.
	prop := w.post(a, &Exclude{Village: w.village, Subject: accOf(c), Reason: "test"})
	second := w.post(a2, &ExcludeVote{Village: w.village, Proposal: prop.ID, For: true})
	s := w.reduce()
	if r := ignoredReason(s, second.ID); r != "" {
		t.Fatalf("a's second device's vote ignored: %q", r)
	}
	pr := s.Proposals[0]
	if pr.Outcome != Open || !slices.Equal(pr.For, []identity.PublicKey{accOf(a)}) || len(pr.Against) != 0 || len(pr.NotVoted) != 1 || pr.NotVoted[0] != accOf(b) {
		t.Fatalf("proposal %s, for %d, against %d, not voted %d; want open with one account for and one that has not voted", pr.Outcome, len(pr.For), len(pr.Against), len(pr.NotVoted))
	}
	// The invitation: two devices of A endorse once.
	w.post(a, &Invite{Village: w.village, Invitee: accOf(d)})
	again := w.post(a2, &Invite{Village: w.village, Invitee: accOf(d)})
	s = w.reduce()
	if r := ignoredReason(s, again.ID); r != "this local already invited the invitee" {
		t.Fatalf("second device's invitation: %q", r)
	}
	if inv := s.Invitations[0]; len(inv.Endorsers) != 1 || inv.Endorsers[0] != accOf(a) || inv.Admitted {
		t.Fatalf("invitation %+v, want one endorser (A) and not admitted", inv)
	}
	// The vote on a stranger: one ballot per account, the latest device's.
	S := stranger(1)
	w.post(a, &Vote{Village: w.village, Stranger: S, Vote: VoteVeto})
	w.post(b, &Vote{Village: w.village, Stranger: S, Vote: VoteAccept, Proof: proof(1)})
	w.post(c, &Vote{Village: w.village, Stranger: S, Vote: VoteAccept, Proof: proof(1)})
	if st := w.reduce().Stranger(S); st.Standing != Vetoed || !slices.Equal(st.Vetoers, []identity.PublicKey{accOf(a)}) {
		t.Fatalf("after a's veto: %s, vetoers %d", st.Standing, len(st.Vetoers))
	}
	lift := w.post(a2, &Vote{Village: w.village, Stranger: S, Vote: VoteAccept, Proof: proof(1)})
	st := w.reduce().Stranger(S)
	if st.Standing != Accepted || len(st.Ballots) != 3 || st.Ballot(accOf(a)).Entry != lift.ID {
		t.Fatalf("after a2 lifts a's veto: %s with %d ballots, a's from %s", st.Standing, len(st.Ballots), st.Ballot(accOf(a)).Entry.Hex())
	}
	// Both of A's devices may write; neither is a local of its own.
	s = w.reduce()
	if s.Local(a.Public()) != nil || s.Local(a2.Public()) != nil || !s.Current(a2.Public()) || !s.Knows(a2.Public()) {
		t.Fatal("devices are not locals; a2 is a current device the village knows")
	}
	if got := s.Devices(accOf(a)); len(got) != 2 {
		t.Fatalf("A's devices: %d, want 2", len(got))
	}
}

// Entries of a device with no certificate in the set, or certified by two
// accounts, speak for nobody.
func TestUncertifiedAndDoubleCertifiedDevices(t *testing.T) {
	a, b, x, a2 := key(t, 1), key(t, 2), key(t, 12), key(t, 11)
	w := founded(t, Unanimous, Majority, a, b)
	// x signs a vote without any certificate in the set.
	wr := w.writer(x)
	p := &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteVeto}
	e, err := entry.Sign(x, entry.Draft{LogID: wr.log, Seq: 1, Timestamp: 9, Payload: MustEncode(p)})
	if err != nil {
		t.Fatal(err)
	}
	w.all = append(w.all, e)
	if r := ignoredReason(w.reduce(), e.ID); !strings.Contains(r, "no certificate of the author's device") {
		t.Fatalf("uncertified: %q", r)
	}
	// a2 certified by a's account and by b's: it speaks for nobody.
	w.addDevice(a, a2)
	e2, err := content.NewDeviceCert(accountKey(b), a2, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	w.all = append(w.all, e2)
	v := w.post(a2, &Vote{Village: w.village, Stranger: stranger(2), Vote: VoteVeto})
	if r := ignoredReason(w.reduce(), v.ID); r != "the author's device is certified by more than one account" {
		t.Fatalf("double certified: %q", r)
	}
}

// A revoked device speaks for its account only through the entries the
// revocation keeps: what it wrote before stays, what it writes after (or
// anything, when the revocation keeps nothing) is ignored, whatever the
// timestamps; a kept head not held keeps nothing yet.
func TestRevokedDeviceStopsSpeaking(t *testing.T) {
	a, b, a2 := key(t, 1), key(t, 2), key(t, 11)
	w := founded(t, Unanimous, Majority, a, b)
	w.addDevice(a, a2)
	S, T := stranger(1), stranger(2)
	before := w.post(a2, &Vote{Village: w.village, Stranger: S, Vote: VoteVeto})
	rev := w.revoke(a, a2, before.ID)
	after := w.postAt(a2, &Vote{Village: w.village, Stranger: T, Vote: VoteVeto}, 0) // claims to be the oldest
	s := w.reduce()
	if r := ignoredReason(s, before.ID); r != "" {
		t.Fatalf("kept entry ignored: %q", r)
	}
	if r := ignoredReason(s, after.ID); r != "the author's device is revoked, and its account's revocation does not keep this entry" {
		t.Fatalf("entry after the revocation: %q", r)
	}
	if s.Stranger(S).Standing != Vetoed || s.Stranger(T) != nil || s.Current(a2.Public()) {
		t.Fatal("the kept veto must count, the later one not; a2 is no longer current")
	}
	// The same revocation without the kept head held: nothing of a2 counts.
	var partial []*entry.Entry
	for _, e := range w.all {
		if e.ID != before.ID {
			partial = append(partial, e)
		}
	}
	ps, err := Reduce(w.village, partial)
	if err != nil {
		t.Fatal(err)
	}
	if r := ignoredReason(ps, after.ID); !strings.Contains(r, "revoked") || ps.Stranger(S) != nil {
		t.Fatalf("without the kept head: %q, stranger S %v", r, ps.Stranger(S))
	}
	// A revocation keeping nothing: neither counts.
	w2 := founded(t, Unanimous, Majority, a, b)
	w2.addDevice(a, a2)
	early := w2.post(a2, &Vote{Village: w2.village, Stranger: S, Vote: VoteVeto})
	w2.revoke(a, a2)
	if r := ignoredReason(w2.reduce(), early.ID); !strings.Contains(r, "revoked") {
		t.Fatalf("revocation keeping nothing: %q", r)
	}
	// A revocation by another account than the certifying one is no
	// revocation.
	w3 := founded(t, Unanimous, Majority, a, b)
	w3.addDevice(a, a2)
	v := w3.post(a2, &Vote{Village: w3.village, Stranger: S, Vote: VoteVeto})
	forged, err := content.NewDeviceRevoke(accountKey(b), w3.certs[a2.Public()], "", nil, 2)
	if err == nil {
		t.Fatalf("revoking another account's device must fail to build, got %s", forged.ID.Hex())
	}
	_ = rev
	if r := ignoredReason(w3.reduce(), v.ID); r != "" {
		t.Fatalf("%q", r)
	}
}

// A stranger is an account: requests of two devices of one account are one
// stranger, whose Devices name both.
func TestStrangerIsAnAccount(t *testing.T) {
	a, b, x, x2 := key(t, 1), key(t, 2), key(t, 8), key(t, 18)
	w := founded(t, Unanimous, Majority, a, b)
	w.addDevice(x, x2)
	user := [32]byte(pk(0x55))
	w.post(x, &Request{Village: w.village, User: user, Text: "from the laptop"})
	w.post(x2, &Request{Village: w.village, User: user, Text: "from the phone"})
	st := w.reduce().Stranger(RequestStranger(accOf(x), user))
	if st == nil || len(st.Requests) != 2 || len(st.Devices) != 2 {
		t.Fatalf("stranger %+v, want two requests from two devices", st)
	}
	// A request carrying another device's certificate is ignored.
	y := key(t, 19)
	r := &Request{Village: w.village, User: user, Text: "borrowed", Cert: CertOf(certOf(t, x))}
	e := w.post(y, r)
	if got := ignoredReason(w.reduce(), e.ID); got != "the request carries the certificate of another device" {
		t.Fatalf("borrowed certificate: %q", got)
	}
}

// Property: with two devices per account and revocations keeping a random
// prefix of the revoked device's log, every delivery order and every
// split into two replicas that then merge gives the same state.
func TestRevocationProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	iterations := 40
	if testing.Short() {
		iterations = 10
	}
	for it := range iterations {
		prim := []identity.PrivateKey{key(t, 1), key(t, 2), key(t, 3)}
		w := founded(t, Majority, Majority, prim...)
		var devs []identity.PrivateKey
		owner := map[identity.PublicKey]identity.PrivateKey{}
		for i, p := range prim {
			d := key(t, byte(100+i))
			w.addDevice(p, d)
			devs = append(devs, p, d)
			owner[p.Public()], owner[d.Public()] = p, p
		}
		revoked := map[identity.PublicKey]bool{}
		keptSeq := map[identity.PublicKey]uint64{}
		var props []entry.ID
		for range 30 + rng.IntN(30) {
			k := devs[rng.IntN(len(devs))]
			if revoked[k.Public()] && rng.IntN(2) == 0 {
				continue
			}
			var p Payload
			switch r := rng.IntN(10); {
			case r < 5:
				p = &Vote{Village: w.village, Stranger: stranger(byte(1 + rng.IntN(4))), Vote: VoteKind(rng.IntN(3))}
				if p.(*Vote).Vote == VoteAccept {
					p.(*Vote).Proof = proof(byte(rng.IntN(2)))
				}
			case r < 6:
				p = &Exclude{Village: w.village, Subject: accOf(prim[rng.IntN(3)])}
			case r < 8 && len(props) > 0:
				p = &ExcludeVote{Village: w.village, Proposal: props[rng.IntN(len(props))], For: rng.IntN(2) == 0}
			case r < 9:
				p = &Userspec{Village: w.village, Mode: []Mode{Active, Passive}[rng.IntN(2)], Name: "n"}
			default:
				// Revoke a device that is not its account's first, keeping
				// a random prefix of its log (or nothing).
				d := devs[1+2*rng.IntN(3)]
				if revoked[d.Public()] || w.certs[d.Public()] == nil {
					continue
				}
				var keep []entry.ID
				keptSeq[d.Public()] = 0
				if wr := w.ws[d.Public()]; wr != nil && wr.seq > 0 && rng.IntN(4) > 0 {
					n := 1 + rng.Uint64N(wr.seq)
					keep = append(keep, nthOf(w, d, n))
					keptSeq[d.Public()] = n
				}
				w.revoke(owner[d.Public()], d, keep...)
				revoked[d.Public()] = true
				continue
			}
			e := w.postAt(k, p, rng.Uint64N(1<<40))
			if _, ok := p.(*Exclude); ok {
				props = append(props, e.ID)
			}
		}
		want, err := Reduce(w.village, w.all)
		if err != nil {
			t.Fatal(err)
		}
		enc := want.Encode()
		for r := range 3 {
			s, err := Reduce(w.village, shuffled(rng, w.all))
			if err != nil || !bytes.Equal(s.Encode(), enc) {
				t.Fatalf("iteration %d, delivery %d: the state differs (%v)", it, r, err)
			}
		}
		var half []*entry.Entry
		for _, e := range w.all {
			if e == w.found || isCert(e) || rng.IntN(2) == 0 {
				half = append(half, e)
			}
		}
		if _, err := Reduce(w.village, half); err != nil {
			t.Fatal(err)
		}
		s, err := Reduce(w.village, append(half, shuffled(rng, w.all)...))
		if err != nil || !bytes.Equal(s.Encode(), enc) {
			t.Fatalf("iteration %d: two replicas do not converge (%v)", it, err)
		}
		// No entry a revoked device wrote beyond what its revocation keeps
		// is applied, and none it kept is ignored for the revocation.
		why := map[entry.ID]string{}
		for _, ig := range want.Ignored {
			why[ig.Entry] = ig.Reason
		}
		for _, e := range w.all {
			kept, ok := keptSeq[e.Header.Author]
			if !ok || e.Header.LogID != entry.LogID(w.village) {
				continue
			}
			byRevocation := strings.Contains(why[e.ID], "revoked")
			if e.Header.Seq > kept && !byRevocation || e.Header.Seq <= kept && byRevocation {
				t.Fatalf("iteration %d: entry at seq %d of a device revoked keeping seq %d: %q", it, e.Header.Seq, kept, why[e.ID])
			}
		}
	}
}

// nthOf returns the id of device d's village entry at seq n.
func nthOf(w *world, d identity.PrivateKey, n uint64) entry.ID {
	for _, e := range w.all {
		if e.Header.Author == d.Public() && e.Header.LogID == entry.LogID(w.village) && e.Header.Seq == n {
			return e.ID
		}
	}
	w.t.Fatalf("no entry at seq %d", n)
	return entry.ID{}
}
