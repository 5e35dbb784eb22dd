package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kithnet/kith/internal/dropbox"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/store"
)

// keepDropboxesConnected asks the host to keep this account's dropboxes
// connected, at the addresses the account names, so that the node
// collects while connected.
func (n *Node) keepDropboxesConnected(ctx context.Context, nw *network) {
	hs, err := n.ownDropboxes(ctx)
	if err != nil {
		nw.log.Debug("dropbox: reading this account's dropboxes", "err", err)
		return
	}
	for _, h := range hs {
		if identity.PublicKey(h.Device) != n.device.Public() {
			nw.host.Keep(identity.PublicKey(h.Device), h.Addrs)
		}
	}
}

// collectIfDropbox starts a collection from peer if it is one of this
// account's dropboxes and none runs from it yet.
func (n *Node) collectIfDropbox(ctx context.Context, nw *network, peer identity.PublicKey) {
	d := nw.dropbox
	d.mu.Lock()
	if d.collecting[peer] {
		d.mu.Unlock()
		return
	}
	d.collecting[peer] = true
	d.mu.Unlock()
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		defer func() {
			d.mu.Lock()
			delete(d.collecting, peer)
			d.mu.Unlock()
		}()
		hs, err := n.ownDropboxes(ctx)
		if err != nil || !slices.ContainsFunc(hs, func(h dropbox.Hub) bool { return identity.PublicKey(h.Device) == peer }) {
			return
		}
		got, err := n.collectFrom(ctx, nw, peer)
		if err != nil {
			nw.log.Info("dropbox: collecting", "hub", peer.Device(), "err", err)
			return
		}
		if got > 0 {
			nw.log.Info("dropbox: requests collected", "hub", peer.Device(), "letters", got)
		}
	}()
}

// CollectDropbox collects the letters hub keeps for this account now
// (services.md §8.1) and returns how many new requests it kept.
func (n *Node) CollectDropbox(ctx context.Context, hub identity.PublicKey) (int, error) {
	nw := n.net.Load()
	if nw == nil {
		return 0, ErrNotServing
	}
	return n.collectFrom(ctx, nw, hub)
}

// DropboxRefusedError is a hub's refusal of a deposit or a collection.
type DropboxRefusedError struct {
	Hub    identity.DeviceID
	Code   uint64
	Reason string
}

func (e *DropboxRefusedError) Error() string {
	return fmt.Sprintf("hub %s refused (code %d): %s", e.Hub, e.Code, e.Reason)
}

// dropboxExchange sends q to hub and reads its answer. A malformed answer
// penalises the hub.
func (n *Node) dropboxExchange(ctx context.Context, nw *network, hub identity.PublicKey, q *dropbox.Request) (*dropbox.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, dropboxTimeout)
	defer cancel()
	s, err := nw.host.Open(ctx, hub, dropbox.Protocol)
	switch {
	case errors.Is(err, netnode.ErrNotSupported):
		return nil, fmt.Errorf("hub %s keeps no dropbox (a node of another version?)", hub.Device())
	case err != nil:
		return nil, fmt.Errorf("%w: hub %s: %v", ErrUnreachable, hub.Device(), err)
	}
	_ = s.SetDeadline(time.Now().Add(dropboxTimeout))
	if err := dropbox.WriteRequest(s, q); err != nil {
		_ = s.Reset()
		return nil, fmt.Errorf("hub %s: %w", hub.Device(), err)
	}
	_ = s.CloseWrite()
	p, err := dropbox.ReadResponse(s)
	if err == nil && !q.Collect && p.Code == 0 && len(p.Letters) != 0 {
		err = fmt.Errorf("%w: letters in the answer to a deposit", dropbox.ErrMalformed)
	}
	if err != nil {
		_ = s.Reset()
		if errors.Is(err, dropbox.ErrMalformed) {
			nw.host.Penalize(hub, fmt.Sprintf("dropbox: %v", err))
		}
		return nil, fmt.Errorf("hub %s: %w", hub.Device(), err)
	}
	_ = s.Close()
	if p.Code != 0 {
		return nil, &DropboxRefusedError{Hub: hub.Device(), Code: p.Code, Reason: p.Reason}
	}
	return p, nil
}

// followedDevices are the device keys of the accounts this account
// follows, ascending, at most MaxFollows (what a collect tells the hub,
// services.md §8.4).
func (n *Node) followedDevices(ctx context.Context) ([][32]byte, error) {
	following, _, err := n.Follows(ctx)
	if err != nil {
		return nil, err
	}
	var out [][32]byte
	for _, r := range following {
		ds, err := n.store.Devices(ctx, r.Account)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		for _, d := range ds {
			if !d.Revoked {
				out = append(out, [32]byte(d.Device))
			}
		}
	}
	slices.SortFunc(out, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	out = slices.Compact(out)
	if len(out) > dropbox.MaxFollows {
		out = out[:dropbox.MaxFollows]
	}
	return out, nil
}

// collectFrom runs one collection from hub: it asks for letters, keeps
// those that open as requests, names every letter it received in the next
// request's done (those that do not open are dropped), until an answer
// holds none.
func (n *Node) collectFrom(ctx context.Context, nw *network, hub identity.PublicKey) (int, error) {
	follows, err := n.followedDevices(ctx)
	if err != nil {
		return 0, err
	}
	kept := 0
	var done [][32]byte
	for range dropbox.MaxCollects {
		p, err := n.dropboxExchange(ctx, nw, hub, &dropbox.Request{Collect: true, Follows: follows, Done: done})
		if err != nil {
			return kept, err
		}
		if len(p.Letters) == 0 {
			return kept, nil
		}
		done = done[:0]
		for _, l := range p.Letters {
			isNew, err := n.keepRequest(ctx, hub, l)
			if err != nil && !errors.Is(err, errLetterRefused) {
				return kept, err // not kept: it stays at the hub
			}
			if err != nil {
				nw.log.Info("dropbox: a letter that does not open, dropped", "hub", hub.Device(), "err", err)
			}
			if isNew {
				kept++
			}
			done = append(done, dropbox.ID(l))
		}
		slices.SortFunc(done, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
		done = slices.Compact(done)
	}
	return kept, nil
}
