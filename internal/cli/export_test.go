package cli

import "time"

// SetProgressEvery sets the least time between two progress lines, for a
// test, and returns a function that restores it.
func SetProgressEvery(d time.Duration) (restore func()) {
	old := progressEvery
	progressEvery = d
	return func() { progressEvery = old }
}
