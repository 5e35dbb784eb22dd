package dropbox

import (
	"errors"
	"testing"
	"time"
)

func k32(b byte, i int) (k [32]byte) {
	k[0], k[1], k[2] = b, byte(i>>8), byte(i)
	return k
}

var t0 = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

func letterOf(recipient, key, depositor [32]byte, n int) Held {
	return Held{ID: k32(0xee, n), Recipient: recipient, Key: key, Depositor: depositor, Size: 1000}
}

func refusal(t *testing.T, err error, code uint64) {
	t.Helper()
	var r *Refusal
	if !errors.As(err, &r) || r.Code != code {
		t.Fatalf("error %v, want a refusal with code %d", err, code)
	}
}

// Issue 14 item 5, bad input: a flood of letters from fresh keys (and
// fresh depositing devices) for one recipient fills the strangers' share
// and is refused from then on; a followed sender's letter is still taken;
// no letter within its time is pushed out by either.
func TestBoxFloodNeverPushesOutFollowed(t *testing.T) {
	l := DefaultLimits()
	b := NewBox(l)
	alice := k32(0xa1, 0)
	friend := k32(0xf0, 1)
	b.SetFollows(alice, [][32]byte{friend})
	// A followed sender's letter first.
	first, _, err := b.Admit(t0, letterOf(alice, friend, friend, 1))
	if err != nil || !first.Followed {
		t.Fatalf("the friend's letter: %+v, %v; want taken as followed", first, err)
	}
	refused := 0
	for i := range 1000 {
		_, _, err := b.Admit(t0.Add(time.Duration(i)*time.Second), letterOf(alice, k32(0x10, i), k32(0x20, i), 100+i))
		if err != nil {
			refusal(t, err, RefuseLimit)
			refused++
		}
	}
	if refused != 1000-l.Strangers {
		t.Fatalf("%d of 1000 fresh senders refused, want %d (the recipient's strangers' share is %d)", refused, 1000-l.Strangers, l.Strangers)
	}
	s := b.Stats()
	if s.Letters != l.Strangers+1 || s.Strangers != l.Strangers {
		t.Fatalf("stats %+v, want %d letters of which %d strangers'", s, l.Strangers+1, l.Strangers)
	}
	// The friend's letter is still held, and a new one of the friend is
	// still taken.
	if w := b.Waiting(alice, 1); len(w) != 1 || w[0].ID != first.ID {
		t.Fatalf("oldest waiting %+v, want the friend's letter", w)
	}
	if _, _, err := b.Admit(t0.Add(time.Hour), letterOf(alice, friend, friend, 2)); err != nil {
		t.Fatalf("the friend's second letter after the flood: %v", err)
	}
	// The flood for other recipients stays within half the hub's total.
	small := Limits{LetterBytes: MaxLetter, Keep: time.Hour, PerSender: 4, Strangers: 64, Followed: 256, TotalBytes: 100 * 1000, FollowsKeys: 10, Recipients: 2000}
	b = NewBox(small)
	b.SetFollows(alice, [][32]byte{friend})
	taken := 0
	for i := range 1000 {
		b.SetFollows(k32(0xb0, i), nil)
		if _, _, err := b.Admit(t0, letterOf(k32(0xb0, i), k32(0x10, i), k32(0x20, i), i)); err == nil {
			taken++
		} else {
			refusal(t, err, RefuseLimit)
		}
	}
	if taken != 50 || b.Stats().Bytes != 50*1000 {
		t.Fatalf("%d strangers' letters taken, %d bytes; want 50 (half of 100,000 bytes)", taken, b.Stats().Bytes)
	}
	if _, _, err := b.Admit(t0, letterOf(alice, friend, friend, 5000)); err != nil {
		t.Fatalf("a followed sender's letter with the strangers' half full: %v", err)
	}
}

// Per sender: a letter key, or a depositing device, has at most PerSender
// letters waiting for one recipient.
func TestBoxPerSender(t *testing.T) {
	b := NewBox(DefaultLimits())
	alice := k32(0xa1, 0)
	b.SetFollows(alice, nil)
	for i := range 4 {
		if _, _, err := b.Admit(t0, letterOf(alice, k32(0x10, 0), k32(0x20, i), i)); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := b.Admit(t0, letterOf(alice, k32(0x10, 0), k32(0x20, 9), 9))
	refusal(t, err, RefuseLimit)
	// Fresh keys from one depositing device.
	for i := range 4 {
		if _, _, err := b.Admit(t0, letterOf(alice, k32(0x11, i), k32(0x21, 0), 10+i)); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = b.Admit(t0, letterOf(alice, k32(0x11, 9), k32(0x21, 0), 19))
	refusal(t, err, RefuseLimit)
	// Too large.
	h := letterOf(alice, k32(0x12, 0), k32(0x22, 0), 30)
	h.Size = MaxLetter + 1
	_, _, err = b.Admit(t0, h)
	refusal(t, err, RefuseLimit)
	// The same letter again is taken without change.
	again, _, err := b.Admit(t0.Add(time.Hour), letterOf(alice, k32(0x10, 0), k32(0x20, 0), 0))
	if err != nil || !again.Received.Equal(t0) {
		t.Fatalf("a letter held, deposited again: %+v %v", again, err)
	}
}

// Expiry is the hub's rule on its own clock: Keep after the hub received
// a letter, whatever else; 14 days by default. Collected letters go at
// once.
func TestBoxExpiry(t *testing.T) {
	b := NewBox(DefaultLimits())
	alice := k32(0xa1, 0)
	b.SetFollows(alice, nil)
	a, _, _ := b.Admit(t0, letterOf(alice, k32(0x10, 0), k32(0x20, 0), 1))
	c, _, _ := b.Admit(t0.Add(24*time.Hour), letterOf(alice, k32(0x10, 1), k32(0x20, 1), 2))
	if got := b.Expire(t0.Add(14*24*time.Hour - time.Millisecond)); len(got) != 0 {
		t.Fatalf("expired a millisecond before 14 days: %+v", got)
	}
	got := b.Expire(t0.Add(14 * 24 * time.Hour))
	if len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("expired at 14 days: %+v, want the first letter", got)
	}
	if w := b.Waiting(alice, 16); len(w) != 1 || w[0].ID != c.ID {
		t.Fatalf("waiting %+v, want the second letter", w)
	}
	// A deposit drops what expired before it is judged.
	for i := range 3 {
		if _, _, err := b.Admit(t0.Add(2*24*time.Hour), letterOf(alice, k32(0x10, 1), k32(0x20, 5+i), 10+i)); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := b.Admit(t0.Add(2*24*time.Hour), letterOf(alice, k32(0x10, 1), k32(0x20, 9), 20))
	refusal(t, err, RefuseLimit)
	_, expired, err := b.Admit(t0.Add(15*24*time.Hour), letterOf(alice, k32(0x10, 1), k32(0x20, 9), 20))
	if err != nil || len(expired) != 1 || expired[0].ID != c.ID {
		t.Fatalf("a deposit after the sender's first letter expired: %v, expired %+v", err, expired)
	}
	// Collected.
	if got := b.Remove(k32(0xb0, 0), [][32]byte{k32(0xee, 10)}); len(got) != 0 {
		t.Fatalf("another recipient removed %+v", got)
	}
	if got := b.Remove(alice, [][32]byte{k32(0xee, 10), k32(0xee, 11)}); len(got) != 2 {
		t.Fatalf("removed %+v, want 2", got)
	}
	if s := b.Stats(); s.Letters != 2 || s.Bytes != 2000 {
		t.Fatalf("stats %+v, want 2 letters of 2000 bytes", s)
	}
}

// Restore keeps reception times, classes and the arrival order.
func TestBoxRestore(t *testing.T) {
	b := NewBox(DefaultLimits())
	alice := k32(0xa1, 0)
	b.SetFollows(alice, [][32]byte{k32(0x10, 0)})
	x, _, _ := b.Admit(t0, letterOf(alice, k32(0x10, 0), k32(0x20, 0), 1))
	y, _, _ := b.Admit(t0.Add(time.Hour), letterOf(alice, k32(0x10, 1), k32(0x20, 1), 2))
	r := NewBox(DefaultLimits())
	r.SetFollows(alice, [][32]byte{k32(0x10, 0)})
	r.Restore(*y)
	r.Restore(*x)
	w := r.Waiting(alice, 16)
	if len(w) != 2 || w[0] != *x || w[1] != *y {
		t.Fatalf("restored %+v, want %+v then %+v", w, *x, *y)
	}
	z, _, _ := r.Admit(t0.Add(2*time.Hour), letterOf(alice, k32(0x10, 2), k32(0x20, 2), 3))
	if z.Seq != 3 {
		t.Fatalf("the next arrival after a restore is %d, want 3", z.Seq)
	}
	if s := r.Stats(); s.Strangers != 2 || s.Bytes != 3000 {
		t.Fatalf("stats %+v", s)
	}
}

// A hub takes letters only for recipients that collected there; one
// depositing device has at most Strangers letters waiting hub-wide,
// whatever recipients it names; the follows kept are bounded.
func TestBoxEnrolmentAndBounds(t *testing.T) {
	l := DefaultLimits()
	l.FollowsKeys = 3
	b := NewBox(l)
	_, _, err := b.Admit(t0, letterOf(k32(0xa1, 0), k32(0x10, 0), k32(0x20, 0), 1))
	refusal(t, err, RefuseNotServed)
	// One device, many recipients.
	taken := 0
	for i := range 200 {
		b.SetFollows(k32(0xb0, i), nil)
		if _, _, err := b.Admit(t0, letterOf(k32(0xb0, i), k32(0x10, i), k32(0x20, 0), 10+i)); err == nil {
			taken++
		}
	}
	if taken != l.Strangers {
		t.Fatalf("one device left %d letters hub-wide, want %d", taken, l.Strangers)
	}
	// Follows over the hub's bound: enrolled, with no keys.
	if err := b.SetFollows(k32(0xc0, 0), [][32]byte{k32(1, 0), k32(1, 1)}); err != nil {
		t.Fatal(err)
	}
	err = b.SetFollows(k32(0xc0, 1), [][32]byte{k32(1, 2), k32(1, 3)})
	refusal(t, err, RefuseLimit)
	if !b.Enrolled(k32(0xc0, 1)) || len(b.Follows(k32(0xc0, 1))) != 0 {
		t.Fatalf("a recipient over the follows bound: enrolled %v with %d keys", b.Enrolled(k32(0xc0, 1)), len(b.Follows(k32(0xc0, 1))))
	}
	// Replacing a list frees its keys.
	if err := b.SetFollows(k32(0xc0, 0), nil); err != nil {
		t.Fatal(err)
	}
	if err := b.SetFollows(k32(0xc0, 1), [][32]byte{k32(1, 2), k32(1, 3)}); err != nil {
		t.Fatal(err)
	}
}

// Enrolments are bounded and expire: beyond Recipients a new account is
// refused and not enrolled; an account that collected nothing for Keep and
// has no letter waiting is forgotten, and its place is free again; one
// with a letter waiting, or that collected since, stays.
func TestBoxRecipientsBoundedAndForgotten(t *testing.T) {
	l := DefaultLimits()
	l.Recipients = 3
	b := NewBox(l)
	for i := range 3 {
		if err := b.SetFollowsAt(t0, k32(0xd0, i), nil); err != nil {
			t.Fatal(err)
		}
	}
	err := b.SetFollowsAt(t0, k32(0xd0, 3), nil)
	refusal(t, err, RefuseLimit)
	if b.Enrolled(k32(0xd0, 3)) {
		t.Fatal("a fourth account was enrolled over the bound")
	}
	// The first has a letter waiting; the second collects again later.
	if _, _, err := b.Admit(t0, letterOf(k32(0xd0, 0), k32(0x10, 0), k32(0x20, 0), 1)); err != nil {
		t.Fatal(err)
	}
	b.Touch(t0.Add(l.Keep/2), k32(0xd0, 1))
	if got := b.ForgetIdle(t0.Add(l.Keep - time.Second)); len(got) != 0 {
		t.Fatalf("forgotten before their time: %x", got)
	}
	got := b.ForgetIdle(t0.Add(l.Keep))
	if len(got) != 1 || got[0] != k32(0xd0, 2) || b.Enrolled(k32(0xd0, 2)) {
		t.Fatalf("forgotten at Keep: %x; want only the idle third", got)
	}
	if !b.Enrolled(k32(0xd0, 0)) || !b.Enrolled(k32(0xd0, 1)) {
		t.Fatal("an account with a letter waiting, or that collected since, was forgotten")
	}
	if err := b.SetFollowsAt(t0.Add(l.Keep), k32(0xd0, 3), nil); err != nil {
		t.Fatalf("the freed place: %v", err)
	}
}
