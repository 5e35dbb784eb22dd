package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/dropbox"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/store"
)

// HubAddr is one hub an account names (payloads.md §10): where to dial it
// (a multiaddr with /p2p/) and whether it keeps the account's dropbox.
type HubAddr struct {
	Addr    string `json:"addr"`
	Dropbox bool   `json:"dropbox"`
}

// PublishHubs writes a hubs payload naming hubs in this device's public
// log: the account's hubs and dropboxes as this device says them
// (payloads.md §10). An empty list withdraws every hub this device named.
func (n *Node) PublishHubs(ctx context.Context, hubs []HubAddr) (*entry.Entry, error) {
	byDevice := map[[32]byte]*dropbox.Hub{}
	for _, h := range hubs {
		key, addr, err := netnode.ParsePeerAddr(h.Addr)
		if err != nil {
			return nil, fmt.Errorf("%w: hub %q: %v; give a multiaddr ending in /p2p/<peer id>", ErrBadAddress, h.Addr, err)
		}
		d := byDevice[key]
		if d == nil {
			d = &dropbox.Hub{Device: key, Addrs: []string{}}
			byDevice[key] = d
		}
		if addr != "" && !slices.Contains(d.Addrs, addr) {
			d.Addrs = append(d.Addrs, addr)
		}
		d.Dropbox = d.Dropbox || h.Dropbox
	}
	list := make([]dropbox.Hub, 0, len(byDevice))
	for _, d := range byDevice {
		list = append(list, *d)
	}
	slices.SortFunc(list, func(a, b dropbox.Hub) int { return bytes.Compare(a.Device[:], b.Device[:]) })
	p, err := dropbox.EncodeHubs(list)
	if err != nil {
		return nil, err
	}
	e, err := n.AppendRaw(ctx, entry.PublicLog, p)
	if err == nil {
		if nw := n.net.Load(); nw != nil && nw.dropbox != nil {
			go n.keepDropboxesConnected(nw.ctx, nw)
		}
	}
	return e, err
}

// AccountHubs returns the hubs account names, by payloads.md §10's rule:
// for each current device, its hubs payload at the highest seq held here;
// the union of those (a hub named by two devices takes the addresses of
// both and is a dropbox if either says so), ordered by the hub's key.
func (n *Node) AccountHubs(ctx context.Context, account identity.PublicKey) ([]dropbox.Hub, error) {
	ds, err := n.store.Devices(ctx, account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	byDevice := map[[32]byte]*dropbox.Hub{}
	for _, d := range ds {
		if d.Revoked {
			continue
		}
		es, err := n.store.Find(ctx, store.Query{Type: dropbox.TypeHubs, LogID: &entry.PublicLog, Authors: []identity.PublicKey{d.Device}, Limit: store.DefaultLimit})
		if err != nil {
			return nil, err
		}
		var latest []dropbox.Hub
		var seq uint64
		for _, e := range es {
			if e.Payload == nil || e.Header.Seq <= seq {
				continue
			}
			hs, err := dropbox.DecodeHubs(e.Payload)
			if err != nil {
				continue // an invalid payload counts as none
			}
			latest, seq = hs, e.Header.Seq
		}
		for _, h := range latest {
			m := byDevice[h.Device]
			if m == nil {
				m = &dropbox.Hub{Device: h.Device}
				byDevice[h.Device] = m
			}
			for _, a := range h.Addrs {
				if !slices.Contains(m.Addrs, a) {
					m.Addrs = append(m.Addrs, a)
				}
			}
			m.Dropbox = m.Dropbox || h.Dropbox
		}
	}
	out := make([]dropbox.Hub, 0, len(byDevice))
	for _, h := range byDevice {
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b dropbox.Hub) int { return bytes.Compare(a.Device[:], b.Device[:]) })
	return out, nil
}

// ownDropboxes returns the hubs this account names as its dropboxes.
func (n *Node) ownDropboxes(ctx context.Context) ([]dropbox.Hub, error) {
	hs, err := n.AccountHubs(ctx, n.account)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(hs, func(h dropbox.Hub) bool { return !h.Dropbox }), nil
}
