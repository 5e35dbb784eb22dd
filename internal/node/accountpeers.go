package node

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
)

// Account rendezvous (doc/network.md): every device announces its
// account's key in the DHT, and a node looks up the keys of the accounts
// it follows (and of its own) while none of their devices is connected,
// so that an account id alone is enough to find and replicate an account.
// Anyone can announce any key: a provider counts only once its
// certificate, signed by the account, shows it is one of the account's
// devices, not revoked.
const (
	// accountLookups bounds the accounts looked up in one round of the
	// discovery loop.
	accountLookups = 16
	// accountCandidates bounds the providers of one account's key dialled
	// in one round: announcing costs an attacker nothing, dialling costs
	// this node a connection each.
	accountCandidates = 8
	// notDeviceFor is how long a provider found not to be a device of the
	// account it was announced under is not dialled again for it.
	notDeviceFor = 10 * time.Minute
	// maxNotDevice bounds the providers remembered as not being devices.
	maxNotDevice = 1024
)

// accountRendezvous is the discovery loop's state for account keys.
type accountRendezvous struct {
	provided bool // this node's own account key is announced

	mu        sync.Mutex
	notDevice map[identity.PublicKey]time.Time // provider -> when it may be tried again
}

// skip reports whether p was found lately not to be the device it was
// announced as.
func (r *accountRendezvous) skip(p identity.PublicKey, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	until, ok := r.notDevice[p]
	if ok && now.After(until) {
		delete(r.notDevice, p)
		return false
	}
	return ok
}

// refuse remembers that p is not a device of the account it was announced
// under. When full, the entry closest to expiring makes room.
func (r *accountRendezvous) refuse(p identity.PublicKey, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.notDevice == nil {
		r.notDevice = map[identity.PublicKey]time.Time{}
	}
	if _, ok := r.notDevice[p]; !ok && len(r.notDevice) >= maxNotDevice {
		var oldest identity.PublicKey
		var first time.Time
		for k, t := range r.notDevice {
			if first.IsZero() || t.Before(first) {
				oldest, first = k, t
			}
		}
		delete(r.notDevice, oldest)
	}
	r.notDevice[p] = now.Add(notDeviceFor)
}

// accountCandidate is a provider of an account's rendezvous key.
type accountCandidate struct {
	account identity.PublicKey
	device  identity.PublicKey
}

// accountPeers announces this node's account key and returns the
// providers of the keys of this node's own account and of the accounts it
// follows, for each such account none of whose known devices is
// connected: not this device, not blocked, not connected, not refused
// lately. Without a DHT it finds nothing. missing counts the accounts
// looked up for which no provider was found.
func (n *Node) accountPeers(ctx context.Context, nw *network, r *accountRendezvous) (out []accountCandidate, missing int) {
	// A revoked device is no longer one of the account's devices: it
	// stops announcing the account's key.
	if rev, err := n.OwnRevocation(ctx); err == nil && rev != nil {
		if r.provided {
			nw.host.StopProviding(scope.AccountRendezvousKey(n.account))
			r.provided = false
			nw.log.Info("this device was revoked: it no longer announces its account's key")
		}
		return nil, 0
	}
	if !r.provided {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := nw.host.Provide(pctx, scope.AccountRendezvousKey(n.account)); err != nil {
			nw.log.Debug("announce the account rendezvous key", "err", err)
		}
		cancel()
		// Provide keeps the key announced (again every 22 hours) even
		// when the first announcement failed.
		r.provided = true
	}
	var accounts []identity.PublicKey
	reached := n.connectedAccounts(ctx, nw)
	for acc, dist := range nw.scope.Accounts() {
		if dist <= 1 && !reached[acc.Key()] {
			accounts = append(accounts, acc.Key())
		}
	}
	slices.SortFunc(accounts, func(a, b identity.PublicKey) int { return slices.Compare(a[:], b[:]) })
	if len(accounts) > accountLookups {
		accounts = accounts[:accountLookups]
	}
	now := time.Now()
	for _, acc := range accounts {
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		peers, err := nw.host.FindProviders(fctx, scope.AccountRendezvousKey(acc))
		cancel()
		if err != nil {
			nw.log.Debug("find an account's devices", "account", acc.Account(), "err", err)
		}
		if len(peers) == 0 {
			missing++
		}
		taken := 0
		for _, p := range peers {
			if taken == accountCandidates {
				break
			}
			if p == n.device.Public() || nw.scope.Blocked(p) || nw.isConnected(p) || r.skip(p, now) {
				continue
			}
			out = append(out, accountCandidate{account: acc, device: p})
			taken++
		}
	}
	return out, missing
}

// connectedAccounts returns the accounts some device of which, other than
// this one and not revoked, is connected: one look-up per connected peer
// (at most conn_high), not one per account followed, which made every
// discovery round of a node following 3,000 accounts cost 3,000 queries.
func (n *Node) connectedAccounts(ctx context.Context, nw *network) map[identity.PublicKey]bool {
	nw.mu.Lock()
	peers := make([]identity.PublicKey, 0, len(nw.connected))
	for p, ok := range nw.connected {
		if ok && p != n.device.Public() {
			peers = append(peers, p)
		}
	}
	nw.mu.Unlock()
	out := make(map[identity.PublicKey]bool, len(peers))
	for _, p := range peers {
		if d, err := n.store.AccountOf(ctx, p); err == nil && !d.Revoked {
			out[d.Account] = true
		}
	}
	return out
}

// dialAccountCandidate connects to a provider of an account's key and
// checks, by its certificate, that it is a current device of that
// account. One that is not is remembered (not dialled again for it for a
// while) and reported; it gets nothing it would not get as any stranger.
func (n *Node) dialAccountCandidate(ctx context.Context, nw *network, r *accountRendezvous, c accountCandidate) {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := nw.host.ConnectKey(cctx, c.device, nil); err != nil {
		nw.log.Debug("dial a device found under an account's key", "account", c.account.Account(), "peer", c.device.Device(), "err", err)
		return
	}
	acc, err := n.peerAccount(cctx, nw, c.device)
	if err != nil && !errors.Is(err, errBlockedPeer) {
		nw.log.Info("a peer found under an account's key did not say which account it belongs to", "account", c.account.Account(), "peer", c.device.Device(), "err", err)
		r.refuse(c.device, time.Now())
		return
	}
	if acc != c.account {
		nw.log.Warn("a peer announced under an account's key is not its device; ignored", "account", c.account.Account(), "peer", c.device.Device(), "its_account", acc.Account())
		r.refuse(c.device, time.Now())
		return
	}
	if d, err := n.store.AccountOf(cctx, c.device); err == nil && d.Revoked {
		nw.log.Info("a device found under its account's key is revoked; ignored", "account", c.account.Account(), "peer", c.device.Device())
		r.refuse(c.device, time.Now())
		return
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return
	}
	nw.log.Info("connected to a device found under its account's key", "account", c.account.Account(), "peer", c.device.Device())
}
