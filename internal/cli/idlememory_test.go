package cli

import "testing"

// TestShouldRelease: a quiet node holding a burst's garbage releases it;
// a busy one, or one whose heap is what the runtime's pacing keeps, does
// not.
func TestShouldRelease(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		name               string
		allocs, heap, live uint64
		want               bool
	}{
		{"quiet after a burst (1M logs)", 1 * mb, 1200 * mb, 40 * mb, true},
		{"quiet, small heap at its pace", 1 * mb, 48 * mb, 20 * mb, false},
		{"quiet after a burst (100k logs)", 1 * mb, 56 * mb, 10 * mb, true},
		{"quiet, large heap at its pace", 2 * mb, 390 * mb, 200 * mb, false},
		{"quiet, just over", idleAllocs, 2*40*mb + idleSlack + 1, 40 * mb, true},
		{"quiet, just under", idleAllocs, 2*40*mb + idleSlack, 40 * mb, false},
		{"busy after a burst", idleAllocs + 1, 1200 * mb, 40 * mb, false},
	} {
		if got := shouldRelease(tc.allocs, tc.heap, tc.live); got != tc.want {
			t.Errorf("%s: shouldRelease(%d, %d, %d) = %v, want %v", tc.name, tc.allocs, tc.heap, tc.live, got, tc.want)
		}
	}
}
