package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/replicate"
	"github.com/kithnet/kith/internal/services"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// client is a light client: a libp2p host of its own on loopback, a
// device certificate of a fresh account (the hub asks for it before a
// sync session), an in-memory store and a sync engine that wants one log,
// the publisher's, and offers nothing but that log. It holds no SQLite,
// no DHT, no discovery: what a phone or a browser tab keeps connected to
// a hub.
type client struct {
	key     identity.PrivateKey
	account identity.PublicKey // the fresh account whose device it is
	host    *netnode.Host
	st      store.Store
	eng     *replicate.Engine
	done    chan struct{}

	mu   sync.Mutex
	seen uint64 // the highest seq of the publisher's log stored
	// onSeq is called with each seq of the publisher's log stored.
	onSeq func(seq uint64)
}

// lightScope wants and offers one log.
type lightScope struct{ log store.LogKey }

func (s lightScope) Wants(l store.LogKey) bool                        { return l == s.log }
func (s lightScope) Offers(_ identity.PublicKey, l store.LogKey) bool { return l == s.log }

// newClient starts a light client. relayHub, if set, is a hub to hold a
// relay slot at (a client behind NAT).
func newClient(ctx context.Context, pub store.LogKey, relayHub string) (*client, error) {
	account, err := identity.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	key, err := identity.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	cert, err := content.NewDeviceCert(account, key, "bench client", 1)
	if err != nil {
		return nil, err
	}
	cfg := netnode.Config{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}}
	if relayHub != "" {
		cfg.Relay, cfg.Hubs = true, []string{relayHub}
	}
	h, err := netnode.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("starting a client's host: %w", err)
	}
	c := &client{key: key, account: account.Public(), host: h, st: mem.New(), done: make(chan struct{})}
	c.eng = replicate.NewEngine(replicate.Config{
		Store: c.st, Scope: lightScope{log: pub}, Self: key.Public(),
		OnAdded: func(_ identity.PublicKey, es []*entry.Entry) {
			for _, e := range es {
				if e.Header.Author == pub.Author && e.Header.LogID == pub.LogID {
					c.mu.Lock()
					c.seen = max(c.seen, e.Header.Seq)
					f := c.onSeq
					c.mu.Unlock()
					if f != nil {
						f(e.Header.Seq)
					}
				}
			}
		},
	})
	h.Handle(invite.CertProtocol, func(_ identity.PublicKey, s netnode.Stream) {
		defer s.Close()
		_ = invite.WriteCert(s, invite.Cert{Header: cert.Raw, Payload: cert.Payload})
	})
	h.Handle(netnode.SyncProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		_ = c.eng.Run(context.Background(), remote, s, false)
	})
	return c, nil
}

// connect connects to the hub and, when this client's key is the smaller
// (of two kith nodes, that one opens the sync stream), keeps a sync
// session with it open.
func (c *client) connect(ctx context.Context, hubAddr string, hub identity.PublicKey) error {
	if _, err := c.host.Connect(ctx, hubAddr); err != nil {
		return err
	}
	self := c.key.Public()
	if string(self[:]) < string(hub[:]) {
		go c.syncLoop(hub)
	}
	return nil
}

// syncLoop opens sync sessions with the hub while the host runs.
func (c *client) syncLoop(hub identity.PublicKey) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := c.host.Open(ctx, hub, netnode.SyncProtocol)
		cancel()
		if err == nil {
			_ = c.eng.Run(context.Background(), hub, s, true)
		}
		select {
		case <-time.After(time.Second):
		case <-c.closed():
			return
		}
	}
}

// closed is done once the client is closed.
func (c *client) closed() <-chan struct{} { return c.done }

// publish stores e and pushes it to the sessions.
func (c *client) publish(ctx context.Context, e *entry.Entry) error {
	res, err := c.st.Ingest(ctx, []*entry.Entry{e})
	if err != nil {
		return err
	}
	if res[0].Err != nil {
		return res[0].Err
	}
	c.eng.Added([]*entry.Entry{e})
	return nil
}

// heads asks the hub for the head of log (/kith/heads/1) and returns its
// seq there.
func (c *client) heads(ctx context.Context, hub identity.PublicKey, log store.LogKey) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := c.host.Open(ctx, hub, services.HeadsProtocol)
	if err != nil {
		return 0, err
	}
	_ = s.SetDeadline(time.Now().Add(10 * time.Second))
	q := services.HeadsRequest{Logs: []services.HeadsLog{{Author: services.Key32(log.Author), LogID: services.Key32(log.LogID)}}}
	if err := services.WriteHeadsRequest(s, q); err != nil {
		_ = s.Reset()
		return 0, err
	}
	_ = s.CloseWrite()
	p, err := services.ReadHeadsResponse(s)
	_ = s.Close()
	if err != nil {
		return 0, err
	}
	if p.Code != 0 {
		return 0, fmt.Errorf("the hub refused: %s", p.Reason)
	}
	return p.Heads[0].Seq, nil
}

// live reports whether the client has a live sync session (with the hub).
func (c *client) live() bool {
	for _, s := range c.eng.Sessions() {
		if s.Phase == replicate.PhaseLive {
			return true
		}
	}
	return false
}

// relayed reports whether the client holds a relay slot at the hub.
func (c *client) relayed() bool { return len(c.host.HubSlots()) > 0 }

func (c *client) close() {
	close(c.done)
	_ = c.host.Close()
}
