package node

import (
	"fmt"
	"slices"
)

// oldDefaultListens are the default listen sets that config files written
// with earlier defaults spell out, oldest first: until 2026-12 there was
// no IPv6 WebSocket address (such a node never listened for WebSocket on
// IPv6); until the seventh session of 2026-12-07 there was no WebRTC-direct
// address (browsers could not dial such a node without a certificate
// authority).
var oldDefaultListens = [][]string{
	{
		fmt.Sprintf("/ip4/0.0.0.0/tcp/%d", DefaultP2PPort),
		fmt.Sprintf("/ip4/0.0.0.0/udp/%d/quic-v1", DefaultP2PPort),
		fmt.Sprintf("/ip4/0.0.0.0/tcp/%d/ws", DefaultWSPort),
		fmt.Sprintf("/ip6/::/tcp/%d", DefaultP2PPort),
		fmt.Sprintf("/ip6/::/udp/%d/quic-v1", DefaultP2PPort),
	},
	{
		fmt.Sprintf("/ip4/0.0.0.0/tcp/%d", DefaultP2PPort),
		fmt.Sprintf("/ip4/0.0.0.0/udp/%d/quic-v1", DefaultP2PPort),
		fmt.Sprintf("/ip4/0.0.0.0/tcp/%d/ws", DefaultWSPort),
		fmt.Sprintf("/ip6/::/tcp/%d", DefaultP2PPort),
		fmt.Sprintf("/ip6/::/udp/%d/quic-v1", DefaultP2PPort),
		fmt.Sprintf("/ip6/::/tcp/%d/ws", DefaultWSPort),
	},
}

// isOldDefaultListen reports whether listen is exactly one of the old
// default sets, which a config file holds because it was written with the
// defaults of its time, not because its user chose it: it gets today's
// defaults.
func isOldDefaultListen(listen []string) bool {
	for _, old := range oldDefaultListens {
		if slices.Equal(listen, old) {
			return true
		}
	}
	return false
}
