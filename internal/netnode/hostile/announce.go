package hostile

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	ma "github.com/multiformats/go-multiaddr"
)

// dhtKeyLabel is the label kith hashes every DHT key with (doc/network.md,
// "DHT"), written out here so that this package imports nothing of the
// node it attacks.
const dhtKeyLabel = "kith/dht-key/v1\x00"

// Listen makes the attacker reachable on a loopback TCP port, so that a
// node it misleads (Announce) can dial it.
func (a *Attacker) Listen() error {
	if err := a.host.Network().Listen(ma.StringCast("/ip4/127.0.0.1/tcp/0")); err != nil {
		return fmt.Errorf("hostile: listen: %w", err)
	}
	return nil
}

// Announce tells the DHT server t that the attacker provides key (a key as
// kith's nodes give it to the DHT, before kith's hashing), naming its own
// listen addresses: what any peer may do for any key. With the key of an
// account (scope.AccountRendezvousKey), the attacker poses as one of the
// account's devices to whoever looks them up.
func (a *Attacker) Announce(ctx context.Context, t Target, key []byte) error {
	addrs := a.host.Addrs()
	if len(addrs) == 0 {
		return fmt.Errorf("hostile: announce: the attacker listens nowhere (call Listen first)")
	}
	sum := sha256.Sum256(append([]byte(dhtKeyLabel), key...))
	dkey := append([]byte{0x12, 0x20}, sum[:]...) // a sha2-256 multihash, as the DHT keys providers by
	octx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	s, err := a.Open(octx, t, dhtProtocol)
	if err != nil {
		return fmt.Errorf("hostile: announce: %w", err)
	}
	defer s.Close()
	_ = s.SetWriteDeadline(time.Now().Add(15 * time.Second))
	if _, err := s.Write(addProvider(dkey, []byte(a.host.ID()), addrs[0].Bytes())); err != nil {
		return fmt.Errorf("hostile: announce: %w", err)
	}
	return nil
}
