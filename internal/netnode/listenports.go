package netnode

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	ma "github.com/multiformats/go-multiaddr"
)

// ownListenPorts returns addrs with every TCP or UDP port another socket
// holds replaced by 0 (a free one, chosen when the host listens), and a
// warning for each. libp2p listens with SO_REUSEPORT (so that it can dial
// out from its listening port), and so does a second kith node on the same
// machine: without this check both listened on 7696 and the kernel shared
// new connections between them, so that dials to one reached the other
// ("peer id mismatch"). A probe without SO_REUSEPORT cannot bind a port
// another socket holds, whether or not that one set it. Addresses that do
// not parse, or name no port, pass unchanged (parseListen reports them).
func ownListenPorts(addrs []string) ([]string, []string) {
	out := make([]string, len(addrs))
	var warnings []string
	type probe struct {
		i                 int
		m                 ma.Multiaddr
		network, hostport string
		port              int
	}
	var taken []probe
	for i, s := range addrs {
		out[i] = s
		m, err := ma.NewMultiaddr(s)
		if err != nil {
			continue
		}
		network, host, port, ok := listenSocket(m)
		if !ok || port == 0 {
			continue
		}
		p := probe{i, m, network, net.JoinHostPort(host, strconv.Itoa(port)), port}
		if portTaken(p.network, p.hostport) {
			taken = append(taken, p)
		}
	}
	if len(taken) > 0 {
		// A node restarted at once may find its own last run's sockets
		// still closing: look again once before giving the port up.
		time.Sleep(portRecheck)
	}
	for _, p := range taken {
		s, m, network, port := addrs[p.i], p.m, p.network, p.port
		if !portTaken(network, p.hostport) {
			continue
		}
		code := ma.P_TCP
		if network[:3] == "udp" {
			code = ma.P_UDP
		}
		free, err := withPort(m, code, 0)
		if err != nil {
			continue
		}
		out[p.i] = free.String()
		warnings = append(warnings, fmt.Sprintf("listen address %s: port %d is in use (another kith node on this machine?); listening on a free port instead — set another port in config.toml's listen to choose one", s, port))
	}
	return out, warnings
}

// portRecheck is how long ownListenPorts waits before it looks again at
// the ports it found taken.
const portRecheck = 300 * time.Millisecond

// listenSocket returns the socket a listen multiaddr binds: "tcp4",
// "tcp6", "udp4" or "udp6", the IP and the port.
func listenSocket(m ma.Multiaddr) (network, host string, port int, ok bool) {
	var ip4, ip6, tcp, udp string
	ma.ForEach(m, func(c ma.Component) bool {
		switch c.Protocol().Code {
		case ma.P_IP4:
			ip4 = c.Value()
		case ma.P_IP6:
			ip6 = c.Value()
		case ma.P_TCP:
			tcp = c.Value()
		case ma.P_UDP:
			udp = c.Value()
		}
		return true
	})
	family, host := "4", ip4
	if ip6 != "" {
		family, host = "6", ip6
	}
	if host == "" {
		return "", "", 0, false
	}
	proto, p := "tcp", tcp
	if udp != "" {
		proto, p = "udp", udp
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return "", "", 0, false
	}
	return proto + family, host, n, true
}

// portTaken reports whether binding addr on network fails because the
// address is in use.
func portTaken(network, addr string) bool {
	var err error
	if network[:3] == "tcp" {
		var l net.Listener
		if l, err = net.Listen(network, addr); err == nil {
			_ = l.Close()
		}
	} else {
		var c net.PacketConn
		if c, err = net.ListenPacket(network, addr); err == nil {
			_ = c.Close()
		}
	}
	return errors.Is(err, syscall.EADDRINUSE)
}

// withPort returns m with the value of its first component of code set to
// port.
func withPort(m ma.Multiaddr, code int, port int) (ma.Multiaddr, error) {
	var out ma.Multiaddr
	done := false
	var err error
	ma.ForEach(m, func(c ma.Component) bool {
		if c.Protocol().Code == code && !done {
			var nc *ma.Component
			nc, err = ma.NewComponent(c.Protocol().Name, strconv.Itoa(port))
			if err != nil {
				return false
			}
			out = append(out, *nc)
			done = true
			return true
		}
		out = append(out, c)
		return true
	})
	return out, err
}

// ListenWarnings says which configured listen ports were in use, so that
// the host listens on free ones instead; nil when it owns them all.
func (h *Host) ListenWarnings() []string { return h.listenWarnings }
