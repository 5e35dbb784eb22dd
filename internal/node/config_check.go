package node

import (
	"fmt"

	"github.com/kithnet/kith/internal/netnode"
)

// CheckConfig checks a configuration as StartNetwork does, without starting
// anything: settings out of range, listen addresses that do not parse,
// bootstrap peers that do not name their peer. Addresses in use are found
// only when the network starts. Configured peers are not checked: the
// network warns about an unusable one and goes on.
func CheckConfig(c Config) error {
	c = c.withDefaults()
	if err := c.check(); err != nil {
		return err
	}
	if err := netnode.CheckListen(c.Listen); err != nil {
		return err
	}
	for i, a := range c.Bootstrap {
		if _, _, err := netnode.ParsePeerAddr(a); err != nil {
			return fmt.Errorf("bootstrap peer %d: %w", i+1, err)
		}
	}
	return nil
}

// CheckListenAddr checks one listen multiaddr, e.g. /ip4/0.0.0.0/tcp/7696.
func CheckListenAddr(addr string) error {
	return netnode.CheckListen([]string{addr})
}

// CheckPeerAddr checks a peer's multiaddr, which must end in /p2p/<peer id>.
func CheckPeerAddr(addr string) error {
	_, _, err := netnode.ParsePeerAddr(addr)
	return err
}
