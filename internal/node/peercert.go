package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/store"
)

// errBlockedPeer refuses a sync session with a device of a blocked account.
var errBlockedPeer = errors.New("the peer's account is blocked")

// checkCert parses a device certificate that remote sent about itself
// and checks that it is a signed device.add of exactly that device.
func checkCert(header, payload []byte, remote identity.PublicKey) (*entry.Entry, error) {
	return content.CheckDeviceCert(header, payload, remote)
}

// storeCert keeps a certificate that device sent about itself, checked by
// checkCert. A certificate the node wants (certWanted) is stored (an
// ordinary entry) and followed up as any new entry, so that the scope
// knows the device's account; any other is only cached, in memory
// (certCache): the store holds only what the node replicates, and keys
// are free. A cached certificate is stored once it becomes wanted
// (storeWantedCerts).
func (n *Node) storeCert(ctx context.Context, nw *network, device identity.PublicKey, cert *entry.Entry) error {
	if !certWanted(nw, device, cert) {
		nw.certs.cache.put(device, cert)
		return nil
	}
	return n.appendCert(ctx, cert)
}

// certWanted reports whether the node keeps device's certificate in its
// store: its log is in the scope (an account followed or within the hops,
// this node's own), or the device or its account is a local of a village
// the node takes part in.
func certWanted(nw *network, device identity.PublicKey, cert *entry.Entry) bool {
	if nw.scope.Wants(store.LogKey{Author: cert.Header.Author, LogID: cert.Header.LogID}) {
		return true
	}
	for _, k := range nw.scope.VillageLocals() {
		if k == device || k == cert.Header.Author {
			return true
		}
	}
	return false
}

// storeWantedCerts stores the cached certificates that the scope wants
// now (an account followed since, a new village local). rescope calls it.
func (n *Node) storeWantedCerts(ctx context.Context, nw *network) {
	for _, c := range nw.certs.cache.take(func(device identity.PublicKey, cert *entry.Entry) bool {
		return certWanted(nw, device, cert)
	}) {
		if err := n.appendCert(ctx, c.cert); err != nil && ctx.Err() == nil {
			nw.log.Warn("store a peer's certificate now in scope", "peer", c.device.Device(), "err", err)
		}
	}
}

// appendCert stores a checked certificate and follows up on it.
func (n *Node) appendCert(ctx context.Context, cert *entry.Entry) error {
	r, err := n.store.Append(ctx, cert)
	if err != nil {
		return err
	}
	switch r.Outcome {
	case store.Rejected:
		return r.Err
	case store.Added:
		n.noteAdded([]*entry.Entry{cert}, []store.Result{r})
	}
	return nil
}

// peerAccount returns the account of a connected device, asking the device
// for its certificate (/kith/cert/1) when this node does not hold it. It
// returns errBlockedPeer for a device of a blocked account.
func (n *Node) peerAccount(ctx context.Context, nw *network, peer identity.PublicKey) (identity.PublicKey, error) {
	account, err := n.knownAccount(ctx, nw, peer)
	if err != nil {
		return identity.PublicKey{}, err
	}
	if nw.scope.Blocked(account) || nw.scope.Blocked(peer) {
		return account, errBlockedPeer
	}
	return account, nil
}

func (n *Node) knownAccount(ctx context.Context, nw *network, peer identity.PublicKey) (identity.PublicKey, error) {
	if d, err := n.store.AccountOf(ctx, peer); err == nil {
		return d.Account, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return identity.PublicKey{}, err
	}
	if account, ok := nw.certs.cache.account(peer); ok {
		return account, nil
	}
	// A peer's sync and blob streams arrive at once: they share one
	// exchange, so a peer that fails it is judged (and logged) once.
	return nw.certs.do(peer, func() (identity.PublicKey, error) { return n.fetchCert(ctx, nw, peer) })
}

// certRequests runs at most one certificate exchange per peer at a time;
// callers that come while one runs get its answer. It also caches the
// certificates the node does not store.
type certRequests struct {
	cache certCache

	mu      sync.Mutex
	running map[identity.PublicKey]*certRequest
	joined  int // callers that waited for another's exchange (for tests)
}

type certRequest struct {
	done    chan struct{}
	account identity.PublicKey
	err     error
}

func (c *certRequests) do(peer identity.PublicKey, fetch func() (identity.PublicKey, error)) (identity.PublicKey, error) {
	c.mu.Lock()
	if r := c.running[peer]; r != nil {
		c.joined++
		c.mu.Unlock()
		<-r.done
		return r.account, r.err
	}
	if c.running == nil {
		c.running = map[identity.PublicKey]*certRequest{}
	}
	r := &certRequest{done: make(chan struct{})}
	c.running[peer] = r
	c.mu.Unlock()
	r.account, r.err = fetch()
	c.mu.Lock()
	delete(c.running, peer)
	c.mu.Unlock()
	close(r.done)
	return r.account, r.err
}

// fetchCert asks a connected device for its certificate (/kith/cert/1),
// checks it and stores it. A peer that answers with anything else, or not
// before the deadline, is penalised; one whose stream breaks is not
// (streamBreach).
func (n *Node) fetchCert(ctx context.Context, nw *network, peer identity.PublicKey) (identity.PublicKey, error) {
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := nw.host.Open(cctx, peer, invite.CertProtocol)
	if errors.Is(err, netnode.ErrNotSupported) {
		// Every kith node answers it: this peer is not one, or lies.
		nw.log.Warn("peer misbehaved in the certificate exchange", "peer", peer.Device(), "err", err)
		nw.host.Penalize(peer, "does not say which account it belongs to ("+invite.CertProtocol+")")
	}
	if err != nil {
		return identity.PublicKey{}, fmt.Errorf("ask the peer for its certificate: %w", err)
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(20 * time.Second))
	c, err := invite.ReadCert(s)
	if err != nil {
		if streamBreach(err) {
			nw.log.Warn("peer misbehaved in the certificate exchange", "peer", peer.Device(), "err", err)
			nw.host.Penalize(peer, "certificate exchange: "+err.Error())
		} else {
			nw.log.Info("the certificate exchange broke off", "peer", peer.Device(), "err", err)
		}
		return identity.PublicKey{}, fmt.Errorf("the peer's certificate: %w", err)
	}
	cert, err := checkCert(c.Header, c.Payload, peer)
	if err != nil {
		nw.log.Warn("peer misbehaved in the certificate exchange", "peer", peer.Device(), "err", err)
		nw.host.Penalize(peer, "certificate exchange: "+err.Error())
		return identity.PublicKey{}, fmt.Errorf("the peer's certificate: %w", err)
	}
	if err := n.storeCert(ctx, nw, peer, cert); err != nil {
		return identity.PublicKey{}, fmt.Errorf("store the peer's certificate: %w", err)
	}
	return cert.Header.Author, nil
}

// shownAccount returns the account of a connected device, from the store
// or the certificates cached for peers outside the scope.
func (n *Node) shownAccount(device identity.PublicKey) (identity.AccountID, bool) {
	if d, err := n.store.AccountOf(context.Background(), device); err == nil {
		return d.Account.Account(), true
	}
	if nw := n.net.Load(); nw != nil {
		if account, ok := nw.certs.cache.account(device); ok {
			return account.Account(), true
		}
	}
	return identity.AccountID{}, false
}

// serveCert answers /kith/cert/1 with this device's certificate.
func (n *Node) serveCert(ctx context.Context, s netnode.Stream) {
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(20 * time.Second))
	cert, err := n.ownCert(ctx)
	if err != nil {
		_ = s.Reset()
		return
	}
	_ = invite.WriteCert(s, invite.Cert{Header: cert.Raw, Payload: cert.Payload})
}
