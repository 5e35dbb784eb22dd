package node

// SetUnlistedFileBudget sets the budget for unlisted strangers' files
// (MaxUnlistedFileBytes) for a test; the returned func restores it.
func SetUnlistedFileBudget(n int64) func() {
	old := maxUnlistedFileBytes
	maxUnlistedFileBytes = n
	return func() { maxUnlistedFileBytes = old }
}
