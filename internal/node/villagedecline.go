package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// Declining a founding or an invitation (village.md §6a): a founding or
// invitation that names this account and that it does not want is
// dropped from this node, so that strangers' notices cannot hold the 16
// places for unanswered ones, and the same village's notice is refused
// from then on.
const (
	// declinedFile is the file in the home that lists the declined
	// villages, hex ids, oldest first.
	declinedFile = "villages-declined.json"
	// maxDeclined bounds that list; beyond it the oldest are forgotten
	// (their foundings were dropped: a new notice of one of them counts
	// as unanswered again).
	maxDeclined = 1024
)

// declinedBook is the list of declined villages, read once.
type declinedBook struct {
	mu     sync.Mutex
	loaded bool
	ids    []string
}

// Declined is what DeclineVillage did.
type Declined struct {
	Village entry.ID
	// Dropped: the founder device's found log (a founding), or every
	// village log held of the village (an invitation), was deleted from
	// this node (entries, bytes); false when the found log also holds a
	// village this account takes part in, which it keeps (the declined
	// one is then only hidden).
	Dropped bool
	Entries int
	Bytes   int64
	// Invitation: an invitation was declined, not a founding.
	Invitation bool
}

// DeclineVillage declines a founding that names this account and that it
// has not accepted, or an invitation of it that it has not joined
// (declineInvitation): the village is recorded as declined (no longer listed,
// a new notice of it refused), and the founder device's found log is
// deleted from this node unless it holds another village this account
// takes part in.
func (n *Node) DeclineVillage(ctx context.Context, id entry.ID) (Declined, error) {
	found, es, err := n.villageEntries(ctx, id)
	if err != nil {
		return Declined{}, err
	}
	if n.isDeclined(id) {
		return Declined{}, ErrNoVillage
	}
	self := n.account
	var st *village.State
	if found != nil {
		if st, err = village.Reduce(id, es); err != nil {
			return Declined{}, fmt.Errorf("%w: %v", ErrNoVillage, err)
		}
	}
	if st == nil || !slices.Contains(st.Founders, self) {
		return n.declineInvitation(ctx, id, st, es)
	}
	keys, err := n.ownKeys(ctx)
	if err != nil {
		return Declined{}, err
	}
	switch {
	case slices.Contains(keys, found.Header.Author):
		return Declined{}, ruleErr("a device of your account founded the village")
	case st.Founded || (st.Local(self) != nil && st.Local(self).Accepted):
		return Declined{}, ruleErr("your account has accepted the founding: leave the village instead (kith village leave)")
	}
	if err := n.addDeclined(id); err != nil {
		return Declined{}, err
	}
	out := Declined{Village: id}
	log := store.LogKey{Author: found.Header.Author, LogID: scope.FoundLog}
	others, err := n.otherFoundings(ctx, log, id)
	if err != nil || others {
		return out, err
	}
	d, ok := n.store.(store.LogDropper)
	if !ok {
		return out, nil
	}
	out.Entries, out.Bytes, err = d.DropLog(ctx, log)
	n.logsDropped()
	if err != nil {
		return out, fmt.Errorf("drop the founder's found log: %w", err)
	}
	out.Dropped = true
	return out, nil
}

// declineInvitation declines an invitation of this account it has not
// joined (st is nil when the found entry is not held): the village is
// recorded as declined and every village log (log id = village id) held
// of it is deleted, so that this node no longer takes part in it.
func (n *Node) declineInvitation(ctx context.Context, id entry.ID, st *village.State, es []*entry.Entry) (Declined, error) {
	self := n.account
	keys, err := n.ownKeys(ctx)
	if err != nil {
		return Declined{}, err
	}
	invited := false
	authors := map[identity.PublicKey]bool{}
	for _, e := range es {
		if e.Header.LogID != entry.LogID(id) {
			continue
		}
		authors[e.Header.Author] = true
		if e.Payload == nil {
			continue
		}
		p, err := village.Decode(e.Payload)
		if err != nil {
			continue
		}
		switch p := p.(type) {
		case *village.Invite:
			invited = invited || (p.Invitee == self && p.Village == id)
		case *village.Join:
			if slices.Contains(keys, e.Header.Author) && p.Village == id {
				return Declined{}, ruleErr("your account has joined the village: once a local, leave it instead (kith village leave)")
			}
		}
	}
	switch {
	case st != nil && st.Local(self) != nil:
		return Declined{}, ruleErr("your account is or was a local of the village: leave it instead (kith village leave)")
	case !invited:
		return Declined{}, ruleErr("your account is not a founder of the village and holds no invitation to it: there is nothing to decline")
	}
	if err := n.addDeclined(id); err != nil {
		return Declined{}, err
	}
	out := Declined{Village: id, Invitation: true}
	d, ok := n.store.(store.LogDropper)
	if !ok {
		return out, nil
	}
	defer n.logsDropped()
	for a := range authors {
		k, b, err := d.DropLog(ctx, store.LogKey{Author: a, LogID: entry.LogID(id)})
		out.Entries, out.Bytes = out.Entries+k, out.Bytes+b
		if err != nil {
			return out, fmt.Errorf("drop the village's logs: %w", err)
		}
	}
	out.Dropped = true
	return out, nil
}

// otherFoundings reports whether the found log holds a village other than
// id that names this account and that it has not declined.
func (n *Node) otherFoundings(ctx context.Context, log store.LogKey, id entry.ID) (bool, error) {
	es, err := n.store.Log(ctx, log, 1, maxFoundLog*1024)
	if err != nil {
		return false, err
	}
	for _, e := range es {
		if e.ID == id || n.isDeclined(e.ID) || e.Payload == nil {
			continue
		}
		p, err := village.Decode(e.Payload)
		if err != nil {
			continue
		}
		if f, ok := p.(*village.Found); ok && slices.Contains(f.Founders, n.account) {
			return true, nil
		}
	}
	return false, nil
}

// isDeclined reports whether this node declined village id.
func (n *Node) isDeclined(id entry.ID) bool {
	b := &n.declined
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := n.loadDeclinedLocked(); err != nil {
		return false
	}
	return slices.Contains(b.ids, hex.EncodeToString(id[:]))
}

func (n *Node) addDeclined(id entry.ID) error {
	b := &n.declined
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := n.loadDeclinedLocked(); err != nil {
		return err
	}
	k := hex.EncodeToString(id[:])
	if slices.Contains(b.ids, k) {
		return nil
	}
	ids := append(slices.Clone(b.ids), k)
	if len(ids) > maxDeclined {
		ids = ids[len(ids)-maxDeclined:]
	}
	data, err := json.MarshalIndent(ids, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WritePrivate(filepath.Join(n.home, declinedFile), append(data, '\n')); err != nil {
		return fmt.Errorf("record the declined village: %w", err)
	}
	b.ids = ids
	return nil
}

// loadDeclinedLocked reads the declined list once; the caller holds mu.
func (n *Node) loadDeclinedLocked() error {
	b := &n.declined
	if b.loaded {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(n.home, declinedFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read %s: %w", declinedFile, err)
	default:
		if err := json.Unmarshal(data, &b.ids); err != nil {
			return fmt.Errorf("read %s: %w (remove the file to forget the declined villages)", declinedFile, err)
		}
	}
	b.loaded = true
	return nil
}
