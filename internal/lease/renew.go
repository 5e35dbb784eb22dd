package lease

import "time"

// Back-off of the asker after a failed request (services.md §9).
const (
	FirstRetry = time.Minute
	MaxRetry   = time.Hour
)

// End is when a lease granted for seconds ends by the asker's clock,
// measured from when it sent the request: never later than the holder's
// end, since the holder granted after that.
func End(sent time.Time, seconds uint64) time.Time {
	return sent.Add(time.Duration(seconds) * time.Second)
}

// RenewAt is when the asker asks again: half the period after it sent the
// request that was granted.
func RenewAt(sent time.Time, seconds uint64) time.Time {
	return sent.Add(time.Duration(seconds) * time.Second / 2)
}

// Retry is when the asker tries again after its failures-th failure in a
// row (1 for the first) at now: FirstRetry doubling to MaxRetry, and
// never after end when end is still ahead (zero end: no lease runs).
func Retry(now time.Time, failures int, end time.Time) time.Time {
	d := FirstRetry
	for i := 1; i < failures && d < MaxRetry; i++ {
		d *= 2
	}
	d = min(d, MaxRetry)
	at := now.Add(d)
	if !end.IsZero() && end.After(now) && at.After(end) {
		return end
	}
	return at
}
