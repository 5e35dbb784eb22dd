package village

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// twoThirdsNoBlock is "two thirds of active locals with no block".
var twoThirdsNoBlock = Rule{Method: CEL, Expr: "agree * 3 >= participants * 2 && block == 0"}

func foundedRules(t testing.TB, admit, exclude Rule, founders ...identity.PrivateKey) *world {
	t.Helper()
	w := newWorldFound(t, &Found{Name: "test village", Admit: admit.Method, AdmitParams: admit.Params, AdmitExpr: admit.Expr,
		Exclude: exclude.Method, ExcludeParams: exclude.Params, ExcludeExpr: exclude.Expr}, founders...)
	for _, f := range founders[1:] {
		w.post(f, &Accept{Village: w.village})
	}
	return w
}

func invitationOf(s *State, k identity.PublicKey) *Invitation {
	for _, inv := range s.Invitations {
		if inv.Invitee == k {
			return inv
		}
	}
	return nil
}

// rstep is one entry of a charter table test: by a key, a payload, and
// "" when it must be applied or a part of the reason it must be ignored
// with.
type rstep struct {
	by  identity.PrivateKey
	p   Payload
	why string
}

func runSteps(t *testing.T, w *world, steps []rstep) *State {
	t.Helper()
	var es []*entry.Entry
	for _, st := range steps {
		setVillage(st.p, w.village)
		es = append(es, w.post(st.by, st.p))
	}
	s := w.reduce()
	ignored := map[entry.ID]string{}
	for _, ig := range s.Ignored {
		ignored[ig.Entry] = ig.Reason
	}
	for i, st := range steps {
		why, isIgnored := ignored[es[i].ID]
		switch {
		case st.why == "" && isIgnored:
			t.Errorf("step %d (%s) ignored: %s", i, st.p.Type(), why)
		case st.why != "" && (!isIgnored || !strings.Contains(why, st.why)):
			t.Errorf("step %d (%s): ignored %v %q, want ignored: %q", i, st.p.Type(), isIgnored, why, st.why)
		}
	}
	return s
}

func setVillage(p Payload, v entry.ID) {
	switch p := p.(type) {
	case *Invite:
		p.Village = v
	case *Join:
		p.Village = v
	case *Position:
		p.Village = v
	case *Exclude:
		p.Village = v
	case *ExcludeVote:
		p.Village = v
	case *Leave:
		p.Village = v
	}
}

// TestTwoThirdsNoBlockAdmit: a charter admitting strangers with "two
// thirds of active locals with no block".
func TestTwoThirdsNoBlockAdmit(t *testing.T) {
	a, b, c := key(t, 1), key(t, 2), key(t, 3)
	x := key(t, 20)
	X := accOf(x)
	inv := func() Payload { return &Invite{Invitee: X} }
	pos := func(p conversation.Position, reason string) Payload {
		return &Position{Invitee: X, Position: p, Reason: reason}
	}
	for _, tc := range []struct {
		name     string
		steps    []rstep
		admitted bool
		needed   int
		stances  []Stance
		local    bool
	}{
		{"one endorsement of three is not enough", []rstep{{a, inv(), ""}}, false, 1, nil, false},
		{"two of three admit; the invitee joins", []rstep{{a, inv(), ""}, {b, inv(), ""}, {x, &Join{}, ""}}, true, 0, nil, true},
		{"a position before any invitation is ignored", []rstep{{c, pos(conversation.Block, "who?"), "no open invitation of this invitee"}, {a, inv(), ""}, {b, inv(), ""}}, true, 0, nil, false},
		{"a block stops two of three", []rstep{{a, inv(), ""}, {c, pos(conversation.Block, "nobody knows them"), ""}, {b, inv(), ""}},
			false, -1, []Stance{{Local: accOf(c), Position: conversation.Block, Reason: "nobody knows them"}}, false},
		{"the block lifted by endorsing admits", []rstep{{a, inv(), ""}, {c, pos(conversation.Block, "nobody knows them"), ""}, {b, inv(), ""}, {c, inv(), ""}, {x, &Join{}, ""}}, true, 0, nil, true},
		{"an endorser who disagrees later no longer counts", []rstep{{a, inv(), ""}, {a, pos(conversation.Disagree, ""), ""}, {b, inv(), ""}},
			false, 1, []Stance{{Local: accOf(a), Position: conversation.Disagree}}, false},
		{"a disagreement is no block: two of three admit", []rstep{{a, inv(), ""}, {c, pos(conversation.Disagree, "too soon"), ""}, {b, pos(conversation.Agree, ""), ""}}, true, 0, []Stance{{Local: accOf(c), Position: conversation.Disagree, Reason: "too soon"}}, false},
		{"positions after the admission are ignored", []rstep{{a, inv(), ""}, {b, inv(), ""}, {c, pos(conversation.Block, "late"), "the invitation is admitted already"}}, true, 0, nil, false},
		{"a stranger takes no position", []rstep{{a, inv(), ""}, {x, pos(conversation.Agree, ""), "author is not a local"}}, false, 1, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := foundedRules(t, twoThirdsNoBlock, Rule{Method: Majority}, a, b, c)
			s := runSteps(t, w, tc.steps)
			if tc.local {
				if l := s.Local(X); l == nil || l.Status != Member {
					t.Fatalf("invitee not a local: %+v", l)
				}
				return
			}
			iv := invitationOf(s, X)
			if iv == nil {
				t.Fatal("no invitation")
			}
			if iv.Admitted != tc.admitted || iv.Needed != tc.needed || !reflect.DeepEqual(iv.Stances, tc.stances) {
				t.Fatalf("admitted %v needed %d stances %+v; want %v %d %+v", iv.Admitted, iv.Needed, iv.Stances, tc.admitted, tc.needed, tc.stances)
			}
		})
	}
}

// TestTwoThirdsNoBlockExclude: the same rule for excluding a local: the
// eligible are the active locals other than the subject.
func TestTwoThirdsNoBlockExclude(t *testing.T) {
	a, b, c, d := key(t, 1), key(t, 2), key(t, 3), key(t, 4)
	D := accOf(d)
	for _, tc := range []struct {
		name     string
		steps    func(prop entry.ID) []rstep
		excluded bool
		against  int
		stances  int
	}{
		{"the proposer and one more of three exclude", func(p entry.ID) []rstep {
			return []rstep{{b, &ExcludeVote{Proposal: p, For: true}, ""}}
		}, true, 0, 0},
		{"a block stops it", func(p entry.ID) []rstep {
			return []rstep{{c, &Position{Proposal: p, Position: conversation.Block, Reason: "hear them first"}, ""}, {b, &ExcludeVote{Proposal: p, For: true}, ""}}
		}, false, 0, 1},
		{"an abstention is not a block", func(p entry.ID) []rstep {
			return []rstep{{c, &Position{Proposal: p, Position: conversation.Abstain}, ""}, {b, &Position{Proposal: p, Position: conversation.Agree}, ""}}
		}, true, 0, 0},
		{"the subject takes no position", func(p entry.ID) []rstep {
			return []rstep{{d, &Position{Proposal: p, Position: conversation.Block, Reason: "me"}, "only active locals other than the subject"}, {b, &ExcludeVote{Proposal: p, For: false}, ""}}
		}, false, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := foundedRules(t, Rule{Method: Unanimous}, twoThirdsNoBlock, a, b, c, d)
			prop := w.post(a, &Exclude{Village: w.village, Subject: D, Reason: "gone"})
			s := runSteps(t, w, tc.steps(prop.ID))
			if got := s.Local(D).Status == Excluded; got != tc.excluded {
				t.Fatalf("excluded %v, want %v", got, tc.excluded)
			}
			if !tc.excluded {
				pr := s.Proposals[0]
				if len(pr.Against) != tc.against || len(pr.Stances) != tc.stances {
					t.Fatalf("proposal %+v", pr)
				}
			}
		})
	}
}

// TestVersion2RulesAreNamedMethods: the two rules of version 2 are
// conversation's unanimity and majority over the eligible active locals,
// exactly: holds and needed agree with version 2's formulas for every
// count.
func TestVersion2RulesAreNamedMethods(t *testing.T) {
	for _, m := range []Method{Unanimous, Majority} {
		cr, err := Rule{Method: m}.Compile()
		if err != nil {
			t.Fatal(err)
		}
		s := &State{Admit: m, admit: cr}
		for eligible := range 30 {
			for yes := 0; yes <= eligible; yes++ {
				// Version 2 (village.md before conversations).
				v2 := eligible > 0 && (m == Unanimous && yes == eligible || m == Majority && 2*yes > eligible)
				need := 0
				switch {
				case eligible == 0 || v2:
				case m == Unanimous:
					need = eligible - yes
				default:
					need = eligible/2 + 1 - yes
				}
				tl := conversation.Tally{Participants: eligible, Agree: yes, Answered: yes}
				if got := cr.Holds(tl); got != v2 {
					t.Fatalf("%s %d of %d: holds %v, version 2 %v", m, yes, eligible, got, v2)
				}
				if got := s.needed(tl); got != need {
					t.Fatalf("%s %d of %d: needed %d, version 2 %d", m, yes, eligible, got, need)
				}
				// The general search agrees with the closed form.
				if eligible > 0 && !v2 {
					if got := cr.Needed(tl, MaxNeeded); got != need {
						t.Fatalf("%s %d of %d: search %d, closed form %d", m, yes, eligible, got, need)
					}
				}
			}
		}
	}
}

func TestCharterRefusals(t *testing.T) {
	f := func(admit Rule) *Found {
		return &Found{Name: "x", Admit: admit.Method, AdmitParams: admit.Params, AdmitExpr: admit.Expr, Exclude: Majority,
			Founders: []identity.PublicKey{pk(1), pk(2)}}
	}
	for _, c := range []struct {
		r    Rule
		want string
	}{
		{Rule{Method: CEL, Expr: "endorsers >= 2"}, `village: village.found: field "admit": the expression does not compile: ERROR: <input>:1:1: undeclared reference to 'endorsers'`},
		{Rule{Method: CEL, Expr: "agree"}, "yields int"},
		{Rule{Method: CEL, Expr: "votes.all(a, votes.all(b, votes.all(c, votes.all(d, a + b + c + d >= 0))))"}, "costs more than the limit"},
		{Rule{Method: Qualified}, "method qualified takes 2 parameters, got 0"},
		{Rule{Method: "approval"}, `unknown consensus method "approval"`},
		{Rule{Method: Majority, Expr: "true"}, "only the cel method takes an expression"},
	} {
		if _, err := Encode(f(c.r)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.r, err, c.want)
		}
	}
	if got := twoThirdsNoBlock.Describe(); got != "at least two thirds of the active locals agree, and nobody blocks" {
		t.Fatalf("describe %q", got)
	}
	if got := (Rule{Method: Qualified, Params: []uint64{2, 3}}).Describe(); got != "at least two thirds of the active locals agree" {
		t.Fatalf("describe %q", got)
	}
	for expr, want := range map[string]string{
		"agree * 4 >= participants * 3 && block == 0":  "at least three quarters of the active locals agree, and nobody blocks",
		"agree * 4 >= participants * 3 &&  block == 0": "the expression agree * 4 >= participants * 3 &&  block == 0 is true",
		"agree * 2 >= participants * 3 && block == 0":  "the expression agree * 2 >= participants * 3 && block == 0 is true",
	} {
		if got := (Rule{Method: CEL, Expr: expr}).Describe(); got != want {
			t.Errorf("describe %q: %q, want %q", expr, got, want)
		}
	}
	if got := (Rule{Method: Unanimous}).Describe(); got != "every one of the active locals agrees" {
		t.Fatalf("describe %q", got)
	}
}

// TestConvergenceRules: villages whose charters name the new rules, with
// positions on invitations and proposals among concurrent entries: every
// delivery order gives the same state.
func TestConvergenceRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	keys := make([]identity.PrivateKey, 7)
	for i := range keys {
		keys[i] = key(t, byte(10+i))
	}
	rules := []Rule{twoThirdsNoBlock, {Method: Qualified, Params: []uint64{2, 3}}, {Method: Consent}, {Method: Quorum, Params: []uint64{2}},
		{Method: QualifiedOfVoters, Params: []uint64{1, 2}}, {Method: Majority}}
	iterations := 60
	if testing.Short() {
		iterations = 15
	}
	decided := 0
	for it := range iterations {
		n := 4 + rng.IntN(4)
		ks := keys[:n]
		w := foundedRules(t, rules[rng.IntN(len(rules))], rules[rng.IntN(len(rules))], ks[0], ks[1], ks[2])
		base := w.ts
		var props []entry.ID
		for range 25 + rng.IntN(20) {
			k := ks[rng.IntN(n)]
			ts := base + 1 + rng.Uint64N(10)
			var p Payload
			switch rng.IntN(8) {
			case 0, 1:
				p = &Invite{Village: w.village, Invitee: accOf(ks[3+rng.IntN(n-3)])}
			case 2:
				p = &Join{Village: w.village}
			case 3, 4:
				pos := conversation.Position(rng.IntN(4))
				q := &Position{Village: w.village, Position: pos}
				if pos == conversation.Block {
					q.Reason = "no"
				}
				if len(props) > 0 && rng.IntN(2) == 0 {
					q.Proposal = props[rng.IntN(len(props))]
				} else {
					q.Invitee = accOf(ks[3+rng.IntN(n-3)])
				}
				p = q
			case 5:
				p = &Exclude{Village: w.village, Subject: accOf(ks[rng.IntN(n)])}
			case 6:
				if len(props) == 0 {
					continue
				}
				p = &ExcludeVote{Village: w.village, Proposal: props[rng.IntN(len(props))], For: rng.IntN(3) > 0}
			default:
				p = &Userspec{Village: w.village, Mode: []Mode{Active, Passive}[rng.IntN(2)]}
			}
			e := w.postAt(k, p, ts)
			if _, ok := p.(*Exclude); ok {
				props = append(props, e.ID)
			}
		}
		want := w.reduce()
		enc := want.Encode()
		if len(want.Members()) > 3 || len(want.Proposals) > 0 && want.Proposals[0].Outcome == Passed {
			decided++
		}
		for r := range 4 {
			got, err := Reduce(w.village, shuffled(rng, append(w.all, w.all[rng.IntN(len(w.all))])))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Encode(), enc) {
				t.Fatalf("iteration %d, replica %d: states differ", it, r)
			}
		}
	}
	t.Logf("%d of %d villages admitted someone or passed an exclusion", decided, iterations)
	if decided < iterations/4 {
		t.Fatalf("only %d of %d villages decided anything", decided, iterations)
	}
}

// TestSettleSkipsExactly: settle's skipping of unchanged proposals and
// invitations gives the state that evaluating every one after every
// entry gives, in villages of both kinds of charter.
func TestSettleSkipsExactly(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	keys := make([]identity.PrivateKey, 7)
	for i := range keys {
		keys[i] = key(t, byte(10+i))
	}
	for it := range 60 {
		var w *world
		if it%2 == 0 {
			w = randomVillage(t, rng, keys, 3+rng.IntN(5), 20+rng.IntN(40))
		} else {
			w = foundedRules(t, twoThirdsNoBlock, Rule{Method: Quorum, Params: []uint64{2}}, keys[0], keys[1], keys[2])
			for range 40 {
				k := keys[rng.IntN(5)]
				var p Payload
				switch rng.IntN(4) {
				case 0:
					p = &Invite{Village: w.village, Invitee: accOf(keys[3+rng.IntN(4)])}
				case 1:
					p = &Join{Village: w.village}
				case 2:
					p = &Position{Village: w.village, Invitee: accOf(keys[3+rng.IntN(4)]), Position: conversation.Position(rng.IntN(3))}
				default:
					p = &Exclude{Village: w.village, Subject: accOf(keys[rng.IntN(5)])}
				}
				w.postAt(k, p, w.ts+rng.Uint64N(5))
			}
		}
		skipped := w.reduce().Encode()
		settleAll = true
		all := w.reduce().Encode()
		settleAll = false
		if !bytes.Equal(skipped, all) {
			t.Fatalf("iteration %d: skipping changes the state", it)
		}
	}
}
