package node

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// VillageWaiting is a founder who has not accepted the founding, or an
// invitee who has not joined: someone the village waits on, with what
// this node knows of having reached them and what the person waiting can
// do.
type VillageWaiting struct {
	Account identity.PublicKey
	As      VillageRole // RoleFounder or RoleInvitee
	// Reached: a device of the account took the founding from this node
	// (the founding notice, village.md §6a), at At; Device names it.
	Reached bool
	Device  identity.PublicKey
	At      time.Time
	// Tries counts this node's attempts to deliver the founding to the
	// account's devices; LastErr is why the latest failed.
	Tries   int
	LastErr string
	// Hint says, in a sentence, why the village may still wait on them
	// and what to do.
	Hint string
}

// reachBook records, per village and account, this node's attempts to
// deliver a founding to the account's devices. It lives in memory: after
// a restart the node tries again.
type reachBook struct {
	mu   sync.Mutex
	m    map[entry.ID]map[identity.PublicKey]*reachRecord
	kick chan struct{} // a new founding to deliver
	// founded: this device's foundings seen founded, not looked at again.
	founded map[entry.ID]bool
}

func (b *reachBook) isFounded(v entry.ID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.founded[v]
}

func (b *reachBook) setFounded(v entry.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.founded == nil {
		b.founded = map[entry.ID]bool{}
	}
	b.founded[v] = true
	delete(b.m, v)
}

type reachRecord struct {
	reached bool
	device  identity.PublicKey
	at      time.Time
	tries   int
	lastErr string
	next    time.Time // not tried again before
}

func (b *reachBook) get(v entry.ID, acc identity.PublicKey) reachRecord {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r := b.m[v][acc]; r != nil {
		return *r
	}
	return reachRecord{}
}

func (b *reachBook) update(v entry.ID, acc identity.PublicKey, f func(r *reachRecord)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[entry.ID]map[identity.PublicKey]*reachRecord{}
	}
	if b.m[v] == nil {
		b.m[v] = map[identity.PublicKey]*reachRecord{}
	}
	r := b.m[v][acc]
	if r == nil {
		r = &reachRecord{}
		b.m[v][acc] = r
	}
	f(r)
}

// wake asks the delivery loop to look for foundings to deliver now.
func (b *reachBook) wake() {
	b.mu.Lock()
	if b.kick == nil {
		b.kick = make(chan struct{}, 1)
	}
	k := b.kick
	b.mu.Unlock()
	select {
	case k <- struct{}{}:
	default:
	}
}

func (b *reachBook) woken() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.kick == nil {
		b.kick = make(chan struct{}, 1)
	}
	return b.kick
}

// Waiting returns who the village waits on (founders who have not
// accepted while it is not founded, invitees who have not joined), not
// this node's account, each with what this node knows of having reached
// them and a hint of what to do.
func (n *Node) Waiting(ctx context.Context, id entry.ID) ([]VillageWaiting, error) {
	st, err := n.Village(ctx, id)
	if err != nil {
		return nil, err
	}
	me := n.account
	var out []VillageWaiting
	if !st.Founded {
		for _, f := range st.Founders {
			if l := st.Local(f); f == me || (l != nil && l.Accepted) {
				continue
			}
			r := n.reach.get(id, f)
			w := VillageWaiting{Account: f, As: RoleFounder, Reached: r.reached, Device: r.device, At: r.at, Tries: r.tries, LastErr: r.lastErr}
			if r.reached {
				w.Hint = fmt.Sprintf("their device %s took the founding from this node at %s; the village waits for them to accept it (kith village accept %s)",
					r.device.Device(), r.at.Local().Format("15:04"), id)
			} else {
				w.Hint = fmt.Sprintf("they may not have heard of the village yet: this node has not reached a device of theirs (%d tries%s); it keeps trying while it runs. Ask them to run kith, or to follow you (%s): then they get the founding by sync and can accept it",
					r.tries, lastErrText(r.lastErr), me.Account())
			}
			out = append(out, w)
		}
	}
	for _, inv := range st.Invitations {
		if inv.Joined || inv.Invitee == me {
			continue
		}
		out = append(out, VillageWaiting{Account: inv.Invitee, As: RoleInvitee,
			Hint: fmt.Sprintf("they may not have heard of the invitation yet: invitations are not delivered by this node. Ask them to follow you (%s) and then join (kith village join %s)", me.Account(), id)})
	}
	return out, nil
}

func lastErrText(s string) string {
	if s == "" {
		return ""
	}
	return "; last: " + s
}
