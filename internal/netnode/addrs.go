package netnode

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// ErrBadAddress is wrapped by the errors of Connect for text that is not a
// multiaddr of an Ed25519 peer ending in /p2p/<peer id>.
var ErrBadAddress = errors.New("not a peer address")

// maxAddrLen bounds the text of one multiaddr this package parses.
const maxAddrLen = 1024

// parsePeerAddr parses a multiaddr that ends in /p2p/<peer id> (text from a
// user, an invite or a file) into the peer's dialable address and its key.
// The peer must be an Ed25519 key.
func parsePeerAddr(s string) (peer.AddrInfo, identity.PublicKey, error) {
	info, key, err := parsePeerAddrText(s)
	if err != nil {
		return info, key, badAddressError{err}
	}
	return info, key, nil
}

// badAddressError says what is wrong with an address and matches
// ErrBadAddress.
type badAddressError struct{ err error }

func (e badAddressError) Error() string        { return e.err.Error() }
func (e badAddressError) Unwrap() error        { return e.err }
func (e badAddressError) Is(target error) bool { return target == ErrBadAddress }

func parsePeerAddrText(s string) (peer.AddrInfo, identity.PublicKey, error) {
	m, err := parseAddr(s)
	if err != nil {
		return peer.AddrInfo{}, identity.PublicKey{}, err
	}
	info, err := peer.AddrInfoFromP2pAddr(m)
	if err != nil {
		return peer.AddrInfo{}, identity.PublicKey{}, fmt.Errorf("address %q does not name its peer: it must end in /p2p/<peer id>: %w", s, err)
	}
	key, err := keyOf(info.ID)
	if err != nil {
		return peer.AddrInfo{}, identity.PublicKey{}, fmt.Errorf("address %q: %w", s, err)
	}
	return *info, key, nil
}

// parseAddr parses one multiaddr, bounded in length.
func parseAddr(s string) (ma.Multiaddr, error) {
	if len(s) > maxAddrLen {
		return nil, fmt.Errorf("address of %d bytes is longer than the %d allowed", len(s), maxAddrLen)
	}
	m, err := ma.NewMultiaddr(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("address %q is not a multiaddr: %w", s, err)
	}
	return m, nil
}

// transportAddrsOf parses addrs, which are addresses of the peer id (with or
// without a trailing /p2p/<id>), into transport addresses without the /p2p
// part. An address that names a different peer is an error.
func transportAddrsOf(id peer.ID, addrs []string) ([]ma.Multiaddr, error) {
	out := make([]ma.Multiaddr, 0, len(addrs))
	for _, s := range addrs {
		m, err := parseAddr(s)
		if err != nil {
			return nil, err
		}
		transport, named := peer.SplitAddr(m)
		if named != "" && named != id {
			return nil, fmt.Errorf("address %q belongs to peer %s, not %s", s, named, id)
		}
		if transport == nil {
			return nil, fmt.Errorf("address %q has no transport part", s)
		}
		out = append(out, transport)
	}
	return out, nil
}

// errNoAddress is returned when a peer has no known address and no DHT can
// look one up.
var errNoAddress = errors.New("no address is known for the peer and the DHT is off")

// ParsePeerAddr parses a multiaddr that ends in /p2p/<peer id> into the
// peer's key and its transport address (the multiaddr without /p2p/…).
// Errors match ErrBadAddress.
func ParsePeerAddr(s string) (identity.PublicKey, string, error) {
	info, key, err := parsePeerAddr(s)
	if err != nil {
		return identity.PublicKey{}, "", err
	}
	if len(info.Addrs) == 0 {
		return key, "", nil
	}
	return key, info.Addrs[0].String(), nil
}
