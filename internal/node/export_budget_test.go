package node

import "time"

// SetUnlistedFileBudget sets the budget for unlisted strangers' files
// (MaxUnlistedFileBytes) for a test; the returned func restores it.
func SetUnlistedFileBudget(n int64) func() {
	old := maxUnlistedFileBytes
	maxUnlistedFileBytes = n
	return func() { maxUnlistedFileBytes = old }
}

// SetStateTimer replaces time.After in the node's automatic state
// publishing; call it before the network starts.
func SetStateTimer(n *Node, after func(time.Duration) <-chan time.Time) {
	n.states.init()
	n.states.mu.Lock()
	n.states.after = after
	n.states.mu.Unlock()
}

// StatesPublished is how many states the automatic publishing appended.
func StatesPublished(n *Node) int {
	n.states.mu.Lock()
	defer n.states.mu.Unlock()
	return n.states.published
}
