package village

import (
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
	p, err := s.NewStatePayload(k.Public(), prev, seen)
	if err != nil {
		t.Fatal(err)
	}
	if forge != nil {
		forge(p)
	}
	return w.post(k, p), p
}

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
		if fs := Audit(w.village, chainOf(w, k), w.all); len(fs) != 0 {
			t.Fatalf("good chain of %s: %v", k.Public().Hex(), fs)
		}
	}
}

func TestAuditForgedComponent(t *testing.T) {
	w, a, _ := auditWorld(t)
	publish(t, w, a, [32]byte{}, func(p *StatePayload) { p.Strangers = proof(9) })
	fs := Audit(w.village, chainOf(w, a), w.all)
	expectFindings(t, fs, "component")
	if !strings.Contains(fs[0].Msg, "strangers commits to") {
		t.Fatal(fs[0].Msg)
	}
}

func TestAuditBrokenLink(t *testing.T) {
	w, a, _ := auditWorld(t)
	publish(t, w, a, [32]byte{}, nil)
	publish(t, w, a, proof(9), nil)
	fs := Audit(w.village, chainOf(w, a), w.all)
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
	fs := Audit(w.village, chainOf(w, a), w.all)
	expectFindings(t, fs, "link", "fork")
}

func TestAuditVoteRegression(t *testing.T) {
	w, a, _ := auditWorld(t)
	w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteVeto})
	back := w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteDeferred})
	publish(t, w, a, [32]byte{}, nil)
	fs := Audit(w.village, chainOf(w, a), w.all)
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
	fs := Audit(w.village, chainOf(w, a), w.all)
	if len(fs) == 0 || fs[0].Kind != "seen" {
		t.Fatalf("findings %v", fs)
	}
	// Without the entries it names, a state cannot be checked.
	fs = Audit(w.village, chainOf(w, a)[:0], nil)
	if len(fs) != 0 {
		t.Fatal(fs)
	}
	fs = Audit(w.village, chainOf(w, a), []*entry.Entry{w.found})
	if len(fs) == 0 || !strings.Contains(fs[0].Msg, "is missing") {
		t.Fatalf("findings %v", fs)
	}
}
