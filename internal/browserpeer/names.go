package browserpeer

import (
	"context"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// names finds the names the page shows instead of ids: an account's
// profile name (its latest profile, store.LatestProfile, as the node's
// feeds use) and a device's name (its certificate), each looked up once.
type names struct {
	p        *Peer
	accounts map[identity.PublicKey]string
}

func (p *Peer) names() *names {
	return &names{p: p, accounts: map[identity.PublicKey]string{}}
}

// account returns account's profile name, "" when none is held.
func (n *names) account(ctx context.Context, account identity.PublicKey) string {
	if name, ok := n.accounts[account]; ok {
		return name
	}
	var name string
	if e, err := n.p.store.LatestProfile(ctx, account); err == nil && e.Entry.Payload != nil {
		if pl, err := content.Decode(e.Entry.Payload); err == nil {
			if pr, ok := pl.(*content.Profile); ok {
				name = pr.Name
			}
		}
	}
	n.accounts[account] = name
	return name
}

// AccountName returns the profile name of account, "" when the peer holds
// none.
func (p *Peer) AccountName(ctx context.Context, account identity.PublicKey) string {
	return p.names().account(ctx, account)
}

// DeviceName returns the name the device's certificate gives it, "" when
// the peer does not hold it.
func (p *Peer) DeviceName(ctx context.Context, device identity.PublicKey) string {
	d, err := p.store.AccountOf(ctx, device)
	if err != nil {
		return ""
	}
	return d.Name
}

// SetName publishes a profile with name in the device's public log: the
// account's name as every peer shows it.
func (p *Peer) SetName(ctx context.Context, name string) (*entry.Entry, error) {
	payload, err := content.Encode(&content.Profile{Name: name})
	if err != nil {
		return nil, err
	}
	return p.Publish(ctx, entry.LogID{}, payload)
}
