package netnode

import (
	"fmt"

	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
)

// startMDNS starts mDNS discovery on the LAN. A machine without a
// multicast-capable interface (a server with loopback only, a container)
// cannot run it: the host then runs without it, logs a warning and
// reports why (MDNSError), since everything else still works.
func (h *Host) startMDNS() {
	svc := mdns.NewMdnsService(h.host, mdnsServiceName, &mdnsNotifee{h: h})
	if err := svc.Start(); err != nil {
		_ = svc.Close()
		h.mdnsErr = fmt.Errorf("mDNS is off: %w (peers on the LAN are not found by multicast; the DHT, configured peers and invites still work)", err)
		h.log.Warn("running without LAN discovery", "err", h.mdnsErr)
		return
	}
	h.closers = append(h.closers, svc.Close)
}

// MDNSError tells why mDNS, which the configuration asked for, does not
// run (no multicast-capable interface, say); nil if it runs or was not
// asked for.
func (h *Host) MDNSError() error { return h.mdnsErr }
