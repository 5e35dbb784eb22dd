package store

import "time"

// An entry's time is where feeds show and order it: the author's claimed
// timestamp when it is plausible, else the time the entry arrived at this
// store. It is display order only; no rule depends on it (DESIGN.md "Order
// never depends on a clock").
//
// A claim is plausible when it is not after the arrival by more than
// ClockSkew: no entry can have been written after it arrived, so a claim
// from the future is a clock that is wrong (or a peer that wants to stay
// on top) and the entry sorts by its arrival instead. Within a log, seq
// is authoritative: an entry's time is never before the time of the entry
// before it in its log, so an entry never sorts above a later entry of its
// own log (an author whose clock stepped back, or whose earlier entry
// sorted by arrival, stays in order). Likewise a reply's time is never
// before the time of the post it answers, when that post is held when
// the reply arrives (a causal reference across logs: a conversation reads
// in order even when two clocks disagree by a few milliseconds). Hence,
// by induction, an entry's time is at most its arrival + ClockSkew:
// nobody stays above the entries that arrive after theirs for longer than
// ClockSkew.
//
// Time is fixed when the entry is stored and never changes, so a feed
// paged by (Time, Cursor) holds its place while entries arrive.

// ClockSkew is how far in the future of its arrival an author's claimed
// time may be and still count: clocks of honest devices disagree by
// seconds, rarely by minutes.
const ClockSkew = 10 * time.Minute

// Clock returns the current time in milliseconds since the Unix epoch: a
// store stamps each entry's arrival with it.
type Clock func() int64

// SystemClock is the clock of this machine.
func SystemClock() int64 { return time.Now().UnixMilli() }

// EntryTime returns the time of an entry whose author claimed claimed
// (the header's timestamp, ms since the epoch), that arrived at arrived,
// and that may not sort before prev: the greater of the time of its
// predecessor in its log (0 at seq 1) and, for a reply, the time of the
// post it answers (0 when that is not held).
func EntryTime(claimed uint64, arrived, prev int64) int64 {
	t := arrived
	if claimed <= uint64(max(arrived, 0))+uint64(ClockSkew.Milliseconds()) {
		t = int64(claimed)
	}
	return max(t, prev)
}

// TimeKey is an entry's place in time order: its Time, then its Cursor
// (arrival order, which within a log is seq order). Keys of a store's
// entries are distinct, since cursors are.
type TimeKey struct {
	Time   int64
	Cursor int64
}

// Compare orders keys: -1 when k sorts before o (older), +1 after.
func (k TimeKey) Compare(o TimeKey) int {
	switch {
	case k.Time < o.Time:
		return -1
	case k.Time > o.Time:
		return 1
	case k.Cursor < o.Cursor:
		return -1
	case k.Cursor > o.Cursor:
		return 1
	}
	return 0
}

// Key returns the entry's place in time order.
func (s *Stored) Key() TimeKey { return TimeKey{Time: s.Time, Cursor: s.Cursor} }
