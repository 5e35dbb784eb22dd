package conversation

import "fmt"

// The consensus methods (conversation.md §4).
const (
	MethodUnanimity         = "unanimity"
	MethodConsent           = "consent"
	MethodMajority          = "majority"
	MethodMajorityOfVoters  = "majority-of-voters"
	MethodQualified         = "qualified"
	MethodQualifiedOfVoters = "qualified-of-voters"
	MethodQuorum            = "quorum"
	MethodApproval          = "approval"
	MethodInstantRunoff     = "instant-runoff"
	MethodSchulze           = "schulze"
	MethodScore             = "score"
	MethodCEL               = "cel"
)

// Tally is what a method reads: the conversation's counts at one point of
// the order.
type Tally struct {
	Participants int // n
	Agree        int
	Disagree     int
	Abstain      int
	Block        int
	// Answered: participants with a position (proposal, debate), a
	// ballot (poll), an answer (invitation: yes counts as Agree, no as
	// Disagree, maybe as Abstain) or an acknowledgement (announcement:
	// counted as Agree; Participants excludes the speaker).
	Answered int
	// Polls: the options, the ballot kind, and the ballots of the
	// participants who cast one (in participant order).
	Options        int
	Ballot         string
	Ballots        [][]uint64
	DeadlinePassed bool
	// Invitations: the limit of places (0: none) and the places taken.
	Places int
	Taken  int
	// Debates: the arguments applied for and against the motion.
	ArgumentsFor     int
	ArgumentsAgainst int
}

// closed reports whether the tally is final enough to count voters: every
// participant answered, or the deadline passed.
func (t *Tally) closed() bool { return t.Answered == t.Participants || t.DeadlinePassed }

// checkMethod checks that p's method fits its pattern and parameters.
func checkMethod(p *Start) error {
	t := TypeStart
	nparams := 0
	poll := false
	switch p.Method {
	case MethodUnanimity, MethodConsent, MethodMajority, MethodMajorityOfVoters:
	case MethodQualified, MethodQualifiedOfVoters:
		nparams = 2
	case MethodQuorum:
		nparams = 1
	case MethodApproval, MethodInstantRunoff, MethodSchulze, MethodScore:
		poll = true
	case MethodCEL:
		return nil
	default:
		return fieldErr(t, "method", "%q is not a consensus method (want one of unanimity, consent, majority, majority-of-voters, qualified, qualified-of-voters, quorum, approval, instant-runoff, schulze, score, cel)", p.Method)
	}
	if len(p.Params) != nparams {
		return fieldErr(t, "params", "method %s takes %d parameters, got %d", p.Method, nparams, len(p.Params))
	}
	if nparams == 2 && (p.Params[1] == 0 || p.Params[0] > p.Params[1] || p.Params[0] == 0) {
		return fieldErr(t, "params", "a qualified majority is [numerator, denominator] with 0 < numerator ≤ denominator, got %v", p.Params)
	}
	if nparams == 1 && p.Params[0] == 0 {
		return fieldErr(t, "params", "a quorum of 0 would hold before anyone speaks")
	}
	if nparams == 1 && p.Participants != nil {
		n := uint64(len(p.Participants))
		if p.Pattern == PatternAnnouncement {
			n-- // the speaker does not acknowledge
		}
		if p.Params[0] > n {
			return fieldErr(t, "params", "a quorum of %d among %d participants who answer can never hold", p.Params[0], n)
		}
	}
	switch {
	case poll && p.Pattern != PatternPoll:
		return fieldErr(t, "method", "%s decides polls; a %s uses unanimity, consent, majority, majority-of-voters, qualified, qualified-of-voters, quorum or cel", p.Method, p.Pattern)
	case !poll && p.Pattern == PatternPoll:
		return fieldErr(t, "method", "%s counts positions; a poll uses approval, instant-runoff, schulze, score or cel", p.Method)
	case p.Pattern == PatternDiscussion:
		return fieldErr(t, "method", "a discussion has no positions to count; use another pattern, or the cel method")
	}
	want := map[string]string{MethodApproval: BallotApproval, MethodInstantRunoff: BallotRanked, MethodSchulze: BallotRanked, MethodScore: BallotScore}[p.Method]
	if poll && p.Ballot != want {
		return fieldErr(t, "ballot", "method %s counts %s ballots, got %q", p.Method, want, p.Ballot)
	}
	return nil
}

// holds evaluates a built-in method (not cel) over t. For a poll it
// returns the winning option, or -1 and a tie.
func holds(method string, params []uint64, t *Tally) (ok bool, winner int) {
	switch method {
	case MethodUnanimity:
		return t.Participants > 0 && t.Agree == t.Participants, -1
	case MethodConsent:
		return t.Block == 0 && t.Agree > 0 && t.closed(), -1
	case MethodMajority:
		return 2*t.Agree > t.Participants, -1
	case MethodMajorityOfVoters:
		v := t.Agree + t.Disagree + t.Block
		return t.closed() && v > 0 && 2*t.Agree > v, -1
	case MethodQualified:
		return uint64(t.Agree)*params[1] >= params[0]*uint64(t.Participants) && t.Agree > 0, -1
	case MethodQualifiedOfVoters:
		v := t.Agree + t.Disagree + t.Block
		return t.closed() && v > 0 && uint64(t.Agree)*params[1] >= params[0]*uint64(v), -1
	case MethodQuorum:
		return uint64(t.Agree) >= params[0], -1
	}
	if !t.closed() || len(t.Ballots) == 0 {
		return false, -1
	}
	switch method {
	case MethodApproval:
		w := unique(Approvals(t.Options, t.Ballots))
		return w >= 0, w
	case MethodScore:
		w := unique(Scores(t.Options, t.Ballots))
		return w >= 0, w
	case MethodInstantRunoff:
		w := InstantRunoff(t.Options, t.Ballots)
		return w >= 0, w
	case MethodSchulze:
		w := Schulze(t.Options, t.Ballots)
		return w >= 0, w
	}
	panic(fmt.Sprintf("conversation: method %q not checked", method))
}

// unique returns the index of the single largest count, or -1 on a tie.
func unique(counts []uint64) int {
	at, tie := -1, false
	for i, c := range counts {
		switch {
		case at < 0 || c > counts[at]:
			at, tie = i, false
		case c == counts[at]:
			tie = true
		}
	}
	if tie {
		return -1
	}
	return at
}

// Approvals counts, per option, the ballots that approve it.
func Approvals(options int, ballots [][]uint64) []uint64 {
	c := make([]uint64, options)
	for _, b := range ballots {
		for _, o := range b {
			c[o]++
		}
	}
	return c
}

// Scores sums, per option, the scores the ballots give it.
func Scores(options int, ballots [][]uint64) []uint64 {
	c := make([]uint64, options)
	for _, b := range ballots {
		for o, s := range b {
			c[o] += s
		}
	}
	return c
}

// FirstChoices counts, per option, the ranked ballots that put it first.
func FirstChoices(options int, ballots [][]uint64) []uint64 {
	c := make([]uint64, options)
	for _, b := range ballots {
		if len(b) > 0 {
			c[b[0]]++
		}
	}
	return c
}

// InstantRunoff returns the instant-runoff winner of ranked ballots, or -1
// on a tie. Each round counts every ballot for its best option still in;
// an option with more than half of the ballots still counting wins;
// otherwise every option with the fewest votes is eliminated at once
// (ties for last are not broken by chance), and if that would eliminate
// every option left, the result is a tie.
func InstantRunoff(options int, ballots [][]uint64) int {
	in := make([]bool, options)
	left := options
	for i := range in {
		in[i] = true
	}
	count := make([]uint64, options)
	for left > 0 {
		clear(count)
		var total uint64
		for _, b := range ballots {
			for _, o := range b {
				if in[o] {
					count[o]++
					total++
					break
				}
			}
		}
		if total == 0 {
			return -1
		}
		fewest := ^uint64(0)
		for o, c := range count {
			if !in[o] {
				continue
			}
			if 2*c > total {
				return o
			}
			fewest = min(fewest, c)
		}
		out := 0
		for o, c := range count {
			if in[o] && c == fewest {
				out++
			}
		}
		if out == left {
			return -1
		}
		for o, c := range count {
			if in[o] && c == fewest {
				in[o] = false
				left--
			}
		}
	}
	return -1
}

// Schulze returns the Schulze (beatpath) winner of ranked ballots, or -1
// when more than one option is undefeated. An option a ballot ranks is
// preferred to every option it leaves out; options left out are tied.
func Schulze(options int, ballots [][]uint64) int {
	n := options
	d := make([]uint64, n*n) // d[a*n+b]: ballots preferring a to b
	rank := make([]int, n)
	for _, b := range ballots {
		for i := range rank {
			rank[i] = len(b)
		}
		for r, o := range b {
			rank[o] = r
		}
		for a := range n {
			for c := range n {
				if rank[a] < rank[c] {
					d[a*n+c]++
				}
			}
		}
	}
	p := make([]uint64, n*n)
	for a := range n {
		for c := range n {
			if a != c && d[a*n+c] > d[c*n+a] {
				p[a*n+c] = d[a*n+c]
			}
		}
	}
	for i := range n {
		for j := range n {
			if i == j {
				continue
			}
			for k := range n {
				if i != k && j != k {
					p[j*n+k] = max(p[j*n+k], min(p[j*n+i], p[i*n+k]))
				}
			}
		}
	}
	winner := -1
	for a := range n {
		beaten := false
		for c := range n {
			if a != c && p[c*n+a] > p[a*n+c] {
				beaten = true
				break
			}
		}
		if !beaten {
			if winner >= 0 {
				return -1
			}
			winner = a
		}
	}
	return winner
}
