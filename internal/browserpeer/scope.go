package browserpeer

import (
	"context"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// scope is a browser's replication scope (doc/browser.md): it wants the
// logs of its own device and account, of the accounts it follows and of
// the devices they certified, what the spaces of its account make it want
// (spacescope.go), and the logs of the villages its account takes part in
// (village.go); it offers every log it holds to every peer (a browser
// holds nothing it may not pass on: public logs, certificates, the sealed
// logs of spaces, which any node may carry, and the village logs a node
// offers to any peer, never an unlisted stranger's, village.md §6).
type scope struct{ p *Peer }

func (s scope) Offers(identity.PublicKey, store.LogKey) bool { return true }

func (s scope) Wants(log store.LogKey) bool {
	p := s.p
	if log.Author == p.cfg.Device || p.sp.wants.Load().wants(log) || p.villages.Load().wants(log) {
		return true
	}
	p.mu.Lock()
	own, followed := p.account, p.follows[log.Author]
	p.mu.Unlock()
	if followed || (own != identity.PublicKey{} && log.Author == own) {
		return true
	}
	d, err := p.store.AccountOf(context.Background(), log.Author)
	if err != nil || d.Revoked {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.follows[d.Account] || (own != identity.PublicKey{} && d.Account == own)
}
