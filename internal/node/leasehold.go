package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/lease"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/services"
	"github.com/kithnet/kith/internal/store"
)

// leasesGrantedFile is the holder's book of the leases it keeps for
// others (doc/protocol/services.md §9).
const leasesGrantedFile = "leases-granted.json"

// leaseTimeout bounds one lease exchange, either side (§9).
const leaseTimeout = 10 * time.Second

// leaseWantTag names, among the host's wanted peers, the devices of the
// accounts whose leases this node keeps: they are no strangers to it.
const leaseWantTag = "lease"

// leaseTick is how often the holder counts what it holds of the leased
// accounts and ends the leases whose time is up, and the asker looks
// whether a lease is due for renewal.
var leaseTick = 5 * time.Second

// leaseHolder is the holder's side: the book of the leases it keeps, and
// what it has counted of each account.
type leaseHolder struct {
	path string

	mu       sync.Mutex
	book     *lease.Book
	counters map[identity.PublicKey]*leaseCounter
	kept     []identity.PublicKey // the accounts the scope takes entries of
	blobs    leaseBlobs           // the blobs of ended leases (leaseblobs.go)
}

// loadLeaseHolder reads the book from the home. A book that does not
// parse is an error: the leases it holds are promises made to others.
func loadLeaseHolder(home string) (*leaseHolder, error) {
	h := &leaseHolder{path: filepath.Join(home, leasesGrantedFile), book: lease.NewBook(), counters: map[identity.PublicKey]*leaseCounter{}}
	raw, err := os.ReadFile(h.path)
	if errors.Is(err, fs.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", h.path, err)
	}
	if h.book, err = lease.UnmarshalBook(raw); err != nil {
		return nil, fmt.Errorf("%s: %w (move it away to start without the leases it holds)", h.path, err)
	}
	return h, nil
}

// saveLocked writes the book; h.mu held.
func (h *leaseHolder) saveLocked() error {
	raw, err := lease.MarshalBook(h.book)
	if err != nil {
		return err
	}
	return atomicfile.WritePrivate(h.path, raw)
}

// keptAccounts returns the accounts whose logs the holder takes now.
func (h *leaseHolder) keptAccounts() []identity.PublicKey {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.kept)
}

// leaseCounter is what the holder has counted of one account's logs, so
// that a count reads only what was added since the last one.
type leaseCounter struct {
	logs  map[store.LogKey]logCount
	blobs map[blob.ID]int64 // the blobs the logs name, with their size once held
}

type logCount struct {
	seq   uint64
	bytes uint64
}

// leaseAuthors returns the keys that write account's logs: the account
// key and every device it certified, revoked ones too.
func (n *Node) leaseAuthors(ctx context.Context, account identity.PublicKey) (map[identity.PublicKey]bool, error) {
	ds, err := n.store.Devices(ctx, account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	out := map[identity.PublicKey]bool{account: true}
	for _, d := range ds {
		out[d.Device] = true
	}
	return out, nil
}

// countLease counts what this node holds of account's logs (given all the
// store's heads): the encoded headers and payloads of their entries, the
// blobs they name that it holds, and the entries.
func (n *Node) countLease(ctx context.Context, c *leaseCounter, account identity.PublicKey, heads []store.Head) (lease.Usage, error) {
	authors, err := n.leaseAuthors(ctx, account)
	if err != nil {
		return lease.Usage{}, err
	}
	var u lease.Usage
	seen := map[store.LogKey]bool{}
	for _, h := range heads {
		if !authors[h.Log.Author] {
			continue
		}
		seen[h.Log] = true
		lc := c.logs[h.Log]
		if h.Seq < lc.seq {
			lc = logCount{} // dropped and stored again: count it afresh
		}
		for lc.seq < h.Seq {
			es, err := n.store.LogRaw(ctx, h.Log, lc.seq+1, 1000)
			if err != nil {
				return lease.Usage{}, err
			}
			if len(es) == 0 {
				break
			}
			for _, e := range es {
				lc.seq = e.Seq
				lc.bytes += uint64(len(e.Header) + len(e.Payload))
				if e.Payload != nil {
					for _, id := range referencedBlobs(e.Payload) {
						if _, ok := c.blobs[id]; !ok {
							c.blobs[id] = 0
						}
					}
				}
			}
		}
		c.logs[h.Log] = lc
		u.Entries += lc.seq
		u.Bytes += lc.bytes
	}
	for l := range c.logs {
		if !seen[l] {
			delete(c.logs, l)
		}
	}
	for id, size := range c.blobs {
		if size == 0 {
			if ok, s, err := n.blobs.Has(id); err == nil && ok {
				size = s
				c.blobs[id] = s
			}
		}
		u.Bytes += uint64(size)
	}
	return u, nil
}

// counterLocked returns the account's counter; h.mu held.
func (h *leaseHolder) counterLocked(account identity.PublicKey) *leaseCounter {
	c := h.counters[account]
	if c == nil {
		c = &leaseCounter{logs: map[store.LogKey]logCount{}, blobs: map[blob.ID]int64{}}
		h.counters[account] = c
	}
	return c
}

// serveLease answers a peer's lease request (doc/protocol/services.md §9):
// a malformed request is a breach; a peer not served, a device that is not
// a current one of the account named, a holder that is full, or an account
// over the limits already, is refused with a reason; otherwise the lease
// is granted, signed, recorded in the home and the account's logs join
// the scope.
func (n *Node) serveLease(ctx context.Context, nw *network, remote identity.PublicKey, s netnode.Stream) {
	_ = s.SetDeadline(time.Now().Add(leaseTimeout))
	q, err := services.ReadLeaseRequest(s)
	var ne net.Error
	switch {
	case errors.Is(err, services.ErrMalformedLease):
		_ = s.Reset()
		nw.host.Penalize(remote, fmt.Sprintf("lease: %v", err))
		return
	case errors.As(err, &ne) && ne.Timeout():
		_ = s.Reset()
		nw.host.Penalize(remote, fmt.Sprintf("lease: no request within %v", leaseTimeout))
		return
	case err != nil:
		_ = s.Reset()
		return
	}
	ctx, cancel := context.WithTimeout(ctx, leaseTimeout)
	defer cancel()
	_ = s.SetDeadline(time.Now().Add(leaseTimeout))
	refuse := func(code uint64, reason string) {
		nw.log.Info("lease refused", "peer", remote.Device(), "account", identity.PublicKey(q.Account).Account(), "code", code, "reason", reason)
		_ = services.WriteLeaseResponse(s, services.LeaseResponse{Code: code, Reason: reason})
		_ = s.Close()
	}
	hub := nw.cfg.Hub
	switch {
	case !hub.On || !hub.Lease:
		refuse(services.RefuseNotServed, "this node keeps no one's logs under a lease: ask a hub that offers leases")
		return
	case !n.hubServes(ctx, remote):
		refuse(services.RefuseNotServed, fmt.Sprintf("this hub serves %s, and not your account", hubServeWords(hub.Serve)))
		return
	}
	if err := nw.strangerTurn(ctx, nw.strangerSessions, remote, syncSessionCost); err != nil {
		refuse(services.RefuseBusy, fmt.Sprintf("busy: %v; ask again later", err))
		return
	}
	a := lease.Asking{Request: q, Asker: remote}
	switch account, err := n.peerAccount(ctx, nw, remote); {
	case err == nil:
		a.CertAccount = account
	case errors.Is(err, errBlockedPeer):
		refuse(services.RefuseNotServed, "this hub does not serve your account")
		return
	default:
		// No certificate proved: CertAccount stays zero, refused as not
		// the account's.
		nw.log.Info("lease: the asker's account is not known", "peer", remote.Device(), "err", err)
	}
	if d, err := n.store.AccountOf(ctx, remote); err == nil && d.Account == a.CertAccount {
		a.Revoked = d.Revoked
	}
	heads, err := n.store.Heads(ctx)
	if err != nil {
		nw.log.Warn("lease request: reading the store", "err", err)
		refuse(services.RefuseBusy, "the hub could not read its store; ask again later")
		return
	}
	h := nw.lease.hold
	h.mu.Lock()
	if a.CertAccount == identity.PublicKey(q.Account) {
		a.Held, err = n.countLease(ctx, h.counterLocked(a.CertAccount), a.CertAccount, heads)
		if err != nil {
			h.mu.Unlock()
			nw.log.Warn("lease request: counting the account's logs", "err", err)
			refuse(services.RefuseBusy, "the hub could not count what it holds of your logs; ask again later")
			return
		}
	}
	terms, r := lease.Terms(n.device.Public(), a, hub.limits(), h.book.Leased(a.CertAccount), h.book.Len())
	if r != nil {
		if r.Code == services.RefuseOverLimit {
			h.book.Count(a.CertAccount, a.Held)
		}
		h.mu.Unlock()
		refuse(r.Code, r.Reason)
		return
	}
	if wait := h.book.TooSoon(a.CertAccount, time.Now()); wait > 0 {
		h.mu.Unlock()
		refuse(services.RefuseBusy, fmt.Sprintf("your lease was granted moments ago and runs; ask again in %v", wait.Round(time.Second)+time.Second))
		return
	}
	sig, err := lease.Sign(n.device, terms)
	if err == nil {
		h.book.Grant(terms, time.Now())
		err = h.saveLocked()
	}
	h.mu.Unlock()
	if err != nil {
		nw.log.Warn("lease request: recording the lease", "err", err)
		refuse(services.RefuseBusy, "the hub could not record the lease (its disk?); ask again later")
		return
	}
	nw.log.Info("lease granted", "peer", remote.Device(), "account", a.CertAccount.Account(), "seconds", terms.Seconds, "bytes", terms.Bytes, "held_bytes", terms.HeldBytes)
	if err := services.WriteLeaseResponse(s, services.LeaseResponse{Lease: &terms, Signature: sig}); err != nil {
		_ = s.Reset()
	} else {
		_ = s.Close()
	}
	n.applyLeases(nw, false)
}

// holdTick counts what the holder holds of every leased account, ends the
// leases whose time is up by its own clock, and applies the result.
func (n *Node) holdTick(ctx context.Context, nw *network) {
	h := nw.lease.hold
	defer n.sweepLeaseBlobsLogged(ctx, nw)
	h.mu.Lock()
	idle := h.book.Len() == 0 && len(h.kept) == 0
	h.mu.Unlock()
	if idle {
		return // a node that keeps no leases reads nothing
	}
	heads, err := n.store.Heads(ctx)
	if err != nil {
		nw.log.Warn("leases: reading the store", "err", err)
		return
	}
	h.mu.Lock()
	changed := false
	for _, g := range h.book.List() {
		u, err := n.countLease(ctx, h.counterLocked(g.Account), g.Account, heads)
		if err != nil {
			nw.log.Warn("leases: counting an account's logs", "account", g.Account.Account(), "err", err)
			continue
		}
		if h.book.Count(g.Account, u) {
			changed = true
			if why := u.Over(g.Bytes, g.Entries); why != "" {
				nw.log.Warn("lease over its limits: taking no more of the account", "account", g.Account.Account(), "held_bytes", u.Bytes, "held_entries", u.Entries, "bytes", g.Bytes, "entries", g.Entries)
			}
		}
	}
	ended := h.book.End(time.Now())
	for _, g := range ended {
		delete(h.counters, g.Account)
		nw.log.Info("lease ended", "account", g.Account.Account(), "asker", g.Asker.Device(), "held_bytes", g.Held.Bytes, "held_entries", g.Held.Entries)
	}
	if len(ended) > 0 {
		n.expired(nw.log, "lease", len(ended), "leases ended unrenewed by the holder's clock")
	}
	if changed || len(ended) > 0 {
		if err := h.saveLocked(); err != nil {
			nw.log.Warn("leases: writing the book", "err", err)
		}
	}
	h.mu.Unlock()
	n.applyLeases(nw, len(ended) > 0)
	for _, g := range ended {
		n.dropLeased(ctx, nw, g.Account, heads)
	}
}

// applyLeases makes the scope take the accounts whose leases run and are
// within their limits, when they changed (or force).
func (n *Node) applyLeases(nw *network, force bool) {
	h := nw.lease.hold
	h.mu.Lock()
	kept := h.book.Kept(time.Now())
	same := slices.Equal(kept, h.kept)
	h.kept = kept
	h.mu.Unlock()
	if same && !force {
		return
	}
	ctx := nw.ctx
	var devs []identity.PublicKey
	for _, a := range kept {
		authors, err := n.leaseAuthors(ctx, a)
		if err != nil {
			continue
		}
		for k := range authors {
			if k != a {
				devs = append(devs, k)
			}
		}
	}
	nw.host.Want(leaseWantTag, devs)
	n.rescope(ctx, nw)
}

// dropLeased drops the logs of an account whose lease ended, except those
// the node still wants for itself, and records the blobs they name for
// the next sweep (services.md §9, "What the holder does").
func (n *Node) dropLeased(ctx context.Context, nw *network, account identity.PublicKey, heads []store.Head) {
	d, ok := n.store.(store.LogDropper)
	if !ok {
		return
	}
	authors, err := n.leaseAuthors(ctx, account)
	if err != nil {
		return
	}
	var logs []store.LogKey
	for _, h := range heads {
		if authors[h.Log.Author] && !nw.scope.Wants(h.Log) {
			logs = append(logs, h.Log)
		}
	}
	// The blobs their entries name become candidates for the sweep
	// (leaseblobs.go); recorded first, so that none is forgotten.
	if err := n.addLeaseBlobs(ctx, &nw.lease.hold.blobs, logs); err != nil {
		nw.log.Warn("lease ended: recording the blobs of its logs (they stay)", "account", account.Account(), "err", err)
	}
	var entries int
	var bytes int64
	defer n.logsDropped()
	for _, l := range logs {
		e, b, err := d.DropLog(ctx, l)
		if err != nil {
			nw.log.Warn("lease ended: dropping a log", "log", l, "err", err)
			continue
		}
		entries += e
		bytes += b
	}
	if entries > 0 {
		nw.log.Info("lease ended: the account's logs dropped", "account", account.Account(), "entries", entries, "bytes", bytes)
	}
}

// leaseWants is the scope's view of the leases this node keeps: every log
// of the accounts whose leases run within their limits.
func (n *Node) leaseWants(ctx context.Context) (scope.SpaceWants, error) {
	var w scope.SpaceWants
	nw := n.net.Load()
	if nw == nil || nw.lease == nil {
		return w, nil
	}
	for _, a := range nw.lease.hold.keptAccounts() {
		authors, err := n.leaseAuthors(ctx, a)
		if err != nil {
			return w, err
		}
		for k := range authors {
			w.Authors = append(w.Authors, k)
		}
	}
	return w, nil
}

// sweepLeaseBlobsLogged sweeps the blobs of ended leases when one is due,
// and logs what it deleted.
func (n *Node) sweepLeaseBlobsLogged(ctx context.Context, nw *network) {
	count, size, err := n.sweepLeaseBlobs(ctx, nw, &nw.lease.hold.blobs)
	if err != nil {
		nw.log.Warn("leases ended: deleting their blobs", "err", err)
	}
	if count > 0 {
		nw.log.Info("leases ended: their blobs deleted", "blobs", count, "bytes", size)
	}
}
