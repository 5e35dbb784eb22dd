package replicate

// Reconciliation parameters (doc/protocol/sync.md, "Reconciliation").
const (
	// ListThreshold: a side that finds a range's fingerprint differing
	// answers with a list of its items there when it holds at most this
	// many, and otherwise splits the range.
	ListThreshold = 16
	// SplitParts is the number of sub-ranges of equal item count a
	// differing range is split into.
	SplitParts = 16
	// ReconcileBudget bounds the encoded ranges of one RECONCILE this side
	// writes; what does not fit is left to a fingerprint of the rest.
	ReconcileBudget = 1 << 20
)

// Reconciler is one side's part of a reconciliation against a snapshot of
// its offer set. It keeps no state between rounds: everything a round
// needs is in the message it answers. It is not safe for concurrent use.
type Reconciler struct {
	set    *ItemSet
	budget int
	// lazy, while set is nil: the offer set's size and fingerprint,
	// known without the set (offerset.go, lazyStart), and how to build
	// the set once a message needs more than that one fingerprint.
	lazy *lazySet

	learned []Item // reused from range to range (answer.add)
}

// NewReconciler reconciles set. budget bounds the encoded size of the
// ranges of one message (0: ReconcileBudget).
func NewReconciler(set *ItemSet, budget int) *Reconciler {
	if budget <= 0 {
		budget = ReconcileBudget
	}
	return &Reconciler{set: set, budget: budget}
}

// lazySet is an offer set known by its size and fingerprint only, until
// build makes it.
type lazySet struct {
	count int
	fp    Fingerprint
	build func() (*ItemSet, error)
}

// newLazyReconciler reconciles a set of count items (more than
// ListThreshold: the first message of a smaller one is a list of them)
// whose fingerprint is fp, built by build only when a message needs
// more than the whole set's fingerprint: a peer in sync costs no read of
// the set. build's error ends the answer that needed it.
func newLazyReconciler(count int, fp Fingerprint, build func() (*ItemSet, error)) *Reconciler {
	if count <= ListThreshold {
		panic("replicate: a lazy offer set of at most ListThreshold items: its first message is a list")
	}
	return &Reconciler{budget: ReconcileBudget, lazy: &lazySet{count: count, fp: fp, build: build}}
}

// ensure builds the set of a lazy Reconciler.
func (r *Reconciler) ensure() error {
	if r.set != nil {
		return nil
	}
	set, err := r.lazy.build()
	if err != nil {
		return err
	}
	r.set, r.lazy = set, nil
	return nil
}

// Built reports whether the set is at hand (a lazy Reconciler builds it
// when a message first needs it).
func (r *Reconciler) Built() bool { return r.set != nil }

// Start returns the ranges of the initiator's first message: a list of all
// its items when it has at most ListThreshold, else one fingerprint of the
// whole key space.
func (r *Reconciler) Start() []Range {
	if r.set == nil { // lazy: more than ListThreshold items
		return []Range{{Mode: ModeFingerprint, Fingerprint: r.lazy.fp}}
	}
	n := r.set.Len()
	if n <= ListThreshold {
		return []Range{{Mode: ModeList, Items: r.set.items[:n:n]}}
	}
	return []Range{{Mode: ModeFingerprint, Fingerprint: r.set.fingerprint(0, n)}}
}

// Round is what one incoming message leads to.
type Round struct {
	// Send says that Reply must be sent: the incoming message asked for
	// an answer (it held a fingerprint or a list). Reply may be empty.
	Send  bool
	Reply []Range
	// Done says that the reconciliation is over for this side once Reply
	// (if Send) has been sent: nothing more will come that needs answering.
	Done bool
	// Learned are the peer's items, from its lists and replies, that this
	// side's set lacks or holds with another head.
	Learned []Item
}

// Respond answers one incoming message.
func (r *Reconciler) Respond(in []Range) Round {
	var learned []Item
	round, _ := r.RespondEach(in, func(its []Item) error {
		learned = append(learned, its...)
		return nil
	})
	round.Learned = learned
	return round
}

// RespondEach answers one incoming message like Respond, but hands the
// items learned to learn as it finds them, a range at a time (at most
// MaxListItems at once, in a slice it reuses: learn must not keep it),
// instead of collecting them in Round.Learned: a message that teaches
// 18,560 items costs no memory for them. An error of learn ends the round
// and is returned.
func (r *Reconciler) RespondEach(in []Range, learn func([]Item) error) (Round, error) {
	a := r.answer()
	if err := a.add(in, learn); err != nil {
		return Round{}, err
	}
	return a.finish(), nil
}

// answer starts the answer to an incoming message whose ranges come in
// parts (add), as a reader decodes them. The Reconciler serves one answer
// at a time.
func (r *Reconciler) answer() *answer {
	return &answer{r: r, b: rangeBuilder{budget: r.budget}}
}

// answer is the answer to one incoming message in the making.
type answer struct {
	r     *Reconciler
	b     rangeBuilder
	send  bool
	lo    int  // index of the first own item in the next range
	some  bool // a range was added
	ended bool // a range ended at the end of the key space
}

// add answers the next ranges of the message, which continue those added
// before; the items learned go to learn as in RespondEach.
func (a *answer) add(in []Range, learn func([]Item) error) error {
	r, b := a.r, &a.b
	for k := range in {
		if a.ended {
			return nil
		}
		rg := &in[k]
		if r.set == nil {
			// Lazy: the one range a peer in sync sends, the whole key
			// space with the fingerprint of the same set, is answered
			// without the set; anything else builds it.
			if a.lo == 0 && !a.some && rg.Upper == nil && rg.Mode == ModeFingerprint && rg.Fingerprint == r.lazy.fp {
				a.send, a.some, a.ended = true, true, true
				b.skip(nil)
				return nil
			}
			if err := r.ensure(); err != nil {
				return err
			}
		}
		a.some = true
		lo := a.lo
		hi := max(lo, r.set.search(rg.Upper))
		mine := r.set.items[lo:hi:hi]
		switch rg.Mode {
		case ModeFingerprint, ModeList:
			a.send = true
		}
		switch rg.Mode {
		case ModeSkip:
			b.skip(rg.Upper)
		case ModeFingerprint:
			switch {
			case r.set.fingerprint(lo, hi) == rg.Fingerprint:
				b.skip(rg.Upper)
			case hi-lo <= ListThreshold:
				b.add(r.set, lo, Range{Upper: rg.Upper, Mode: ModeList, Items: mine})
			default:
				r.split(b, lo, hi, rg.Upper)
			}
		case ModeList, ModeReply:
			if r.learned = appendDiff(r.learned[:0], rg.Items, mine); len(r.learned) > 0 {
				if err := learn(r.learned); err != nil {
					return err
				}
			}
			if rg.Mode == ModeReply {
				b.skip(rg.Upper)
				break
			}
			r.reply(b, lo, appendDiff(nil, mine, rg.Items), rg.Upper)
		}
		a.lo = hi
		a.ended = rg.Upper == nil
	}
	return nil
}

// finish returns the round once all the message's ranges were added.
func (a *answer) finish() Round {
	round := Round{Send: a.send, Reply: a.b.finish()}
	if round.Send {
		round.Done = !NeedsAnswer(round.Reply)
	} else {
		round.Reply, round.Done = nil, true
	}
	return round
}

// split adds SplitParts fingerprint ranges of about equal item count
// covering a range that holds own items lo..hi-1 (more than ListThreshold)
// and ends at upper.
func (r *Reconciler) split(b *rangeBuilder, lo, hi int, upper []byte) {
	n := hi - lo
	from := lo
	for p := 1; p <= SplitParts; p++ {
		end := hi
		up := upper
		if p < SplitParts {
			end = r.splitPoint(lo+p*n/SplitParts, n/SplitParts/4, from+1, hi-(SplitParts-p))
			a, c := r.set.key(end-1), r.set.key(end)
			up = between(&a, &c)
		}
		if !b.add(r.set, from, Range{Upper: up, Mode: ModeFingerprint, Fingerprint: r.set.fingerprint(from, end)}) {
			return
		}
		from = end
	}
}

// splitPoint picks the index at which a part ends: the one within slack of
// ideal (and within first..last) where the bound separating it from the
// item before is shortest, nearest to ideal among those. Logs of one author
// share a 32-byte prefix, so this puts bounds between authors when it can,
// and a bound of a few bytes costs less than one of 33.
func (r *Reconciler) splitPoint(ideal, slack, first, last int) int {
	best, bestLen := -1, KeySize+1
	for d := 0; d <= slack; d++ {
		for _, c := range [2]int{ideal - d, ideal + d} {
			if c < first || c > last {
				continue
			}
			a, k := r.set.key(c-1), r.set.key(c)
			if l := sharedPrefix(&a, &k); l < bestLen {
				best, bestLen = c, l
			}
		}
	}
	if best < 0 {
		return min(max(ideal, first), last)
	}
	return best
}

// reply adds the own items diff, which lie in a range that ends at upper
// and whose first own item has index lo, as reply ranges of at most
// MaxListItems items each.
func (r *Reconciler) reply(b *rangeBuilder, lo int, diff []Item, upper []byte) {
	if len(diff) == 0 {
		b.skip(upper)
		return
	}
	for len(diff) > 0 {
		n := min(len(diff), MaxListItems)
		up := upper
		if n < len(diff) {
			a, c := keyOf(diff[n-1].Log), keyOf(diff[n].Log)
			up = between(&a, &c)
		}
		if !b.add(r.set, lo, Range{Upper: up, Mode: ModeReply, Items: diff[:n:n]}) {
			return
		}
		diff = diff[n:]
		if up != nil {
			lo = r.set.search(up)
		}
	}
}

// appendDiff appends the items of theirs (sorted) that ours (sorted) lacks
// or holds with another head.
func appendDiff(dst, theirs, ours []Item) []Item {
	j := 0
	for _, t := range theirs {
		tk := keyOf(t.Log)
		for j < len(ours) {
			ok := keyOf(ours[j].Log)
			if string(ok[:]) >= string(tk[:]) {
				break
			}
			j++
		}
		if j < len(ours) && ours[j].Log == t.Log && ours[j].Seq == t.Seq && ours[j].Head == t.Head {
			continue
		}
		dst = append(dst, t)
	}
	return dst
}

// NeedsAnswer reports whether a message with these ranges asks the
// receiver for an answer: it holds a fingerprint or a list.
func NeedsAnswer(rs []Range) bool {
	for i := range rs {
		if rs[i].Mode == ModeFingerprint || rs[i].Mode == ModeList {
			return true
		}
	}
	return false
}

// rangeBuilder collects the ranges of one message: it merges adjacent
// skips, drops a trailing skip, and keeps the message within its budget by
// replacing everything from the first range that does not fit to the end of
// the key space with one fingerprint.
type rangeBuilder struct {
	ranges []Range
	size   int
	budget int
	full   bool // the rest of the key space was covered by one fingerprint
	useful bool // a range other than a skip was added
}

func (b *rangeBuilder) skip(upper []byte) {
	if b.full {
		return
	}
	if n := len(b.ranges); n > 0 && b.ranges[n-1].Mode == ModeSkip {
		b.size -= len(b.ranges[n-1].Upper)
		b.ranges[n-1].Upper = upper
		b.size += len(upper)
		return
	}
	b.ranges = append(b.ranges, Range{Upper: upper, Mode: ModeSkip})
	b.size += rangeSize(&b.ranges[len(b.ranges)-1])
}

// add appends rg, which starts where the ranges so far end and whose first
// own item has index lo in set. If rg does not fit the budget (and something
// useful was already added), it appends instead one fingerprint of set from
// there to the end of the key space and reports false: the builder is full.
func (b *rangeBuilder) add(set *ItemSet, lo int, rg Range) bool {
	if b.full {
		return false
	}
	size := rangeSize(&rg)
	if b.useful && b.size+size > b.budget {
		b.ranges = append(b.ranges, Range{Mode: ModeFingerprint, Fingerprint: set.fingerprint(lo, set.Len())})
		b.full = true
		return false
	}
	b.ranges = append(b.ranges, rg)
	b.size += size
	b.useful = true
	return true
}

// finish returns the ranges with a trailing skip dropped.
func (b *rangeBuilder) finish() []Range {
	if n := len(b.ranges); n > 0 && b.ranges[n-1].Mode == ModeSkip {
		b.ranges = b.ranges[:n-1]
	}
	return b.ranges
}
