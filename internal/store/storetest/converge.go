package storetest

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// history is a random set of valid entries across several logs.
type history struct {
	chains   []*chain
	accounts []identity.PublicKey
	// keptTo cuts a chain of a revoked device: only its first n entries
	// are kept (payloads.md §6.1), the others are refused or dropped.
	keptTo map[*chain]int
}

func (hi *history) heads() []store.Head {
	var hs []store.Head
	for _, c := range hi.chains {
		if n, ok := hi.keptTo[c]; ok {
			cut := *c
			cut.es = c.es[:n]
			c = &cut
		}
		if len(c.es) > 0 {
			hs = append(hs, c.head())
		}
	}
	slices.SortFunc(hs, func(a, b store.Head) int {
		if c := strings.Compare(string(a.Log.Author[:]), string(b.Log.Author[:])); c != 0 {
			return c
		}
		return strings.Compare(string(a.Log.LogID[:]), string(b.Log.LogID[:]))
	})
	return hs
}

// randomHistory builds a history from seed: several authors, each with
// one to three logs of posts (half of them replies), profiles, unknown and
// opaque payloads and
// deletes of the author's earlier entries (in any of its logs), some logs
// ended; plus an account that certifies two devices and revokes one.
func randomHistory(t testing.TB, seed uint64) *history {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	hi := &history{}
	base := int(seed%1000)*100 + 1000
	var posts []entry.ID // every post so far, of any author: replies answer them
	for a := range 4 {
		k := key(t, base+a)
		var deletable []entry.ID
		nlogs := 1 + r.IntN(3)
		var mine []*chain
		for l := range nlogs {
			lid := entry.PublicLog
			if l > 0 {
				lid = entry.LogID{byte(l), byte(seed)}
			}
			mine = append(mine, newChain(k, lid))
		}
		hi.chains = append(hi.chains, mine...)
		total := 1 + r.IntN(25)
		for range total {
			c := mine[r.IntN(len(mine))]
			if n := len(c.es); n > 0 && c.es[n-1].Header.Flags&entry.FlagEndOfLog != 0 {
				continue
			}
			var payload []byte
			isTarget := true
			switch p := r.IntN(20); {
			case p < 10:
				text := fmt.Sprintf("post %d/%d", seed, r.Uint32())
				payload = post(t, text)
				// Half of them reply to an earlier post, some naming
				// another post as their thread's root.
				if len(posts) > 0 && r.IntN(2) == 0 {
					to := posts[r.IntN(len(posts))]
					var root entry.ID
					if other := posts[r.IntN(len(posts))]; other != to && r.IntN(2) == 0 {
						root = other
					}
					payload = encode(t, &content.Post{Text: text, ReplyTo: to, Root: root})
				}
			case p < 12:
				payload = profile(t, fmt.Sprintf("name %d", r.Uint32()))
			case p < 13:
				payload = cborMap(map[string]any{"type": "x.future", "v": r.IntN(20)})
			case p < 14:
				payload = []byte(fmt.Sprintf("\x00opaque %d", r.Uint32()))
			default:
				isTarget = false
				if len(deletable) == 0 {
					payload = post(t, "nothing to delete yet")
					isTarget = true
					break
				}
				payload = del(t, deletable[r.IntN(len(deletable))])
			}
			var flags entry.Flags
			if r.IntN(30) == 0 {
				flags = entry.FlagEndOfLog
			}
			e := c.signAt(t, uint64(len(c.es)+1), payload, flags, uint64(1_700_000_000_000+r.IntN(1000)))
			c.es = append(c.es, e)
			if isTarget {
				deletable = append(deletable, e.ID)
			}
			if typ, err := content.PeekType(payload); err == nil && typ == content.TypePost {
				posts = append(posts, e.ID)
			}
		}
	}
	// Devices of one account: two certified, one revoked, and profiles.
	acc, d1, d2 := key(t, base+50), key(t, base+51), key(t, base+52)
	hi.accounts = append(hi.accounts, acc.Public())
	certs := newChain(acc, content.DeviceCertLog(d1.Public()))
	c1, err := content.NewDeviceCert(acc, d1, "one", 1)
	if err != nil {
		t.Fatal(err)
	}
	certs.es = append(certs.es, fresh(t, c1))
	certs2 := newChain(acc, content.DeviceCertLog(d2.Public()))
	c2, err := content.NewDeviceCert(acc, d2, "two", 1)
	if err != nil {
		t.Fatal(err)
	}
	certs2.es = append(certs2.es, fresh(t, c2))
	p1, p2 := newChain(d1, entry.PublicLog), newChain(d2, entry.PublicLog)
	for i := range 1 + r.IntN(3) {
		p1.add(t, profile(t, fmt.Sprint("d1 ", i)), 0)
		p2.add(t, profile(t, fmt.Sprint("d2 ", i)), 0)
	}
	// d1 is revoked keeping its first profile; what it wrote after is
	// refused or dropped, whichever arrives first. Its second log is
	// kept by no head.
	o1 := newChain(d1, entry.LogID{31: 9})
	o1.add(t, profile(t, "d1 elsewhere"), 0)
	rev, err := content.NewDeviceRevoke(acc, c1, "", []content.KeptHead{{ID: p1.es[0].ID, KeptAt: content.KeptAt{LogID: entry.PublicLog, Seq: 1}}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	certs.es = append(certs.es, fresh(t, rev))
	hi.keptTo = map[*chain]int{p1: 1, o1: 0}
	hi.chains = append(hi.chains, certs, certs2, p1, p2, o1)
	return hi
}

// delivery returns the order in which a node receives the history: each
// log's entries in seq order, logs interleaved at random, some entries
// first without their payload (the payload following at a random later
// point) and some swapped with their successor, so that they arrive too
// early and must be re-sent.
func (hi *history) delivery(r *rand.Rand) []*entry.Entry {
	type cursor struct {
		es []*entry.Entry
		i  int
	}
	var cs []*cursor
	// Entries first delivered without their payload; the full copy is
	// delivered later, at a random point.
	var late []*entry.Entry
	for _, c := range hi.chains {
		var copies []*entry.Entry
		for _, e := range c.es {
			if r.IntN(6) == 0 {
				ho, err := entry.Parse(e.Raw, nil)
				if err != nil {
					panic(err)
				}
				copies = append(copies, ho)
				late = append(late, e)
				continue
			}
			copies = append(copies, e)
		}
		if len(copies) > 0 {
			cs = append(cs, &cursor{es: copies})
		}
	}
	var out []*entry.Entry
	for len(cs) > 0 {
		j := r.IntN(len(cs))
		c := cs[j]
		out = append(out, c.es[c.i])
		c.i++
		if c.i == len(c.es) {
			cs = slices.Delete(cs, j, j+1)
		}
	}
	for _, e := range late {
		at := r.IntN(len(out) + 1)
		out = slices.Insert(out, at, e)
	}
	for i := 0; i+1 < len(out); i++ {
		if r.IntN(8) == 0 {
			out[i], out[i+1] = out[i+1], out[i]
			i++
		}
	}
	return out
}

// deliver ingests order in random batches, re-sending entries rejected for
// arriving too early, until everything has landed. Any other rejection
// fails the test.
func deliver(t testing.TB, x h, r *rand.Rand, order []*entry.Entry) {
	t.Helper()
	pending := order
	resent, round := 0, 0
	defer func() { t.Logf("%d deliveries in %d rounds, %d re-sent", len(order), round, resent) }()
	for ; len(pending) > 0; round++ {
		if round > 200 {
			t.Fatalf("no convergence after %d rounds; %d entries pending", round, len(pending))
		}
		var retry []*entry.Entry
		for len(pending) > 0 {
			n := min(1+r.IntN(12), len(pending))
			batch := pending[:n]
			pending = pending[n:]
			for i, res := range x.ingest(batch...) {
				switch res.Outcome {
				case store.Added, store.Known:
				case store.Rejected:
					msg := res.Err.Error()
					if strings.Contains(msg, "not among those the revocation keeps") {
						continue // final: a revoked device's entry not kept
					}
					if !strings.Contains(msg, "must come first") && !strings.Contains(msg, "missing before it") {
						t.Fatalf("round %d: unexpected rejection: %v", round, res.Err)
					}
					retry = append(retry, batch[i])
				default:
					t.Fatalf("round %d: unexpected outcome %v", round, res.Outcome)
				}
			}
		}
		// Re-send in a random order of logs, but lower seqs first, so that
		// every round makes progress.
		r.Shuffle(len(retry), func(i, j int) { retry[i], retry[j] = retry[j], retry[i] })
		slices.SortStableFunc(retry, func(a, b *entry.Entry) int { return cmp.Compare(a.Header.Seq, b.Header.Seq) })
		pending = retry
		resent += len(retry)
	}
}

// CrossCheck ingests the same random histories (seeds of them), in
// different random orders and batch splits, into fresh stores from each
// opener, and requires every store to end with exactly the heads the
// history defines and in exactly the same state (Snapshot), whatever the
// backend and the arrival order. Run calls it with its one backend; a
// backend's tests may call it with several to compare them.
func CrossCheck(t *testing.T, seeds int, opens ...func(t *testing.T) store.Store) {
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		hi := randomHistory(t, seed)
		wantHeads := hi.heads()
		var want string
		for i, open := range opens {
			for variant := range uint64(2) {
				s := open(t)
				x := h{t: t, s: s, ctx: context.Background()}
				r := rand.New(rand.NewPCG(seed, uint64(i)*10+variant))
				deliver(t, x, r, hi.delivery(r))
				if got := x.heads(); !slices.Equal(got, wantHeads) {
					t.Fatalf("seed %d, store %d, variant %d: heads\n got %+v\nwant %+v", seed, i, variant, got, wantHeads)
				}
				got := Snapshot(t, s, hi.accounts...)
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if want == "" {
					want = got
					continue
				}
				if got != want {
					t.Fatalf("seed %d, store %d, variant %d: state differs:\n--- got\n%s\n--- want\n%s", seed, i, variant, got, want)
				}
			}
		}
	}
}
