package node

import "time"

// SetDropboxTimers sets how often a node collects from its dropboxes and
// a hub drops expired letters, for a test; the returned func restores them.
func SetDropboxTimers(poll, expiry time.Duration) func() {
	op, oe := dropboxPoll, dropboxExpiry
	dropboxPoll, dropboxExpiry = poll, expiry
	return func() { dropboxPoll, dropboxExpiry = op, oe }
}
