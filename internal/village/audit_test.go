package village

import (
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// publish posts k's state over everything w holds, following prev; forge
// may change the payload before it is signed.
func publish(t *testing.T, w *world, k identity.PrivateKey, prev [32]byte, forge func(*StatePayload)) (*entry.Entry, *StatePayload) {
	t.Helper()
	seen := SeenOf(w.village, w.all)
	byID := map[entry.ID]*entry.Entry{}
	for _, e := range w.all {
		byID[e.ID] = e
	}
	named, err := Named(w.village, seen, byID)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Reduce(w.village, named)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.NewStatePayload(accOf(k), prev, seen)
	if err != nil {
		t.Fatal(err)
	}
	if forge != nil {
		forge(p)
	}
	// The seen list travels as a blob (village.md §4): keep it.
	list, err := EncodeSeen(p.Seen)
	if err != nil {
		t.Fatal(err)
	}
	p.SeenList = sha256.Sum256(list)
	if w.lists == nil {
		w.lists = map[[32]byte][]byte{}
	}
	w.lists[p.SeenList] = list
	return w.post(k, p), p
}

// seenLists finds the seen lists of the states posted in w.
func (w *world) seenLists() SeenLists { return MapSeenLists(w.lists) }

func auditWorld(t *testing.T) (*world, identity.PrivateKey, identity.PrivateKey) {
	a, b := key(t, 1), key(t, 2)
	w := founded(t, Unanimous, Unanimous, a, b)
	w.post(a, &Userspec{Village: w.village, Mode: Active, Name: "a"})
	w.post(b, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteVeto})
	return w, a, b
}

func chainOf(w *world, k identity.PrivateKey) []*entry.Entry {
	var out []*entry.Entry
	for _, e := range w.all {
		if e.Header.Author == k.Public() && e.Header.LogID == entry.LogID(w.village) {
			out = append(out, e)
		}
	}
	return out
}

func expectFindings(t *testing.T, fs []Finding, kinds ...string) {
	t.Helper()
	if len(fs) != len(kinds) {
		t.Fatalf("findings %v, want kinds %v", fs, kinds)
	}
	for i, k := range kinds {
		if fs[i].Kind != k {
			t.Fatalf("finding %d: %v, want kind %s", i, fs[i], k)
		}
	}
}

func TestAuditGoodChain(t *testing.T) {
	w, a, b := auditWorld(t)
	_, s1 := publish(t, w, a, [32]byte{}, nil)
	_, sb := publish(t, w, b, [32]byte{}, nil)
	w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteAccept, Proof: proof(1)})
	w.post(b, &Vote{Village: w.village, Stranger: stranger(2), Vote: VoteDeferred})
	_, s2 := publish(t, w, a, s1.Commitment(), nil)
	publish(t, w, a, s2.Commitment(), nil)
	publish(t, w, b, sb.Commitment(), nil)
	for _, k := range []identity.PrivateKey{a, b} {
		if fs := Audit(w.village, chainOf(w, k), w.all, w.seenLists()); len(fs) != 0 {
			t.Fatalf("good chain of %s: %v", k.Public().Hex(), fs)
		}
	}
}

func TestAuditForgedComponent(t *testing.T) {
	w, a, _ := auditWorld(t)
	publish(t, w, a, [32]byte{}, func(p *StatePayload) { p.Strangers = proof(9) })
	fs := Audit(w.village, chainOf(w, a), w.all, w.seenLists())
	expectFindings(t, fs, "component")
	if !strings.Contains(fs[0].Msg, "strangers commits to") {
		t.Fatal(fs[0].Msg)
	}
}

func TestAuditBrokenLink(t *testing.T) {
	w, a, _ := auditWorld(t)
	publish(t, w, a, [32]byte{}, nil)
	publish(t, w, a, proof(9), nil)
	fs := Audit(w.village, chainOf(w, a), w.all, w.seenLists())
	expectFindings(t, fs, "link")
	if !strings.Contains(fs[0].Msg, "but the state before it (seq") {
		t.Fatal(fs[0].Msg)
	}
}

func TestAuditFork(t *testing.T) {
	w, a, _ := auditWorld(t)
	_, s1 := publish(t, w, a, [32]byte{}, nil)
	publish(t, w, a, s1.Commitment(), nil)
	publish(t, w, a, s1.Commitment(), nil)
	fs := Audit(w.village, chainOf(w, a), w.all, w.seenLists())
	expectFindings(t, fs, "link", "fork")
}

func TestAuditVoteRegression(t *testing.T) {
	w, a, _ := auditWorld(t)
	w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteVeto})
	back := w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteDeferred})
	publish(t, w, a, [32]byte{}, nil)
	fs := Audit(w.village, chainOf(w, a), w.all, w.seenLists())
	expectFindings(t, fs, "vote")
	if fs[0].State != back.ID || !strings.Contains(fs[0].Msg, "returns to deferred after veto") {
		t.Fatal(fs[0])
	}
}

func TestAuditSeenRegressionAndMissing(t *testing.T) {
	w, a, b := auditWorld(t)
	_, s1 := publish(t, w, a, [32]byte{}, nil)
	// b's log goes back in a's next state.
	publish(t, w, a, s1.Commitment(), func(p *StatePayload) {
		for i := range p.Seen {
			if p.Seen[i].Author == b.Public() {
				p.Seen = append(p.Seen[:i], p.Seen[i+1:]...)
				break
			}
		}
	})
	fs := Audit(w.village, chainOf(w, a), w.all, w.seenLists())
	if len(fs) == 0 || fs[0].Kind != "seen" {
		t.Fatalf("findings %v", fs)
	}
	// Without the entries it names, a state cannot be checked.
	fs = Audit(w.village, chainOf(w, a)[:0], nil, w.seenLists())
	if len(fs) != 0 {
		t.Fatal(fs)
	}
	fs = Audit(w.village, chainOf(w, a), []*entry.Entry{w.found}, w.seenLists())
	if len(fs) == 0 || !strings.Contains(fs[0].Msg, "is missing") {
		t.Fatalf("findings %v", fs)
	}
}

// TestAuditManyLogs: a state names any number of logs (the 128-log cap
// is gone): 202 logs, audited clean; without its seen list a state is
// reported, not checked.
func TestAuditManyLogs(t *testing.T) {
	a, b := key(t, 1), key(t, 2)
	w := founded(t, Majority, Majority, a, b)
	for i := range 200 {
		seed := sha256.Sum256([]byte{'m', byte(i)})
		k, err := identity.KeyFromSeed(seed[:])
		if err != nil {
			t.Fatal(err)
		}
		w.post(a, &Invite{Village: w.village, Invitee: accOf(k)})
		w.post(k, &Join{Village: w.village})
	}
	_, p := publish(t, w, a, [32]byte{}, nil)
	if len(p.Seen) != 202 {
		t.Fatalf("the state names %d logs, want 202", len(p.Seen))
	}
	// The seen list travels apart: without its references (at most
	// MaxRefs ids, bounded on their own) the payload stays small however
	// many logs it names.
	bare := *p
	if err := SetRefs(&bare, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(MustEncode(&bare)); n > 400 {
		t.Fatalf("a state naming 202 logs has %d bytes besides its references", n)
	}
	if n, r := len(MustEncode(p)), len(RefsOf(p)); r != MaxRefs || n > 400+3+MaxRefs*34 {
		t.Fatalf("a state naming 202 logs with %d references has %d bytes", r, n)
	}
	if fs := Audit(w.village, chainOf(w, a), w.all, w.seenLists()); len(fs) != 0 {
		t.Fatalf("findings %v", fs)
	}
	fs := Audit(w.village, chainOf(w, a), w.all, nil)
	expectFindings(t, fs, "seen")
	if !strings.Contains(fs[0].Msg, "is not held") {
		t.Fatal(fs[0])
	}
}

// TestAuditPassiveMechanicalVote: a passive local's mechanical vote
// follows the active locals, so it may go from veto back to deferred
// between its states (as it does when the veto is lifted and not every
// active local has accepted yet): the chain audits clean.
func TestAuditPassiveMechanicalVote(t *testing.T) {
	a, b, c := key(t, 1), key(t, 2), key(t, 3)
	w := founded(t, Majority, Majority, a, b)
	w.post(a, &Invite{Village: w.village, Invitee: accOf(c)})
	w.post(b, &Invite{Village: w.village, Invitee: accOf(c)})
	w.post(c, &Join{Village: w.village})
	w.post(c, &Userspec{Village: w.village, Mode: Passive, Name: "hub"})
	w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteVeto})
	_, s1 := publish(t, w, c, [32]byte{}, nil)
	w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteAccept, Proof: proof(1)})
	publish(t, w, c, s1.Commitment(), nil)
	if fs := Audit(w.village, chainOf(w, c), w.all, w.seenLists()); len(fs) != 0 {
		t.Fatalf("findings %v", fs)
	}
}
