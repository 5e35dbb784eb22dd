package replicate

import "sync"

// DefaultBudget is the node-wide budget, in items, of an engine whose
// Config gives none (doc/protocol/sync.md, "Reconciliation state").
const DefaultBudget = 250_000

// Budget bounds what all the sessions of a node keep together of the heads
// their peers teach them (in the reconciliation and with HAVE): one item is
// one log's record, an open want or a remembered head. A node makes one
// and gives it to its Engine (Config.Budget); every session takes its
// items from it and gives them all back when it ends. Open wants may use
// the whole budget; remembered heads (best effort: heads of logs not
// wanted, heads the peer is known to hold) only its first half, so that
// peers which teach the node nothing it wants cannot leave no room for
// the wants of the others.
//
// A second pool of the same size bounds the logs all sessions serve at
// once (logs their peers want from this node, one record each): a served
// log takes one from it when it is first wanted and gives it back when the
// peer unwants it or the session ends. Safe for concurrent use.
type Budget struct {
	limit int

	mu                  sync.Mutex
	used, peak          int
	serving, servedPeak int
}

// NewBudget returns a budget of items (≤ 0: DefaultBudget), and as many
// served logs.
func NewBudget(items int) *Budget {
	if items <= 0 {
		items = DefaultBudget
	}
	return &Budget{limit: items}
}

// BudgetUsage is a snapshot of a Budget.
type BudgetUsage struct {
	Used  int // items the running sessions keep now
	Peak  int // the most they ever kept at once
	Limit int // of items, and of served logs
	// Serving is the number of logs the running sessions serve now;
	// ServingPeak the most they ever served at once.
	Serving, ServingPeak int
}

// Usage returns the budget's use.
func (b *Budget) Usage() BudgetUsage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return BudgetUsage{Used: b.used, Peak: b.peak, Limit: b.limit, Serving: b.serving, ServingPeak: b.servedPeak}
}

// takeServe takes one served log if there is room.
func (b *Budget) takeServe() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.serving >= b.limit {
		return false
	}
	b.serving++
	b.servedPeak = max(b.servedPeak, b.serving)
	return true
}

func (b *Budget) giveServe(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.serving -= n
}

// take takes one item if the use stays within upTo.
func (b *Budget) take(upTo int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+1 > upTo {
		return false
	}
	b.used++
	b.peak = max(b.peak, b.used)
	return true
}

func (b *Budget) give(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// account is one session's share of its node's Budget: at most maxWants
// open wants (logs wanted from the peer in the session, counted until it
// ends) and maxHeads remembered heads, and the logs it serves. Safe for
// concurrent use (the receiver and the sender take from it).
type account struct {
	node               *Budget
	maxWants, maxHeads int

	mu           sync.Mutex
	wants, heads int
	serving      int
	closed       bool // the session ended: nothing more is taken
}

func newAccount(node *Budget, maxWants, maxHeads int) *account {
	return &account{node: node, maxWants: maxWants, maxHeads: maxHeads}
}

// takeWant takes one item for an open want: within the session's wants and
// the node's whole budget.
func (a *account) takeWant() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.wants >= a.maxWants || !a.node.take(a.node.limit) {
		return false
	}
	a.wants++
	return true
}

// takeHead takes one item for a remembered head: within the session's
// heads and the first half of the node's budget.
func (a *account) takeHead() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.heads >= a.maxHeads || !a.node.take(a.node.limit/2) {
		return false
	}
	a.heads++
	return true
}

// giveHead gives back a remembered head's item.
func (a *account) giveHead() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.heads == 0 {
		return
	}
	a.heads--
	a.node.give(1)
}

// takeServe takes one served log from the node's pool.
func (a *account) takeServe() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || !a.node.takeServe() {
		return false
	}
	a.serving++
	return true
}

// giveServe gives back a served log's record (the peer unwanted it).
func (a *account) giveServe() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.serving == 0 {
		return
	}
	a.serving--
	a.node.giveServe(1)
}

// retained returns the items the session keeps.
func (a *account) retained() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.wants + a.heads
}

// close gives everything back to the node's budget; the session ended.
func (a *account) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	a.node.give(a.wants + a.heads)
	a.node.giveServe(a.serving)
	a.wants, a.heads, a.serving, a.closed = 0, 0, 0, true
}
