package festival

import (
	"fmt"
	"time"
)

// Window is a half-open interval of stated times, Start ≤ t < End, in
// seconds since 1970-01-01T00:00:00Z (festival.md §1).
type Window struct{ Start, End uint64 }

// Overlaps reports whether w and o share an instant (touching windows do
// not).
func (w Window) Overlaps(o Window) bool { return w.Start < o.End && o.Start < w.End }

// Within reports whether w lies inside o.
func (w Window) Within(o Window) bool { return o.Start <= w.Start && w.End <= o.End }

// Contains reports whether t lies in w.
func (w Window) Contains(t uint64) bool { return w.Start <= t && t < w.End }

// Duration is the window's length in seconds.
func (w Window) Duration() uint64 { return w.End - w.Start }

// String writes the window in UTC, as "2026-07-04 20:00–22:00" within a
// day and "2026-07-04 20:00–2026-07-05 02:00" across days.
func (w Window) String() string {
	s := time.Unix(int64(w.Start), 0).UTC()
	e := time.Unix(int64(w.End), 0).UTC()
	if s.Format(time.DateOnly) == e.Format(time.DateOnly) {
		return s.Format("2006-01-02 15:04") + "–" + e.Format("15:04") + " UTC"
	}
	return s.Format("2006-01-02 15:04") + "–" + e.Format("2006-01-02 15:04") + " UTC"
}

// checkWindow says why w cannot be a window of at most maxLen seconds ("" when
// it can).
func checkWindow(w Window, maxLen uint64) string {
	if w.End > MaxTime {
		return fmt.Sprintf("%d exceeds the limit %d", w.End, uint64(MaxTime))
	}
	if w.Start >= w.End {
		return fmt.Sprintf("start %d is not before end %d", w.Start, w.End)
	}
	if maxLen > 0 && w.Duration() > maxLen {
		return fmt.Sprintf("lasts %d s, want at most %d (31 days)", w.Duration(), maxLen)
	}
	return ""
}
