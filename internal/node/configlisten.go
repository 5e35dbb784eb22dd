package node

import (
	"fmt"
	"slices"
)

// oldDefaultListen is the default listen set that config files written
// before 2026-12 spell out: it had no IPv6 WebSocket address, so such a
// node never listened for WebSocket on IPv6.
var oldDefaultListen = []string{
	fmt.Sprintf("/ip4/0.0.0.0/tcp/%d", DefaultP2PPort),
	fmt.Sprintf("/ip4/0.0.0.0/udp/%d/quic-v1", DefaultP2PPort),
	fmt.Sprintf("/ip4/0.0.0.0/tcp/%d/ws", DefaultWSPort),
	fmt.Sprintf("/ip6/::/tcp/%d", DefaultP2PPort),
	fmt.Sprintf("/ip6/::/udp/%d/quic-v1", DefaultP2PPort),
}

// isOldDefaultListen reports whether listen is exactly the old default
// set, which a config file holds because it was written with the defaults
// of its time, not because its user chose it: it gets today's defaults.
func isOldDefaultListen(listen []string) bool {
	return slices.Equal(listen, oldDefaultListen)
}
