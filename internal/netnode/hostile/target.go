package hostile

import (
	"fmt"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// Target is the node under attack: where it listens and who it is.
type Target struct {
	Info peer.AddrInfo
	Key  identity.PublicKey // its device key
	Addr string             // the multiaddr it was parsed from
}

// ParseTarget reads a multiaddr with /p2p/ and an Ed25519 peer id, such as
// one of the addresses 'kith serve --json' prints.
func ParseTarget(s string) (Target, error) {
	m, err := ma.NewMultiaddr(s)
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w", s, err)
	}
	info, err := peer.AddrInfoFromP2pAddr(m)
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w (it must end in /p2p/<peer id>)", s, err)
	}
	if len(info.Addrs) == 0 {
		return Target{}, fmt.Errorf("target %q has no transport address before /p2p/", s)
	}
	pub, err := info.ID.ExtractPublicKey()
	if err != nil || pub.Type() != crypto.Ed25519 {
		return Target{}, fmt.Errorf("target %q: the peer id is not an Ed25519 key (not a kith device)", s)
	}
	raw, err := pub.Raw()
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w", s, err)
	}
	var key identity.PublicKey
	copy(key[:], raw)
	return Target{Info: *info, Key: key, Addr: s}, nil
}
