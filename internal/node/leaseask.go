package node

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/lease"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
)

// leasesHeldFile is the asker's record of the holders it asks to keep its
// logs and what each answered last.
const leasesHeldFile = "leases-held.json"

// askedLease is one holder this node asks, and its last answer.
type askedLease struct {
	Holder identity.PublicKey `json:"holder"`
	Addr   string             `json:"addr"` // the holder's transport address, without /p2p/
	// Sent is this node's clock when it sent the request that was granted;
	// Lease and Signature are the grant.
	Sent      time.Time            `json:"sent,omitzero"`
	Lease     *services.LeaseTerms `json:"lease,omitempty"`
	Signature services.Sig64       `json:"signature,omitzero"`
	// Refused is the last refusal, Error the last failure (unreachable,
	// a bad answer), Failures the failures in a row; Next when to ask.
	Refused  *lease.Refusal `json:"refused,omitempty"`
	Error    string         `json:"error,omitempty"`
	Failures int            `json:"failures,omitempty"`
	Next     time.Time      `json:"next"`
}

// leaseAsker is the asker's side: the holders it asks.
type leaseAsker struct {
	path string
	mu   sync.Mutex
	held map[identity.PublicKey]*askedLease
}

type askedFile struct {
	Version int           `json:"version"`
	Holders []*askedLease `json:"holders"`
}

func loadLeaseAsker(home string) (*leaseAsker, error) {
	a := &leaseAsker{path: filepath.Join(home, leasesHeldFile), held: map[identity.PublicKey]*askedLease{}}
	raw, err := os.ReadFile(a.path)
	if errors.Is(err, fs.ErrNotExist) {
		return a, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", a.path, err)
	}
	var f askedFile
	if err := json.Unmarshal(raw, &f); err != nil || f.Version != 1 {
		return nil, fmt.Errorf("%s does not parse (%v): move it away and ask the holders again (kith lease HUB)", a.path, err)
	}
	for _, h := range f.Holders {
		if h != nil {
			a.held[h.Holder] = h
		}
	}
	return a, nil
}

func (a *leaseAsker) saveLocked() error {
	f := askedFile{Version: 1}
	for _, h := range a.held {
		f.Holders = append(f.Holders, h)
	}
	sort.Slice(f.Holders, func(i, j int) bool { return string(f.Holders[i].Holder[:]) < string(f.Holders[j].Holder[:]) })
	raw, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WritePrivate(a.path, raw)
}

// add records a holder to ask (keeping what it answered before), first at
// next (zero: at the next tick).
func (a *leaseAsker) add(key identity.PublicKey, addr string, next time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if h := a.held[key]; h != nil {
		if addr != "" {
			h.Addr = addr
		}
		return
	}
	a.held[key] = &askedLease{Holder: key, Addr: addr, Next: next}
}

// leaseNet is the network's lease state: what it holds for others and
// what it asks of others.
type leaseNet struct {
	hold *leaseHolder
	ask  *leaseAsker
}

// startLeases loads both books and keeps the holders to ask connected.
func (n *Node) startLeases(nw *network) error {
	hold, err := loadLeaseHolder(n.home)
	if err != nil {
		return err
	}
	ask, err := loadLeaseAsker(n.home)
	if err != nil {
		return err
	}
	nw.lease = &leaseNet{hold: hold, ask: ask}
	for _, addr := range nw.cfg.Leases {
		key, transport, err := netnode.ParsePeerAddr(addr)
		if err != nil || key == n.device.Public() {
			continue
		}
		ask.add(key, transport, time.Time{})
	}
	ask.mu.Lock()
	var holders []identity.PublicKey
	for k, h := range ask.held {
		holders = append(holders, k)
		if h.Addr != "" {
			nw.host.Keep(k, []string{h.Addr})
		}
	}
	ask.mu.Unlock()
	nw.host.Want(leaseWantTag+"-holders", holders)
	return nil
}

// leaseLoop counts and ends the leases this node keeps and renews those
// it holds at others, every leaseTick, from the start.
func (n *Node) leaseLoop(ctx context.Context, nw *network) {
	for {
		n.holdTick(ctx, nw)
		n.askTick(ctx, nw)
		select {
		case <-ctx.Done():
			return
		case <-time.After(leaseTick):
		}
	}
}

// askTick asks every holder whose time to ask has come.
func (n *Node) askTick(ctx context.Context, nw *network) {
	a := nw.lease.ask
	now := time.Now()
	var due []identity.PublicKey
	a.mu.Lock()
	for k, h := range a.held {
		if !h.Next.After(now) {
			due = append(due, k)
		}
	}
	a.mu.Unlock()
	for _, k := range due {
		if _, err := n.askLease(ctx, nw, k); err != nil && ctx.Err() == nil {
			nw.log.Info("lease not renewed", "holder", k.Device(), "err", err)
		}
	}
}

// LeaseRefusedError is a holder's refusal of a lease.
type LeaseRefusedError struct {
	Holder identity.DeviceID
	Code   uint64
	Reason string
}

func (e *LeaseRefusedError) Error() string {
	return fmt.Sprintf("holder %s refused the lease (code %d): %s", e.Holder, e.Code, e.Reason)
}

// askLease asks holder for a lease of this account's logs and records the
// answer: a grant, renewed at half its period; a refusal or a failure,
// asked again after a back-off (services.md §9).
func (n *Node) askLease(ctx context.Context, nw *network, holder identity.PublicKey) (*askedLease, error) {
	var nonce services.Nonce16
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	q := services.LeaseRequest{Account: services.Key32(n.account), Nonce: nonce, Seconds: services.MaxLeaseSeconds, Bytes: 1 << 62}
	sent := time.Now()
	p, err := n.exchangeLease(ctx, nw, holder, q)
	a := nw.lease.ask
	a.mu.Lock()
	defer a.mu.Unlock()
	h := a.held[holder]
	if h == nil {
		h = &askedLease{Holder: holder}
		a.held[holder] = h
	}
	now := time.Now()
	var end time.Time
	if h.Lease != nil {
		end = lease.End(h.Sent, h.Lease.Seconds)
	}
	switch {
	case err != nil:
		h.Failures++
		h.Error = err.Error()
		h.Next = lease.Retry(now, h.Failures, end)
	case p.Code != 0:
		h.Failures++
		h.Refused = &lease.Refusal{Code: p.Code, Reason: p.Reason}
		h.Error = ""
		h.Next = lease.Retry(now, h.Failures, end)
		err = &LeaseRefusedError{Holder: holder.Device(), Code: p.Code, Reason: p.Reason}
	default:
		h.Failures, h.Error, h.Refused = 0, "", nil
		h.Sent, h.Lease, h.Signature = sent, p.Lease, p.Signature
		h.Next = lease.RenewAt(sent, p.Lease.Seconds)
	}
	if serr := a.saveLocked(); serr != nil {
		nw.log.Warn("leases: writing the record of holders", "err", serr)
	}
	n.events.emit(Event{Kind: EventPeers})
	c := *h
	return &c, err
}

// exchangeLease runs one exchange of /kith/lease/1 with holder and checks
// a grant; a malformed answer or a bad lease penalises the holder.
func (n *Node) exchangeLease(ctx context.Context, nw *network, holder identity.PublicKey, q services.LeaseRequest) (services.LeaseResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, leaseTimeout)
	defer cancel()
	s, err := nw.host.Open(ctx, holder, services.LeaseProtocol)
	switch {
	case errors.Is(err, netnode.ErrNotSupported):
		return services.LeaseResponse{}, fmt.Errorf("holder %s keeps no leases (a node of another version?): ask another", holder.Device())
	case err != nil:
		return services.LeaseResponse{}, fmt.Errorf("%w: asking %s for a lease: %v", ErrUnreachable, holder.Device(), err)
	}
	_ = s.SetDeadline(time.Now().Add(leaseTimeout))
	if err := services.WriteLeaseRequest(s, q); err != nil {
		_ = s.Reset()
		return services.LeaseResponse{}, fmt.Errorf("asking %s for a lease: %w", holder.Device(), err)
	}
	_ = s.CloseWrite()
	p, err := services.ReadLeaseResponse(s)
	if err == nil && p.Code == 0 {
		err = lease.Check(holder, n.device.Public(), q, p)
	}
	if err != nil {
		_ = s.Reset()
		if errors.Is(err, services.ErrMalformedLease) || errors.Is(err, lease.ErrBadLease) {
			nw.host.Penalize(holder, fmt.Sprintf("lease: %v", err))
		}
		return services.LeaseResponse{}, fmt.Errorf("asking %s for a lease: %w", holder.Device(), err)
	}
	_ = s.Close()
	return p, nil
}

// Lease asks the holder at multiaddr (with /p2p/) to keep this account's
// logs, now, and keeps asking it: the lease is renewed before it ends,
// across restarts (leases-held.json). A refusal is a *LeaseRefusedError
// saying why; the holder stays on the list and is asked again later.
func (n *Node) Lease(ctx context.Context, multiaddr string) (HeldLease, error) {
	nw := n.net.Load()
	if nw == nil {
		return HeldLease{}, ErrNotServing
	}
	key, transport, err := netnode.ParsePeerAddr(multiaddr)
	if err != nil {
		return HeldLease{}, fmt.Errorf("%w: %v", ErrBadAddress, err)
	}
	if key == n.device.Public() {
		return HeldLease{}, fmt.Errorf("%w: that address is this node itself", ErrBadAddress)
	}
	// The loop leaves it to this call (which sets when to ask next).
	nw.lease.ask.add(key, transport, time.Now().Add(2*leaseTimeout))
	nw.host.Keep(key, []string{transport})
	nw.host.Want(leaseWantTag+"-holders", n.leaseHolders(nw))
	if _, err := nw.host.Connect(ctx, multiaddr); err != nil {
		// Asked again later: the holder stays on the list.
		nw.log.Info("lease: the holder cannot be reached now", "holder", key.Device(), "err", err)
	}
	h, err := n.askLease(ctx, nw, key)
	if h == nil {
		return HeldLease{}, err
	}
	return n.heldLease(ctx, *h, time.Now()), err
}

// leaseHolders returns the holders this node asks.
func (n *Node) leaseHolders(nw *network) []identity.PublicKey {
	a := nw.lease.ask
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]identity.PublicKey, 0, len(a.held))
	for k := range a.held {
		out = append(out, k)
	}
	return out
}

// ErrNotAsked is returned by StopLease for a holder this node does not ask.
var ErrNotAsked = errors.New("this node does not ask that holder for a lease")

// StopLease stops asking holder for a lease: it is no longer renewed, and
// the holder keeps what it holds until the lease it granted ends (then
// drops it). A holder named in config.toml's leases is asked again at the
// next start unless removed there too.
func (n *Node) StopLease(ctx context.Context, holder identity.PublicKey) error {
	nw := n.net.Load()
	if nw == nil {
		return ErrNotServing
	}
	a := nw.lease.ask
	a.mu.Lock()
	if a.held[holder] == nil {
		a.mu.Unlock()
		return fmt.Errorf("%w (%s): 'kith leases' lists those it asks", ErrNotAsked, holder.Device())
	}
	delete(a.held, holder)
	err := a.saveLocked()
	a.mu.Unlock()
	if err != nil {
		return err
	}
	nw.host.Want(leaseWantTag+"-holders", n.leaseHolders(nw))
	for _, addr := range nw.cfg.Leases {
		if key, _, err := netnode.ParsePeerAddr(addr); err == nil && key == holder {
			return fmt.Errorf("stopped for now, but config.toml's leases names %s: remove it there, or it is asked again at the next start", holder.Device())
		}
	}
	n.events.emit(Event{Kind: EventPeers})
	return nil
}
