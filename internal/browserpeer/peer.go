package browserpeer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/replicate"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// Signer signs a message with the device key (Ed25519, 64 bytes).
type Signer func(msg []byte) ([]byte, error)

// Config is what a Peer is made of.
type Config struct {
	Device identity.PublicKey
	Sign   Signer
	// Now returns the time the author claims for a new entry, in ms since
	// the epoch; it is shown, never used to order (DESIGN.md).
	Now func() uint64
	// OnAdded is called with every entry from a peer that the store newly
	// holds, in store order, so that the page keeps it (IndexedDB). It
	// must not block.
	OnAdded func(es []*entry.Entry)
	// Keep, if set, is called with each entry this device makes (its
	// certificate, its posts) before the store holds it, and may block
	// until the entry is kept for good (an IndexedDB transaction
	// committed). If it fails, the entry is dropped and the call that made
	// it fails: nothing is sent that the browser would not have after a
	// reload, so a device never forks its own log by making a second seq
	// after losing the first (doc/browser.md). Without Keep, the device's
	// own entries go to OnAdded like the others.
	Keep func(e *entry.Entry) error
}

// Peer is one browser device: its store, its scope and its sync engine.
type Peer struct {
	cfg    Config
	store  *mem.Store
	engine *replicate.Engine

	ownMu sync.Mutex // one own entry at a time: kept, then stored

	mu      sync.Mutex
	account identity.PublicKey // zero until the device's certificate is held
	follows map[identity.PublicKey]bool

	sp       spaces                       // the spaces of its account (spacescope.go)
	villages atomic.Pointer[villageScope] // village.go
}

// New returns a peer with an empty store.
func New(cfg Config) *Peer {
	p := &Peer{cfg: cfg, store: mem.New(), follows: map[identity.PublicKey]bool{}}
	p.engine = replicate.NewEngine(replicate.Config{
		Store: p.store,
		Scope: scope{p},
		Self:  cfg.Device,
		OnAdded: func(_ identity.PublicKey, es []*entry.Entry) {
			p.added(es)
		},
	})
	return p
}

// Store is the peer's store (read it; write only through the Peer).
func (p *Peer) Store() store.Store { return p.store }

// Device is the peer's device key.
func (p *Peer) Device() identity.PublicKey { return p.cfg.Device }

// Account is the account that certified the device, once its certificate
// is held.
func (p *Peer) Account() (identity.PublicKey, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.account, p.account != identity.PublicKey{}
}

// Follow makes the peer want the logs of account and of its devices.
func (p *Peer) Follow(account identity.PublicKey) {
	p.mu.Lock()
	p.follows[account] = true
	p.mu.Unlock()
	p.engine.ScopeChanged()
}

// Load puts entries kept by the page (IndexedDB) back into the store, in
// the order they were added. Entries that do not verify or do not chain
// are refused with an error naming the first, and nothing of that batch's
// refused entries is kept; those before it stay.
func (p *Peer) Load(ctx context.Context, es []*entry.Entry) error {
	rs, err := p.store.Ingest(ctx, es)
	if err != nil {
		return err
	}
	for i, r := range rs {
		if r.Outcome == store.Rejected {
			return fmt.Errorf("kept entry %d (%x, seq %d) is refused: %v; the browser's copy is damaged, clear the site's data and sync again", i, es[i].ID[:6], es[i].Header.Seq, r.Err)
		}
	}
	p.noteCerts(es)
	return nil
}

// Certify stores the device's certificate (a device.add entry by the
// account key, content.NewPairedDeviceCert) and makes the account the
// peer's own.
func (p *Peer) Certify(ctx context.Context, cert *entry.Entry) error {
	pl, err := content.Decode(cert.Payload)
	if err != nil {
		return fmt.Errorf("the device certificate: %w", err)
	}
	da, ok := pl.(*content.DeviceAdd)
	if !ok || da.Device.Key() != p.cfg.Device {
		return errors.New("the device certificate does not certify this device")
	}
	p.ownMu.Lock()
	defer p.ownMu.Unlock()
	return p.appendOwn(ctx, cert)
}

// Post publishes a post in the device's public log.
func (p *Peer) Post(ctx context.Context, text string) (*entry.Entry, error) {
	payload, err := content.Encode(&content.Post{Text: text})
	if err != nil {
		return nil, err
	}
	return p.Publish(ctx, entry.LogID{}, payload)
}

// Publish appends payload to one of the device's logs.
func (p *Peer) Publish(ctx context.Context, log entry.LogID, payload []byte) (*entry.Entry, error) {
	p.ownMu.Lock() // the head read, the signature and the append, one entry at a time
	defer p.ownMu.Unlock()
	if err := p.checkNotRevoked(ctx); err != nil {
		return nil, err
	}
	d := entry.Draft{LogID: log, Seq: 1, Timestamp: p.cfg.Now(), Payload: payload}
	h, err := p.store.Head(ctx, store.LogKey{Author: p.cfg.Device, LogID: log})
	switch {
	case err == nil:
		d.Seq, d.Backlink = h.Seq+1, h.ID
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	e, err := entry.SignWith(p.cfg.Device, p.cfg.Sign, d)
	if err != nil {
		return nil, err
	}
	if err := p.appendOwn(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// appendOwn stores an entry this device made, kept first (Config.Keep).
// The caller holds ownMu.
func (p *Peer) appendOwn(ctx context.Context, e *entry.Entry) error {
	if p.cfg.Keep == nil {
		return p.append(ctx, e)
	}
	if err := p.cfg.Keep(e); err != nil {
		return fmt.Errorf("the entry was not kept in this browser, so it was not made: %w", err)
	}
	r, err := p.store.Append(ctx, e)
	if err != nil {
		return err
	}
	switch r.Outcome {
	case store.Rejected:
		return r.Err
	case store.Added:
		p.noteCerts([]*entry.Entry{e})
		p.engine.Added([]*entry.Entry{e})
	}
	return nil
}

func (p *Peer) append(ctx context.Context, e *entry.Entry) error {
	r, err := p.store.Append(ctx, e)
	if err != nil {
		return err
	}
	switch r.Outcome {
	case store.Rejected:
		return r.Err
	case store.Added:
		p.added([]*entry.Entry{e})
		p.engine.Added([]*entry.Entry{e})
	}
	return nil
}

// added is called with entries the store newly holds.
func (p *Peer) added(es []*entry.Entry) {
	p.noteCerts(es)
	if p.cfg.OnAdded != nil {
		p.cfg.OnAdded(es)
	}
}

// noteCerts learns the peer's account from its device's certificate, and
// widens the scope when a certificate of a followed account's device came.
func (p *Peer) noteCerts(es []*entry.Entry) {
	if spaceRelevant(es) {
		p.wakeSpaces()
	}
	changed := false
	for _, e := range es {
		if e.Payload == nil {
			continue
		}
		typ, err := content.PeekType(e.Payload)
		if err != nil || typ != "device.add" {
			continue
		}
		pl, err := content.Decode(e.Payload)
		if err != nil {
			continue
		}
		da, ok := pl.(*content.DeviceAdd)
		if !ok {
			continue
		}
		p.mu.Lock()
		if da.Device.Key() == p.cfg.Device && p.account == (identity.PublicKey{}) {
			p.account = e.Header.Author
		}
		p.mu.Unlock()
		changed = true
	}
	if p.villageRelated(es) && p.refreshVillages(context.Background()) {
		changed = true
	}
	if changed {
		p.engine.ScopeChanged()
	}
}

// Sync runs one sync session with remote (a device key the transport
// authenticated) over s until it ends.
func (p *Peer) Sync(ctx context.Context, remote identity.PublicKey, s replicate.Stream, initiator bool) error {
	return explainSync(p.engine.Run(ctx, remote, s, initiator)) // syncerr.go
}

// Sessions reports the sync sessions now running.
func (p *Peer) Sessions() []replicate.SessionState { return p.engine.Sessions() }

// scopeFollows reports whether the peer follows account.
func (p *Peer) scopeFollows(account identity.PublicKey) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.follows[account]
}
