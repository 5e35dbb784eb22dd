package dropbox

import (
	"fmt"
	"slices"
	"time"
)

// Limits are a hub's dropbox limits (services.md §8, doc/config.md
// [hub.dropbox]).
type Limits struct {
	LetterBytes int           // the largest letter taken, ≤ MaxLetter
	Keep        time.Duration // how long a letter is kept after it arrived
	PerSender   int           // letters one sender may have waiting for one recipient
	Strangers   int           // strangers' letters kept for one recipient
	Followed    int           // followed senders' letters kept for one recipient
	TotalBytes  int64         // bytes of all letters; strangers' take at most half
	FollowsKeys int           // device keys of all recipients' follows the hub keeps
	// Recipients bounds the accounts enrolled at once (those a device of
	// which collected here); an account that collected nothing for Keep
	// and has no letter waiting is forgotten (ForgetIdle), so throwaway
	// accounts enrolling cost the hub a bounded, expiring state.
	Recipients int
}

// DefaultLimits are kith's defaults.
func DefaultLimits() Limits {
	return Limits{LetterBytes: MaxLetter, Keep: 14 * 24 * time.Hour, PerSender: 4, Strangers: 64, Followed: 256, TotalBytes: 256 << 20, FollowsKeys: 1 << 18, Recipients: 1 << 16}
}

// Held is one letter a hub keeps, without its bytes.
type Held struct {
	ID        [32]byte
	Recipient [32]byte // the recipient's account
	Key       [32]byte // the letter's key
	Depositor [32]byte // the device that deposited it
	Size      int
	Received  time.Time // by the hub's clock
	Followed  bool      // a followed sender's, when it arrived
	Seq       uint64    // the hub's arrival order
}

// Refusal is a hub's refusal of a deposit: a code of services.md §8.1 and
// a reason in words.
type Refusal struct {
	Code   uint64
	Reason string
}

func (r *Refusal) Error() string { return r.Reason }

// Box holds what a hub keeps of the dropbox (services.md §8.4): the
// letters held for each recipient and the latest follows each recipient's
// collector sent. It only ever drops a letter when its time is up or its
// recipient has kept it: nothing is pushed out.
type Box struct {
	limits        Limits
	letters       map[[32]byte]*Held
	byRecipient   map[[32]byte][]*Held // in arrival order
	follows       map[[32]byte]map[[32]byte]bool
	lastCollect   map[[32]byte]time.Time // by the hub's clock: SetFollows or Touch
	followsKeys   int                    // keys in follows, all recipients
	totalBytes    int64
	strangerBytes int64
	seq           uint64
}

// NewBox returns an empty box with limits.
func NewBox(l Limits) *Box {
	return &Box{limits: l, letters: map[[32]byte]*Held{}, byRecipient: map[[32]byte][]*Held{}, follows: map[[32]byte]map[[32]byte]bool{}, lastCollect: map[[32]byte]time.Time{}}
}

// Limits returns the box's limits.
func (b *Box) Limits() Limits { return b.limits }

// SetFollows replaces the device keys recipient follows and enrols the
// recipient: the hub takes letters only for recipients a device of which
// has collected (services.md §8.4). When the hub's keys would exceed
// FollowsKeys, the recipient is enrolled with the keys it had (none, if
// new) and a *Refusal says so.
func (b *Box) SetFollows(recipient [32]byte, keys [][32]byte) error {
	return b.SetFollowsAt(time.Time{}, recipient, keys)
}

// SetFollowsAt is SetFollows at now by the hub's clock, which also counts
// as the recipient's latest collection (ForgetIdle). A new recipient when
// Recipients are enrolled already is refused and not enrolled.
func (b *Box) SetFollowsAt(now time.Time, recipient [32]byte, keys [][32]byte) error {
	old, had := b.follows[recipient]
	if !had && len(b.follows) >= b.limits.Recipients {
		return &Refusal{RefuseLimit, fmt.Sprintf("this hub keeps dropboxes for %d accounts, the most it keeps; it takes no new one until one has gone unused for %s", len(b.follows), b.limits.Keep)}
	}
	if !now.IsZero() || !had {
		b.lastCollect[recipient] = now
	}
	if b.followsKeys-len(old)+len(keys) > b.limits.FollowsKeys {
		if !had {
			b.follows[recipient] = map[[32]byte]bool{}
		}
		return &Refusal{RefuseLimit, fmt.Sprintf("this hub keeps %d followed devices for all its dropboxes, the most it keeps; letters from the %d devices you follow count as strangers' here", b.followsKeys, len(keys))}
	}
	m := make(map[[32]byte]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	b.followsKeys += len(m) - len(old)
	b.follows[recipient] = m
	return nil
}

// Touch records a collection by recipient at now (hub's clock) without
// changing its follows.
func (b *Box) Touch(now time.Time, recipient [32]byte) {
	if _, ok := b.follows[recipient]; ok {
		b.lastCollect[recipient] = now
	}
}

// ForgetIdle forgets the recipients that have no letter waiting and
// collected nothing since now - Keep (a recipient restored without a time
// counts from the first call after), and returns them, ascending.
func (b *Box) ForgetIdle(now time.Time) [][32]byte {
	var out [][32]byte
	for r := range b.follows {
		at := b.lastCollect[r]
		if at.IsZero() {
			b.lastCollect[r] = now
			continue
		}
		if len(b.byRecipient[r]) > 0 || now.Before(at.Add(b.limits.Keep)) {
			continue
		}
		b.followsKeys -= len(b.follows[r])
		delete(b.follows, r)
		delete(b.lastCollect, r)
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y [32]byte) int { return slices.Compare(x[:], y[:]) })
	return out
}

// Enrolled reports whether recipient has collected here (SetFollows).
func (b *Box) Enrolled(recipient [32]byte) bool {
	_, ok := b.follows[recipient]
	return ok
}

// Follows returns the device keys recipient follows, ascending.
func (b *Box) Follows(recipient [32]byte) [][32]byte {
	out := make([][32]byte, 0, len(b.follows[recipient]))
	for k := range b.follows[recipient] {
		out = append(out, k)
	}
	slices.SortFunc(out, func(x, y [32]byte) int { return slices.Compare(x[:], y[:]) })
	return out
}

// Restore puts back a letter held before a restart, as it was (its
// reception time and class kept), in the order of its Seq. A letter held
// already is ignored.
func (b *Box) Restore(h Held) {
	if _, ok := b.letters[h.ID]; ok {
		return
	}
	hp := &h
	b.letters[h.ID] = hp
	l := append(b.byRecipient[h.Recipient], hp)
	slices.SortFunc(l, func(x, y *Held) int { return compareSeq(x.Seq, y.Seq) })
	b.byRecipient[h.Recipient] = l
	b.account(hp, 1)
	b.seq = max(b.seq, h.Seq)
}

func compareSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (b *Box) account(h *Held, sign int64) {
	b.totalBytes += sign * int64(h.Size)
	if !h.Followed {
		b.strangerBytes += sign * int64(h.Size)
	}
}

// Admit decides whether the hub takes letter h (ID, Recipient, Key,
// Depositor and Size set) at now, by services.md §8.4's rules, after
// dropping the letters whose time is up (returned, for the caller to
// delete). On success it returns the letter as held (class, reception
// time and arrival order set); else a *Refusal. A letter held already is
// taken again without change.
func (b *Box) Admit(now time.Time, h Held) (*Held, []Held, error) {
	if h.Size > b.limits.LetterBytes {
		return nil, nil, &Refusal{RefuseLimit, fmt.Sprintf("the letter is %d bytes; this hub takes at most %d", h.Size, b.limits.LetterBytes)}
	}
	expired := b.Expire(now)
	if old, ok := b.letters[h.ID]; ok {
		return old, expired, nil
	}
	if !b.Enrolled(h.Recipient) {
		return nil, expired, &Refusal{RefuseNotServed, "this hub keeps no dropbox for that account: none of its devices has collected here; the account names its dropboxes in its hubs"}
	}
	h.Followed = b.follows[h.Recipient][h.Key]
	if !h.Followed {
		waiting := 0
		for _, o := range b.letters {
			if o.Depositor == h.Depositor && !o.Followed {
				waiting++
			}
		}
		if waiting >= b.limits.Strangers {
			return nil, expired, &Refusal{RefuseLimit, fmt.Sprintf("this device has %d letters waiting at this hub, the most it keeps from one device; wait until they are collected", waiting)}
		}
	}
	var fromKey, fromDepositor, strangers, followed int
	for _, o := range b.byRecipient[h.Recipient] {
		if o.Key == h.Key {
			fromKey++
		}
		if o.Depositor == h.Depositor && !o.Followed {
			fromDepositor++
		}
		if o.Followed {
			followed++
		} else {
			strangers++
		}
	}
	switch {
	case fromKey >= b.limits.PerSender:
		return nil, expired, &Refusal{RefuseLimit, fmt.Sprintf("this sender has %d letters waiting for the recipient, the most this hub keeps; wait until they are collected", fromKey)}
	case h.Followed && followed >= b.limits.Followed:
		return nil, expired, &Refusal{RefuseLimit, fmt.Sprintf("the recipient has %d letters waiting, the most this hub keeps; try again once they are collected", followed)}
	case h.Followed && b.totalBytes+int64(h.Size) > b.limits.TotalBytes:
		return nil, expired, &Refusal{RefuseLimit, "this hub's dropbox is full; try again later or another of the recipient's dropboxes"}
	case !h.Followed && fromDepositor >= b.limits.PerSender:
		return nil, expired, &Refusal{RefuseLimit, fmt.Sprintf("this device has %d letters waiting for the recipient, the most this hub keeps; wait until they are collected", fromDepositor)}
	case !h.Followed && strangers >= b.limits.Strangers:
		return nil, expired, &Refusal{RefuseLimit, fmt.Sprintf("the recipient has %d letters waiting from people it does not follow, the most this hub keeps; try again once they are collected", strangers)}
	case !h.Followed && (b.strangerBytes+int64(h.Size) > b.limits.TotalBytes/2 || b.totalBytes+int64(h.Size) > b.limits.TotalBytes):
		return nil, expired, &Refusal{RefuseLimit, "this hub holds as many letters from unknown senders as it keeps; try again later or another of the recipient's dropboxes"}
	}
	b.seq++
	h.Received, h.Seq = now, b.seq
	hp := &h
	b.letters[h.ID] = hp
	b.byRecipient[h.Recipient] = append(b.byRecipient[h.Recipient], hp)
	b.account(hp, 1)
	return hp, expired, nil
}

// Expire drops and returns the letters whose time is up at now: Keep has
// passed since the hub received them, by the hub's clock.
func (b *Box) Expire(now time.Time) []Held {
	var out []Held
	for r, l := range b.byRecipient {
		keep := l[:0]
		for _, h := range l {
			if !now.Before(h.Received.Add(b.limits.Keep)) {
				out = append(out, *h)
				delete(b.letters, h.ID)
				b.account(h, -1)
				continue
			}
			keep = append(keep, h)
		}
		if len(keep) == 0 {
			delete(b.byRecipient, r)
		} else {
			b.byRecipient[r] = keep
		}
	}
	slices.SortFunc(out, func(x, y Held) int { return compareSeq(x.Seq, y.Seq) })
	return out
}

// Remove drops the letters of recipient named in ids (its collector kept
// them) and returns them; ids of other recipients' letters are ignored.
func (b *Box) Remove(recipient [32]byte, ids [][32]byte) []Held {
	var out []Held
	for _, id := range ids {
		h, ok := b.letters[id]
		if !ok || h.Recipient != recipient {
			continue
		}
		out = append(out, *h)
		delete(b.letters, id)
		b.account(h, -1)
		b.byRecipient[recipient] = slices.DeleteFunc(b.byRecipient[recipient], func(o *Held) bool { return o.ID == id })
	}
	if len(b.byRecipient[recipient]) == 0 {
		delete(b.byRecipient, recipient)
	}
	return out
}

// Waiting returns up to n letters held for recipient, oldest first.
func (b *Box) Waiting(recipient [32]byte, n int) []Held {
	l := b.byRecipient[recipient]
	out := make([]Held, 0, min(n, len(l)))
	for _, h := range l[:min(n, len(l))] {
		out = append(out, *h)
	}
	return out
}

// Stats are what a box holds.
type Stats struct {
	Letters, Strangers int
	Bytes              int64
	Recipients         int
}

// Stats returns what the box holds.
func (b *Box) Stats() Stats {
	s := Stats{Letters: len(b.letters), Bytes: b.totalBytes, Recipients: len(b.byRecipient)}
	for _, h := range b.letters {
		if !h.Followed {
			s.Strangers++
		}
	}
	return s
}
