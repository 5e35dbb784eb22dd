package village

import (
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

// TestProposalNotVoted: an exclusion proposal lists under Against only the
// locals who voted against; eligible locals who have not voted are in
// NotVoted, open or closed.
func TestProposalNotVoted(t *testing.T) {
	a, b, c, d, e := key(t, 1), key(t, 2), key(t, 3), key(t, 4), key(t, 5)
	w := founded(t, Unanimous, Unanimous, a, b, c, d, e)
	prop := w.post(a, &Exclude{Village: w.village, Subject: accOf(e), Reason: "gone"})
	w.post(b, &ExcludeVote{Village: w.village, Proposal: prop.ID, For: false})
	sorted := func(ks ...identity.PrivateKey) []identity.PublicKey {
		var out []identity.PublicKey
		for _, k := range ks {
			out = append(out, accOf(k))
		}
		slices.SortFunc(out, keyCmp)
		return out
	}
	pr := w.reduce().Proposals[0]
	if pr.Outcome != Open || !slices.Equal(pr.For, sorted(a)) || !slices.Equal(pr.Against, sorted(b)) || !slices.Equal(pr.NotVoted, sorted(c, d)) {
		t.Fatalf("open proposal: for %d, against %d, not voted %d; want a; b; c, d", len(pr.For), len(pr.Against), len(pr.NotVoted))
	}
	// b changes its mind, c and d vote for: passed, nobody against.
	w.post(b, &ExcludeVote{Village: w.village, Proposal: prop.ID, For: true})
	w.post(c, &ExcludeVote{Village: w.village, Proposal: prop.ID, For: true})
	w.post(d, &ExcludeVote{Village: w.village, Proposal: prop.ID, For: true})
	pr = w.reduce().Proposals[0]
	if pr.Outcome != Passed || !slices.Equal(pr.For, sorted(a, b, c, d)) || len(pr.Against) != 0 || len(pr.NotVoted) != 0 {
		t.Fatalf("passed proposal: %s, for %d, against %d, not voted %d", pr.Outcome, len(pr.For), len(pr.Against), len(pr.NotVoted))
	}
}
