package cli

import (
	"fmt"
	"net"
	"regexp"
	"strings"
)

// listenPortRe takes the IP, transport and port of a listen multiaddr.
var listenPortRe = regexp.MustCompile(`^/(?:ip4|ip6)/([^/]+)/(tcp|udp)/([0-9]+)(?:/|$)`)

// checkListenFree refuses a --listen address whose port this machine
// cannot give the node (taken by another program, or an IP not of this
// machine), by binding it for a moment. Without it, the network would
// start on the other addresses and leave this one out unsaid, or fail,
// after 'kith serve --init' had created the account. Port 0 (any free
// port) needs no check.
func checkListenFree(addrs []string, creating bool) error {
	nothing := ""
	if creating {
		nothing = "; nothing was created"
	}
	for _, a := range addrs {
		m := listenPortRe.FindStringSubmatch(a)
		if m == nil || m[3] == "0" {
			continue
		}
		ip, proto, port := m[1], m[2], m[3]
		hostport := net.JoinHostPort(ip, port)
		var err error
		if proto == "tcp" {
			var ln net.Listener
			if ln, err = net.Listen("tcp", hostport); err == nil {
				_ = ln.Close()
			}
		} else {
			var pc net.PacketConn
			if pc, err = net.ListenPacket("udp", hostport); err == nil {
				_ = pc.Close()
			}
		}
		switch {
		case err == nil:
		case isAddrInUse(err):
			return fmt.Errorf("--listen %s: %s port %s on %s is in use (another kith node?): choose another port with --listen, or stop what uses it%s", a, strings.ToUpper(proto), port, ip, nothing)
		default:
			return fmt.Errorf("--listen %s: cannot listen there: %v (give an IP of this machine, 0.0.0.0 or :: for all, and a port you may use)%s", a, err, nothing)
		}
	}
	return nil
}
