package turnrelay

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/ice"
	"github.com/kithnet/kith/internal/identity"
	"github.com/pion/turn/v4"
)

// Limits bound what the server relays. Zero fields take the defaults.
type Limits struct {
	// PerDevice is how many allocations one device may hold at once.
	PerDevice int
	// Total is how many allocations the server holds at once.
	Total int
	// Bytes is how many payload bytes one allocation may carry, both
	// directions together; then it is closed.
	Bytes int64
	// Lifetime is how long one allocation may live, whatever its
	// refreshes ask; then it is closed.
	Lifetime time.Duration
	// DeviceBytesPerHour is how many payload bytes all allocations of one
	// device may carry in one hour of the node's clock (a window that
	// starts at its first byte); over it, the allocation carrying is
	// closed and the device is given no new one until the hour is over.
	// Without it an allocation closed at Bytes could be replaced at once.
	DeviceBytesPerHour int64
	// PerAccount is how many allocations all devices of one account
	// (Config.AccountOf) may hold at once: an account certifies devices
	// at no cost, so the device caps alone do not bound what one person
	// takes.
	PerAccount int
	// AccountBytesPerHour is DeviceBytesPerHour for all devices of one
	// account together.
	AccountBytesPerHour int64
	// ErrorsPerSecond is how many STUN error answers (a 401 to a request
	// without credentials, most of all) go to one IP address in a second
	// of the node's clock; the rest are not sent. A 401 is about six
	// times the request it answers, so without a bound the server would
	// reflect a flood of requests with a forged source at their victim.
	ErrorsPerSecond int
	// Sweep is how often the allocations' devices are checked against
	// Config.Allowed; the allocations of a device refused at two sweeps
	// in a row are closed.
	Sweep time.Duration
}

// Default limits (doc/protocol/ice.md).
const (
	DefaultPerDevice = 8
	DefaultTotal     = 256
	DefaultBytes     = 64 << 20
	DefaultLifetime  = time.Hour
	// DefaultDeviceBytesPerHour is four allocations' worth.
	DefaultDeviceBytesPerHour = 4 * DefaultBytes
	// DefaultPerAccount and DefaultAccountBytesPerHour are two devices'
	// worth: a person's phone and laptop.
	DefaultPerAccount          = 2 * DefaultPerDevice
	DefaultAccountBytesPerHour = 2 * DefaultDeviceBytesPerHour
	DefaultErrorsPerSecond     = 8
	DefaultSweep               = 30 * time.Second
)

func (l Limits) withDefaults() Limits {
	if l.PerDevice == 0 {
		l.PerDevice = DefaultPerDevice
	}
	if l.Total == 0 {
		l.Total = DefaultTotal
	}
	if l.Bytes == 0 {
		l.Bytes = DefaultBytes
	}
	if l.Lifetime == 0 {
		l.Lifetime = DefaultLifetime
	}
	if l.DeviceBytesPerHour == 0 {
		l.DeviceBytesPerHour = DefaultDeviceBytesPerHour
	}
	if l.PerAccount == 0 {
		l.PerAccount = DefaultPerAccount
	}
	if l.AccountBytesPerHour == 0 {
		l.AccountBytesPerHour = DefaultAccountBytesPerHour
	}
	if l.ErrorsPerSecond == 0 {
		l.ErrorsPerSecond = DefaultErrorsPerSecond
	}
	if l.Sweep == 0 {
		l.Sweep = DefaultSweep
	}
	return l
}

// Config configures a Server.
type Config struct {
	// Listen is the UDP address, "IP:PORT". An unspecified IP (0.0.0.0)
	// listens on every IPv4 address of this machine's interfaces at
	// start, on one port, so that each allocation's relayed address is
	// the one its client reached. Port 0 takes a free port.
	Listen string
	// Secret is the node's secret of internal/ice (ice.SecretSize bytes).
	Secret []byte
	// Connected reports whether device is a browser peer connected to
	// the node now: only such a device's credentials are taken.
	Connected func(identity.PublicKey) bool
	// BrowserIPs returns the addresses of the browser peers connected
	// to the node now: permissions may name them.
	BrowserIPs func() []netip.Addr
	// Allowed reports whether device may still be relayed for: connected
	// and of the node's circle. Every Limits.Sweep, the allocations of a
	// device it refuses are closed (an unfollowed account's browser is not
	// relayed for until its allocations' lifetime ends). Nil: Connected.
	Allowed func(identity.PublicKey) bool
	// AccountOf returns the account of device, as its certificate says;
	// a device whose account is not known counts as its own account.
	// Nil: every device is its own account.
	AccountOf func(device identity.PublicKey) identity.PublicKey
	Limits    Limits
	Logger    *slog.Logger
	// Now is the node's clock; nil is time.Now.
	Now func() time.Time
}

// Stats count what the server did since it started.
type Stats struct {
	Allocations      int   // held now
	AllocationsTotal int64 // made since start
	BytesRelayed     int64 // payload bytes carried, both directions
	RefusedAuth      int64 // requests whose credentials were refused (expired, malformed, not a connected browser)
	RefusedQuota     int64 // allocations refused: the device's, the account's or the server's cap was reached
	RefusedPeer      int64 // permissions refused: not a browser's address
	DroppedOwn       int64 // datagrams not sent: to this machine but not to an allocation of this server
	DroppedStranger  int64 // datagrams to a relayed address from an address no permission can name: not counted, not relayed
	DroppedErrors    int64 // STUN error answers not sent: over Limits.ErrorsPerSecond to their address
	EndedBytes       int64 // allocations closed at their byte limit
	EndedLifetime    int64 // allocations closed at their lifetime limit
	EndedHourly      int64 // allocations closed at their device's or account's bytes in the hour
	EndedLeft        int64 // allocations closed because their device is no longer connected or of the circle
}

// Server is a running STUN and TURN server.
type Server struct {
	cfg    Config
	limits Limits
	log    *slog.Logger
	turn   *turn.Server
	port   int
	ips    []netip.Addr // the addresses listened on
	// machine: this machine's addresses and its interfaces' subnet
	// broadcast addresses, read at start and again at every sweep (an
	// interface that comes up later, a VPN's, is known within one).
	machine atomic.Pointer[machineAddrs]
	errs    *errorLimit
	stop    chan struct{}
	closed  sync.Once
	sweeps  sync.WaitGroup // the sweep goroutine
	// refused: devices Config.Allowed refused at the last sweep; a device
	// refused at two sweeps in a row loses its allocations (one refusal
	// may be a browser reconnecting, or the store slow to answer).
	refused map[identity.PublicKey]bool
	mu      sync.Mutex
	allocs  map[netip.AddrPort]*relayConn // by relayed address
	by      map[clientKey]*relayConn      // by the listening socket and client address that made it
	per     map[identity.PublicKey]int    // allocations held by device
	spent   map[identity.PublicKey]*hour  // bytes carried by device in its current hour
	perAcct map[identity.PublicKey]int    // allocations held by account
	spentAc map[identity.PublicKey]*hour  // bytes carried by account in its current hour
	held    int                           // allocations held (reserved before their sockets open)
	stats   Stats
}

// clientKey names an allocation as pion's permission handler sees it:
// the listening socket it was made on and its client's address.
type clientKey struct {
	lc     *listenConn
	client netip.AddrPort
}

// Start listens and serves until Close.
func Start(cfg Config) (*Server, error) {
	if len(cfg.Secret) != ice.SecretSize {
		return nil, fmt.Errorf("turnrelay: the secret is %d bytes, want %d", len(cfg.Secret), ice.SecretSize)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Allowed == nil {
		cfg.Allowed = cfg.Connected
	}
	if cfg.AccountOf == nil {
		cfg.AccountOf = func(dev identity.PublicKey) identity.PublicKey { return dev }
	}
	s := &Server{cfg: cfg, limits: cfg.Limits.withDefaults(), log: cfg.Logger,
		allocs: map[netip.AddrPort]*relayConn{}, by: map[clientKey]*relayConn{}, per: map[identity.PublicKey]int{},
		spent: map[identity.PublicKey]*hour{}, perAcct: map[identity.PublicKey]int{}, spentAc: map[identity.PublicKey]*hour{}, stop: make(chan struct{})}
	s.machine.Store(readMachineAddrs())
	s.errs = newErrorLimit(s.limits.ErrorsPerSecond, cfg.Now)
	conns, err := s.listen(cfg.Listen)
	if err != nil {
		return nil, err
	}
	var pcs []turn.PacketConnConfig
	for _, c := range conns {
		lc := &listenConn{PacketConn: c, s: s}
		ip := c.LocalAddr().(*net.UDPAddr).IP
		pcs = append(pcs, turn.PacketConnConfig{
			PacketConn:            lc,
			RelayAddressGenerator: &relayGen{s: s, ip: ip, lc: lc},
			PermissionHandler:     func(client net.Addr, peer net.IP) bool { return s.permit(lc, client, peer) },
		})
	}
	s.turn, err = turn.NewServer(turn.ServerConfig{
		Realm:             ice.Realm,
		AuthHandler:       s.auth,
		PacketConnConfigs: pcs,
		LoggerFactory:     pionLogs{s.log},
	})
	if err != nil {
		for _, c := range conns {
			_ = c.Close()
		}
		return nil, fmt.Errorf("turnrelay: %w", err)
	}
	s.sweeps.Add(1)
	go s.sweep()
	return s, nil
}

// listen opens the UDP sockets of addr.
func (s *Server) listen(addr string) ([]net.PacketConn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, fmt.Errorf("turnrelay: the listen address %q is not IP:PORT: %v", addr, err)
	}
	if !ap.Addr().Unmap().Is4() {
		return nil, fmt.Errorf("turnrelay: the listen address %s is not IPv4 (the relay gives IPv4 addresses only)", addr)
	}
	ips := []netip.Addr{ap.Addr().Unmap()}
	if ap.Addr().IsUnspecified() {
		ips = nil
		for a := range s.machine.Load().own {
			if a.Is4() {
				ips = append(ips, a)
			}
		}
		if len(ips) == 0 {
			return nil, errors.New("turnrelay: this machine has no IPv4 address to listen on")
		}
		sortAddrs(ips)
	}
	port := int(ap.Port())
	var conns []net.PacketConn
	for _, ip := range ips {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
		if err != nil {
			for _, c := range conns {
				_ = c.Close()
			}
			return nil, fmt.Errorf("turnrelay: listening on UDP %s: %w (is another program on that port? set turn_listen to another port)", netip.AddrPortFrom(ip, uint16(port)), err)
		}
		port = c.LocalAddr().(*net.UDPAddr).Port
		conns = append(conns, c)
		s.ips = append(s.ips, ip)
	}
	s.port = port
	return conns, nil
}

// Port is the UDP port the server listens on.
func (s *Server) Port() int { return s.port }

// Addrs are the addresses the server listens on.
func (s *Server) Addrs() []string {
	out := make([]string, len(s.ips))
	for i, ip := range s.ips {
		out[i] = netip.AddrPortFrom(ip, uint16(s.port)).String()
	}
	return out
}

// Stats returns the server's counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Allocations = len(s.allocs)
	return st
}

// Close stops the server and closes every allocation.
func (s *Server) Close() error {
	var err error
	s.closed.Do(func() {
		close(s.stop)
		s.sweeps.Wait() // Allowed is not called once Close returns
		err = s.turn.Close()
	})
	return err
}

// auth is pion's AuthHandler: the key of a username this node made, for a
// browser peer connected now.
func (s *Server) auth(username, realm string, src net.Addr) ([]byte, bool) {
	dev, password, err := ice.Check(s.cfg.Secret, username, s.cfg.Now())
	if err == nil && s.cfg.Connected != nil && !s.cfg.Connected(dev) {
		err = fmt.Errorf("device %s is not a browser peer connected to this node now", dev.Device())
	}
	if err != nil {
		s.mu.Lock()
		s.stats.RefusedAuth++
		s.mu.Unlock()
		s.log.Debug("TURN request refused", "from", src.String(), "err", err)
		return nil, false
	}
	return turn.GenerateAuthKey(username, realm, password), true
}

// permit is pion's PermissionHandler: a peer address must be a browser's
// (doc/protocol/ice.md): a browser peer connected to the node, or this
// server's own address (another allocation's). An allocation's client
// address is not taken as a browser's: it is what the Allocate's source
// claims, and a client that forges sources could name any host.
//
// A permission granted is noted on the allocation: datagrams that reach
// its relayed address from any other IP are dropped before they are
// counted (relayConn.ReadFrom).
func (s *Server) permit(lc *listenConn, client net.Addr, peerIP net.IP) bool {
	ip, ok := netip.AddrFromSlice(peerIP)
	ip = ip.Unmap()
	if ok && s.nameable(ip) {
		var ca netip.AddrPort
		if ua, isUDP := client.(*net.UDPAddr); isUDP {
			ca = ua.AddrPort()
		}
		ca = netip.AddrPortFrom(ca.Addr().Unmap(), ca.Port())
		s.mu.Lock()
		if rc := s.by[clientKey{lc, ca}]; rc != nil && len(rc.permitted) < maxPermitted {
			rc.permitted[ip] = true
		}
		s.mu.Unlock()
		return true
	}
	s.mu.Lock()
	s.stats.RefusedPeer++
	s.mu.Unlock()
	s.log.Debug("TURN permission refused: not a browser's address", "client", client.String(), "peer", peerIP.String())
	return false
}

// maxPermitted bounds the addresses noted as permitted on one allocation;
// only browsers' and this server's addresses can be, so it is never
// reached in use.
const maxPermitted = 64

// nameable reports whether a permission may name ip: an IPv4 address that
// is this server's or a connected browser's, and no broadcast.
func (s *Server) nameable(ip netip.Addr) bool {
	if !s.unicast(ip) {
		return false
	}
	for _, a := range s.ips {
		if a == ip {
			return true
		}
	}
	if s.cfg.BrowserIPs != nil {
		for _, a := range s.cfg.BrowserIPs() {
			if a.Unmap() == ip {
				return true
			}
		}
	}
	return false
}

// unicast reports whether ip is an IPv4 address a datagram may go to at
// all: not unspecified, multicast, the limited broadcast address or a
// subnet broadcast address of this machine's interfaces.
func (s *Server) unicast(ip netip.Addr) bool {
	return ip.Is4() && !ip.IsUnspecified() && !ip.IsMulticast() && ip != netip.AddrFrom4([4]byte{255, 255, 255, 255}) && !s.machine.Load().bcast[ip]
}

// sendable reports whether a datagram may go out to dst: unicast, and to
// an address of this machine only at an allocation of this server.
func (s *Server) sendable(dst netip.AddrPort) bool {
	ip := dst.Addr().Unmap()
	switch {
	case !s.unicast(ip):
		return false
	case ip.IsLoopback(), s.machine.Load().own[ip]:
		s.mu.Lock()
		_, ok := s.allocs[netip.AddrPortFrom(ip, dst.Port())]
		s.mu.Unlock()
		return ok
	}
	return true
}

// machineAddrs are this machine's addresses and its interfaces' subnet
// broadcast addresses, as read at one moment.
type machineAddrs struct {
	own   map[netip.Addr]bool
	bcast map[netip.Addr]bool
}

// interfaceAddrs reads the addresses of this machine's interfaces (a
// variable for tests).
var interfaceAddrs = net.InterfaceAddrs

// readMachineAddrs reads this machine's addresses now.
func readMachineAddrs() *machineAddrs {
	addrs, err := interfaceAddrs()
	if err != nil {
		addrs = nil
	}
	return &machineAddrs{own: ownAddrs(addrs), bcast: broadcastAddrs(addrs)}
}

// ownAddrs are the IP addresses of interface addresses.
func ownAddrs(addrs []net.Addr) map[netip.Addr]bool {
	own := map[netip.Addr]bool{}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				own[ip.Unmap()] = true
			}
		}
	}
	return own
}

// broadcastAddrs are the subnet broadcast addresses of IPv4 interface
// addresses: the address with every host bit set, for prefixes of /30 and
// shorter (a /31 or /32 has none).
func broadcastAddrs(addrs []net.Addr) map[netip.Addr]bool {
	out := map[netip.Addr]bool{}
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip4, mask := n.IP.To4(), n.Mask
		if len(mask) == net.IPv6len {
			mask = mask[net.IPv6len-net.IPv4len:]
		}
		if ip4 == nil || len(mask) != net.IPv4len {
			continue
		}
		if ones, _ := net.IPMask(mask).Size(); ones > 30 {
			continue
		}
		var b [4]byte
		for i := range b {
			b[i] = ip4[i] | ^mask[i]
		}
		out[netip.AddrFrom4(b)] = true
	}
	return out
}

func sortAddrs(a []netip.Addr) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].Less(a[j-1]); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
