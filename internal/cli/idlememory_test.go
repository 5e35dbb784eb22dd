package cli

import (
	"testing"
	"time"
)

// TestIdleTrim: a node releases once after a burst when it goes quiet,
// not while busy, not twice within idleGap; once more idleSettle into a
// quiet spell, and then not again until the next burst; and when its
// heap is well over what the runtime's pacing keeps.
func TestIdleTrim(t *testing.T) {
	const mb = 1 << 20
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	var tr idleTrim
	steps := []struct {
		at                 float64
		allocs, heap, live uint64
		want               bool
		what               string
	}{
		{0, 1 * mb, 30 * mb, 10 * mb, false, "quiet start, heap at its pace"},
		{2, 200 * mb, 400 * mb, 10 * mb, false, "busy"},
		{4, 100 * mb, 500 * mb, 10 * mb, false, "still busy"},
		{6, 1 * mb, 500 * mb, 10 * mb, true, "quiet after the burst"},
		{8, 1 * mb, 30 * mb, 10 * mb, false, "quiet, released"},
		{10, 30 * mb, 60 * mb, 10 * mb, false, "a small burst"},
		{12, 1 * mb, 60 * mb, 10 * mb, false, "quiet within idleGap of the release"},
		{16, 1 * mb, 60 * mb, 10 * mb, true, "quiet, idleGap after the release: the small burst"},

		{18, 1 * mb, 30 * mb, 10 * mb, false, "quiet 6 s since the first quiet check"},
		{26, 1 * mb, 30 * mb, 10 * mb, true, "quiet over idleSettle, idleGap after the release: settle"},
		{30, 1 * mb, 30 * mb, 10 * mb, false, "quiet, released 4 s ago"},
		{100, 1 * mb, 30 * mb, 10 * mb, false, "quiet long after: settled once"},
		{200, 1 * mb, 80 * mb, 20 * mb, true, "quiet, heap 16 MB over twice the live heap"},
		{210, 1 * mb, 56 * mb, 20 * mb, false, "quiet, heap at twice the live heap and 16 MB"},
	}
	for _, s := range steps {
		if got := tr.check(at(s.at), s.allocs, s.heap, s.live); got != s.want {
			t.Fatalf("at %.0f s (%s): release %v, want %v", s.at, s.what, got, s.want)
		}
	}
}
