package netnode

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
)

// Connect dials the peer at multiaddr, which must end in /p2p/<peer id>,
// and returns its key once the connection is up (or already was).
func (h *Host) Connect(ctx context.Context, multiaddr string) (identity.PublicKey, error) {
	info, key, err := parsePeerAddr(multiaddr)
	if err != nil {
		return identity.PublicKey{}, fmt.Errorf("netnode: connect: %w", err)
	}
	if err := h.checkDialable(key); err != nil {
		return identity.PublicKey{}, fmt.Errorf("netnode: connect to %s: %w", key.Device(), err)
	}
	h.clearDialBackoff(info.ID)
	if err := h.host.Connect(ctx, info); err != nil {
		return identity.PublicKey{}, fmt.Errorf("netnode: connect to %s at %s: %w", key.Device(), multiaddr, err)
	}
	return key, nil
}

// ConnectKey connects to the peer with key unless it is connected already.
// It dials addrs (multiaddrs of that peer, with or without /p2p/<id>) and
// the addresses the peerstore already holds; if that fails or none are
// known, it looks the peer up in the DHT and dials what it finds.
func (h *Host) ConnectKey(ctx context.Context, key identity.PublicKey, addrs []string) error {
	if _, err := h.connectKey(ctx, key, addrs); err != nil {
		return fmt.Errorf("netnode: connect to %s: %w", key.Device(), err)
	}
	return nil
}

// dialSource says how connectKey reached a peer.
type dialSource int

const (
	alreadyConnected dialSource = iota + 1
	viaKnownAddrs               // given addresses or the peerstore's
	viaDHT                      // addresses found by a DHT lookup
)

// knownAddrTTL is how long addresses given to ConnectKey (and a kept
// peer's stored addresses, at every redial) stay in the peerstore.
var knownAddrTTL = peerstore.AddressTTL

func (h *Host) connectKey(ctx context.Context, key identity.PublicKey, addrs []string) (dialSource, error) {
	if err := h.checkDialable(key); err != nil {
		return 0, err
	}
	id, err := peerIDOf(key)
	if err != nil {
		return 0, err
	}
	if usable(h.host.Network().Connectedness(id)) {
		return alreadyConnected, nil
	}
	given, err := transportAddrsOf(id, addrs)
	if err != nil {
		return 0, err
	}
	h.host.Peerstore().AddAddrs(id, given, knownAddrTTL)

	var errs []error
	if len(h.host.Peerstore().Addrs(id)) > 0 {
		h.clearDialBackoff(id)
		err := h.host.Connect(ctx, peer.AddrInfo{ID: id})
		if err == nil {
			return viaKnownAddrs, nil
		}
		errs = append(errs, fmt.Errorf("dialling its known addresses: %w", err))
	}
	if h.dht == nil {
		if len(errs) == 0 {
			return 0, errNoAddress
		}
		return 0, errors.Join(errs...)
	}
	if ctx.Err() != nil {
		return 0, errors.Join(append(errs, ctx.Err())...)
	}
	h.clearDialBackoff(id) // the lookup dials the peer itself
	found, err := h.dht.FindPeer(ctx, id)
	if err != nil {
		return 0, errors.Join(append(errs, fmt.Errorf("looking it up in the DHT: %w", err))...)
	}
	h.clearDialBackoff(id)
	if err := h.host.Connect(ctx, found); err != nil {
		return 0, errors.Join(append(errs, fmt.Errorf("dialling the addresses the DHT gave: %w", err))...)
	}
	return viaDHT, nil
}

// checkDialable refuses this host's own key and refused peers.
func (h *Host) checkDialable(key identity.PublicKey) error {
	if key == h.self {
		return errSelf
	}
	if until, refused := h.penalties.refusedUntil(key); refused {
		return fmt.Errorf("%w until %s", ErrRefused, until.Format("15:04:05"))
	}
	return nil
}
