package node

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/replicate"
	"github.com/kithnet/kith/internal/store"
)

// Copies says where the account's own data is held, as far as this node
// knows from sync (doc/network.md, "Copies"): the logs of the account's
// devices, held by this device and by the account's other current
// devices. Revoked devices' copies do not count.
type Copies struct {
	// Complete: the devices that hold every entry of every log of the
	// account this node knows of (this device first, when it does).
	Complete []CopyHolder
	// Devices: every current device of the account, this one first, with
	// how many of the account's entries it lacks as far as known.
	Devices []CopyHolder
	// Single: entries of the account's logs held in fewer than two places,
	// by author device and the one device that holds them.
	Single []SingleCopy
	// Unsynced: the account's other current devices this device has never
	// synced with (nothing of them is recorded): possibly lost ones.
	Unsynced []CopyHolder
	// Leases: the holders this node asks to keep the account's logs
	// (leaseview.go), beside the account's own devices.
	Leases []HeldLease
}

// CopyHolder is one device of the account.
type CopyHolder struct {
	Device identity.PublicKey
	Name   string // from its certificate; "" when it has none
	This   bool   // this node's device
	// Missing: entries of the account's logs it does not hold, as far as
	// known.
	Missing uint64
}

// SingleCopy is a count of entries of the logs of one device (Author)
// that only one device (Holder) holds.
type SingleCopy struct {
	Author, Holder CopyHolder
	Entries        uint64
}

// copyDevice is one device of the account, for countCopies.
type copyDevice struct {
	key     identity.PublicKey
	name    string
	revoked bool
}

// countCopies computes Copies from the account's devices, this device's
// heads of the account's logs, and what the book says the other devices
// hold. Pure: it reads nothing.
func countCopies(self identity.PublicKey, devices []copyDevice, own map[store.LogKey]uint64, book map[identity.PublicKey]map[store.LogKey]uint64) Copies {
	isOwn := map[identity.PublicKey]bool{}
	names := map[identity.PublicKey]string{}
	var holders []identity.PublicKey // this device first, then current devices by key
	holders = append(holders, self)
	for _, d := range devices {
		isOwn[d.key] = true
		names[d.key] = d.name
	}
	var others []identity.PublicKey
	for _, d := range devices {
		if !d.revoked && d.key != self {
			others = append(others, d.key)
		}
	}
	sort.Slice(others, func(i, j int) bool { return string(others[i][:]) < string(others[j][:]) })
	holders = append(holders, others...)
	held := func(h identity.PublicKey, l store.LogKey) uint64 {
		if h == self {
			return own[l]
		}
		if l.Author == self {
			// Nobody holds more of this device's logs than it wrote: a
			// device claiming more is not believed beyond that.
			return min(book[h][l], own[l])
		}
		return book[h][l]
	}
	// Every log of the account's devices that any holder is known to hold.
	logs := map[store.LogKey]bool{}
	for l := range own {
		if isOwn[l.Author] {
			logs[l] = true
		}
	}
	for _, h := range others {
		for l := range book[h] {
			if isOwn[l.Author] {
				logs[l] = true
			}
		}
	}
	missing := map[identity.PublicKey]uint64{}
	type pair struct{ author, holder identity.PublicKey }
	single := map[pair]uint64{}
	for l := range logs {
		var top, second uint64
		var topHolder identity.PublicKey
		for _, h := range holders {
			s := held(h, l)
			switch {
			case s > top:
				second, top, topHolder = top, s, h
			case s > second:
				second = s
			}
		}
		for _, h := range holders {
			missing[h] += top - held(h, l)
		}
		if top > second {
			single[pair{l.Author, topHolder}] += top - second
		}
	}
	holder := func(k identity.PublicKey) CopyHolder {
		return CopyHolder{Device: k, Name: names[k], This: k == self, Missing: missing[k]}
	}
	var c Copies
	for _, h := range holders {
		ch := holder(h)
		c.Devices = append(c.Devices, ch)
		if ch.Missing == 0 && (h == self || book[h] != nil) {
			c.Complete = append(c.Complete, ch)
		}
		if h != self && book[h] == nil {
			c.Unsynced = append(c.Unsynced, ch)
		}
	}
	for p, n := range single {
		c.Single = append(c.Single, SingleCopy{Author: holder(p.author), Holder: holder(p.holder), Entries: n})
	}
	sort.Slice(c.Single, func(i, j int) bool {
		a, b := c.Single[i], c.Single[j]
		if a.Author.Device != b.Author.Device {
			return string(a.Author.Device[:]) < string(b.Author.Device[:])
		}
		return string(a.Holder.Device[:]) < string(b.Holder.Device[:])
	})
	return c
}

// copies computes Copies from the store's heads and the copy book (the
// running network's, or the home's file when the network does not run).
func (n *Node) copies(ctx context.Context) (Copies, error) {
	ds, err := n.store.Devices(ctx, n.account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Copies{}, err
	}
	devs := make([]copyDevice, 0, len(ds))
	own := map[store.LogKey]uint64{}
	for _, d := range ds {
		devs = append(devs, copyDevice{key: d.Device, name: d.Name, revoked: d.Revoked})
		// The own devices' logs only: not every head held.
		hs, err := store.HeadsOf(ctx, n.store, d.Device)
		if err != nil {
			return Copies{}, err
		}
		for _, h := range hs {
			if h.Seq > 0 {
				own[h.Log] = h.Seq
			}
		}
	}
	var book map[identity.PublicKey]map[store.LogKey]uint64
	if nw := n.net.Load(); nw != nil && nw.copies != nil {
		book = nw.copies.snapshot()
	} else {
		b, err := loadCopyBook(filepath.Join(n.home, copiesFile))
		if err != nil {
			return Copies{}, err
		}
		book = b.snapshot()
	}
	c := countCopies(n.device.Public(), devs, own, book)
	ls, err := n.Leases(ctx)
	c.Leases = ls.Held
	return c, err
}

// peerHeads records heads a peer holds (replicate.Config.OnPeerHeads):
// only a mirror's (the account's other current devices), only of the
// account's own logs; anything else is not kept. A change tells the
// event stream's clients (EventPeers) at most once a second.
func (n *Node) peerHeads(nw *network, peer identity.PublicKey, heads []replicate.Item) {
	if !nw.scope.Mirror(peer) {
		return
	}
	kept := heads[:0:0]
	for _, h := range heads {
		if nw.scope.Own(h.Log.Author) {
			kept = append(kept, h)
		}
	}
	if len(kept) > 0 && nw.copies.record(peer, kept) {
		select {
		case nw.copiesChanged <- struct{}{}:
		default:
		}
	}
}

// copiesLoop writes the copy book to the home at most once a second
// while it changes, and once more when the network stops.
func (n *Node) copiesLoop(nw *network) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	changed := false
	for {
		select {
		case <-nw.ctx.Done():
			if err := nw.copies.flush(); err != nil {
				nw.log.Warn("write the copy book", "err", err)
			}
			return
		case <-nw.copiesChanged:
			changed = true
		case <-t.C:
			if !changed {
				continue
			}
			changed = false
			if err := nw.copies.flush(); err != nil {
				nw.log.Warn("write the copy book", "err", err)
			}
			n.events.emit(Event{Kind: EventPeers})
		}
	}
}
