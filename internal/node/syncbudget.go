package node

import "github.com/kithnet/kith/internal/replicate"

// newSyncBudget is the one budget the network's sync engine gives all its
// sessions: what they keep together of what their peers teach them in
// reconciliations and HAVEs (doc/protocol/sync.md, "Reconciliation
// state").
func newSyncBudget() *replicate.Budget { return replicate.NewBudget(replicate.DefaultBudget) }

// SyncBudget returns how much of that budget the running sync sessions
// use, the most they used at once since the network started, and the
// bound; zero when the network does not run.
func (n *Node) SyncBudget() replicate.BudgetUsage {
	nw := n.net.Load()
	if nw == nil {
		return replicate.BudgetUsage{}
	}
	return nw.engine.Budget().Usage()
}
