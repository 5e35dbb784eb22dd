package scope

import (
	"bytes"
	"sort"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Statement is one follow or block statement of a device's public log,
// as Relations reads it.
type Statement struct {
	Block   bool               // a block statement; else a follow
	Subject identity.PublicKey // the account followed or blocked
	On      bool               // following or blocking; false: un-
	Author  identity.PublicKey // the device that wrote it
	Seq     uint64
	Time    uint64 // the header's timestamp: only between devices
	ID      entry.ID
}

// StatementOf reads a follow or block statement from an entry's header
// and payload; ok is false for anything else (another type, another log,
// no payload, a payload that does not decode).
func StatementOf(h entry.Header, id entry.ID, payload []byte) (Statement, bool) {
	if h.LogID != entry.PublicLog || payload == nil {
		return Statement{}, false
	}
	p, err := content.Decode(payload)
	if err != nil {
		return Statement{}, false
	}
	x := Statement{Author: h.Author, Seq: h.Seq, Time: h.Timestamp, ID: id}
	switch v := p.(type) {
	case *content.Follow:
		x.Subject, x.On = v.Account.Key(), v.Following
	case *content.Block:
		x.Block, x.Subject, x.On = true, v.Account.Key(), v.Blocking
	default:
		return Statement{}, false
	}
	return x, true
}

// Ledger folds one account's follow and block statements, one at a time
// and in any order, into what Relations answers from all of them: per
// subject, each device's latest statement by seq (relation.later), then
// the newest of those across devices (relation.newer). Adding a statement
// costs O(the account's devices), whatever the number of statements held.
// Pure; not safe for concurrent use.
type Ledger struct {
	kinds [2]ledgerKind // 0: follows, 1: blocks
	// latest: the ids of the statements that are some device's latest
	// about some subject (Holds).
	latest map[entry.ID]bool
	// track: added and resets are kept (FollowsSince): added lists the
	// subjects followed since the last change of another kind (an
	// unfollow, a block, an unblock), which resets counts.
	track  bool
	added  []identity.PublicKey
	resets uint64
}

type ledgerKind struct {
	// perDevice: each device's latest statement, by subject; a subject
	// has one element per device that made a statement about it.
	perDevice map[identity.PublicKey][]relation
	on        map[identity.PublicKey]bool // subjects whose settled statement is on
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	l := &Ledger{latest: map[entry.ID]bool{}}
	for i := range l.kinds {
		l.kinds[i] = ledgerKind{perDevice: map[identity.PublicKey][]relation{}, on: map[identity.PublicKey]bool{}}
	}
	return l
}

// Add folds x in and reports whether it changed the subject's answer
// (followed or not, blocked or not). Adding a statement again changes
// nothing.
func (l *Ledger) Add(x Statement) bool {
	k := &l.kinds[0]
	if x.Block {
		k = &l.kinds[1]
	}
	r := relation{on: x.On, author: x.Author, seq: x.Seq, ts: x.Time, id: x.ID}
	devs := k.perDevice[x.Subject]
	i := 0
	for i < len(devs) && devs[i].author != x.Author {
		i++
	}
	switch {
	case i == len(devs):
		devs = append(devs, r)
		k.perDevice[x.Subject] = devs
	case devs[i].later(r):
		delete(l.latest, devs[i].id)
		devs[i] = r
	default:
		return false
	}
	l.latest[r.id] = true
	best := devs[0]
	for _, d := range devs[1:] {
		if best.newer(d) {
			best = d
		}
	}
	was := k.on[x.Subject]
	if best.on {
		k.on[x.Subject] = true
	} else {
		delete(k.on, x.Subject)
	}
	if was != best.on && l.track {
		if !x.Block && best.on {
			l.added = append(l.added, x.Subject)
		} else {
			l.added, l.resets = nil, l.resets+1
		}
	}
	return was != best.on
}

// Holds reports whether the statement id is one that counts: its
// device's latest about its subject. Deleting any other statement changes
// nothing.
func (l *Ledger) Holds(id entry.ID) bool { return l.latest[id] }

// Follows reports whether the account follows subject.
func (l *Ledger) Follows(subject identity.PublicKey) bool { return l.kinds[0].on[subject] }

// Blocks reports whether the account blocks subject.
func (l *Ledger) Blocks(subject identity.PublicKey) bool { return l.kinds[1].on[subject] }

// Following returns the accounts followed, sorted.
func (l *Ledger) Following() []identity.PublicKey { return sortedAccounts(l.kinds[0].on) }

// Blocking returns the accounts blocked, sorted.
func (l *Ledger) Blocking() []identity.PublicKey { return sortedAccounts(l.kinds[1].on) }

// Counts returns how many accounts are followed and how many blocked.
func (l *Ledger) Counts() (follows, blocks int) { return len(l.kinds[0].on), len(l.kinds[1].on) }

// EachFollow calls fn with every account followed, in no order.
func (l *Ledger) EachFollow(fn func(identity.PublicKey)) {
	for a := range l.kinds[0].on {
		fn(a)
	}
}

// EachBlock calls fn with every account blocked, in no order.
func (l *Ledger) EachBlock(fn func(identity.PublicKey)) {
	for a := range l.kinds[1].on {
		fn(a)
	}
}

func sortedAccounts(m map[identity.PublicKey]bool) []identity.PublicKey {
	if len(m) == 0 {
		return nil
	}
	out := make([]identity.PublicKey, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i][:], out[j][:]) < 0 })
	return out
}
