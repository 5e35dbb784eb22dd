package turnrelay

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/ice"
	"github.com/kithnet/kith/internal/identity"
	"github.com/pion/stun/v3"
)

// listenConn is a listening socket that remembers the Allocate request it
// read last. pion's server handles each datagram of a socket before it
// reads the next (turn v4's readLoop), so when it asks relayGen for a
// relayed address, the request it handles is that one, already
// authenticated: its username names the device the allocation counts
// for.
type listenConn struct {
	net.PacketConn
	s        *Server
	mu       sync.Mutex
	username string         // of the Allocate request read last; "" if the last datagram was none
	client   netip.AddrPort // where it came from
	// authed: the STUN request read last carried a MESSAGE-INTEGRITY
	// that checks under this node's credentials. The errors answering it
	// are not limited (errlimit.go): nobody can make this node send them
	// to a victim without the credentials of a device of its circle.
	authed bool
}

// stunAllocateRequest is the message type of an Allocate request
// (RFC 8656: method 0x003, class request).
const stunAllocateRequest = 0x0003

func (c *listenConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(p)
	username, authed := "", false
	if err == nil && n >= 20 && p[0]&0xC0 == 0 && binary.BigEndian.Uint32(p[4:8]) == stunMagicCookie {
		m := &stun.Message{Raw: append([]byte(nil), p[:n]...)}
		var u stun.Username
		if m.Decode() == nil && u.GetFrom(m) == nil {
			authed = c.s.integrityChecks(m, string(u))
			if binary.BigEndian.Uint16(p) == stunAllocateRequest {
				username = string(u)
			}
		}
	}
	var client netip.AddrPort
	if ua, ok := addr.(*net.UDPAddr); ok {
		client = netip.AddrPortFrom(ua.AddrPort().Addr().Unmap(), ua.AddrPort().Port())
	}
	c.mu.Lock()
	c.username, c.client, c.authed = username, client, authed
	c.mu.Unlock()
	return n, addr, err
}

// integrityChecks reports whether m's MESSAGE-INTEGRITY checks under the
// credentials username names (ice.Check: this node's, unexpired).
func (s *Server) integrityChecks(m *stun.Message, username string) bool {
	if !m.Contains(stun.AttrMessageIntegrity) {
		return false
	}
	_, password, err := ice.Check(s.cfg.Secret, username, s.cfg.Now())
	if err != nil {
		return false
	}
	return stun.NewLongTermIntegrity(username, ice.Realm, password).Check(m) == nil
}

// WriteTo sends what pion answers, except STUN error answers to an
// address over Limits.ErrorsPerSecond: those are dropped as if sent, so
// that the server is no reflector of forged requests (errlimit.go).
func (c *listenConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if isSTUNError(p) {
		ua, ok := addr.(*net.UDPAddr)
		if ok && c.answersAuthed(ua.AddrPort()) {
			return c.PacketConn.WriteTo(p, addr)
		}
		if ok && !c.s.errs.allow(ua.AddrPort().Addr().Unmap()) {
			c.s.mu.Lock()
			c.s.stats.DroppedErrors++
			c.s.mu.Unlock()
			return len(p), nil
		}
	}
	return c.PacketConn.WriteTo(p, addr)
}

// answersAuthed reports whether an answer to to answers the request read
// last, and that request was authenticated (pion answers each request
// before it reads the next).
func (c *listenConn) answersAuthed(to netip.AddrPort) bool {
	to = netip.AddrPortFrom(to.Addr().Unmap(), to.Port())
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.authed && c.client == to
}

func (c *listenConn) current() (string, netip.AddrPort) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.username, c.client
}

// relayGen makes the relayed sockets of one listening socket, on its IP.
type relayGen struct {
	s  *Server
	ip net.IP
	lc *listenConn
}

func (g *relayGen) Validate() error { return nil }

var errTCP = errors.New("turnrelay: TCP relaying is not offered")

func (g *relayGen) AllocateConn(string, int) (net.Conn, net.Addr, error) { return nil, nil, errTCP }

// AllocatePacketConn opens a relayed socket for the Allocate request
// being handled, within the device's and the server's caps.
func (g *relayGen) AllocatePacketConn(network string, port int) (net.PacketConn, net.Addr, error) {
	s := g.s
	username, client := g.lc.current()
	dev, _, err := ice.Check(s.cfg.Secret, username, s.cfg.Now())
	if err != nil {
		return nil, nil, fmt.Errorf("turnrelay: an allocation without a request's credentials: %w", err)
	}
	// AccountOf may read the store: outside the lock.
	acct := s.cfg.AccountOf(dev)
	if acct == (identity.PublicKey{}) {
		acct = dev
	}
	s.mu.Lock()
	why := ""
	switch {
	case s.per[dev] >= s.limits.PerDevice:
		why = fmt.Sprintf("device %s holds %d allocations, the most one device may", dev.Device(), s.per[dev])
	case s.perAcct[acct] >= s.limits.PerAccount:
		why = fmt.Sprintf("the devices of account %s hold %d allocations, the most one account's may", acct.Account(), s.perAcct[acct])
	case s.held >= s.limits.Total:
		why = fmt.Sprintf("the server holds %d allocations, the most it holds", s.held)
	case thisHour(s.spent, dev, s.cfg.Now()) >= s.limits.DeviceBytesPerHour:
		why = fmt.Sprintf("device %s carried %d bytes this hour, the most one device may", dev.Device(), s.spent[dev].bytes)
	case thisHour(s.spentAc, acct, s.cfg.Now()) >= s.limits.AccountBytesPerHour:
		why = fmt.Sprintf("the devices of account %s carried %d bytes this hour, the most one account's may", acct.Account(), s.spentAc[acct].bytes)
	}
	if why != "" {
		s.stats.RefusedQuota++
		s.mu.Unlock()
		s.log.Debug("TURN allocation refused: "+why, "client", client.String())
		return nil, nil, errors.New("turnrelay: " + why)
	}
	// Held before the socket opens: no two requests (one on each
	// listening IP, read by its own goroutine) pass either cap together.
	s.per[dev]++
	s.perAcct[acct]++
	s.held++
	s.mu.Unlock()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: g.ip, Port: port})
	if err != nil {
		s.mu.Lock()
		s.drop(dev, acct)
		s.mu.Unlock()
		return nil, nil, fmt.Errorf("turnrelay: opening a relayed socket: %w", err)
	}
	rc := &relayConn{PacketConn: c, s: s, dev: dev, acct: acct, client: client, addr: c.LocalAddr().(*net.UDPAddr).AddrPort(),
		key: clientKey{g.lc, client}, permitted: map[netip.Addr]bool{}}
	rc.addr = netip.AddrPortFrom(rc.addr.Addr().Unmap(), rc.addr.Port())
	s.mu.Lock()
	s.allocs[rc.addr] = rc
	s.by[rc.key] = rc
	s.stats.AllocationsTotal++
	s.mu.Unlock()
	rc.timer = time.AfterFunc(s.limits.Lifetime, func() { rc.end(&s.stats.EndedLifetime, "its lifetime") })
	s.log.Debug("TURN allocation", "device", dev.Device(), "client", client.String(), "relayed", rc.addr.String())
	return rc, c.LocalAddr(), nil
}

// drop forgets one allocation of dev, of account acct; s.mu is held.
func (s *Server) drop(dev, acct identity.PublicKey) {
	s.held--
	if s.per[dev]--; s.per[dev] <= 0 {
		delete(s.per, dev)
	}
	if s.perAcct[acct]--; s.perAcct[acct] <= 0 {
		delete(s.perAcct, acct)
	}
}

// relayConn is an allocation's relayed socket: it counts the bytes it
// carries, ends the allocation at its byte or time limit, and sends
// nothing to this machine but to another allocation.
type relayConn struct {
	net.PacketConn
	s      *Server
	dev    identity.PublicKey
	acct   identity.PublicKey // dev's account when the allocation was made
	client netip.AddrPort     // the allocation's client (its reflexive address)
	addr   netip.AddrPort     // the relayed address
	key    clientKey          // how pion's permission handler names it
	// permitted are the IPs permissions were granted for (s.mu): a
	// datagram from another is dropped before it is counted.
	permitted map[netip.Addr]bool
	timer     *time.Timer
	bytes     atomic.Int64
	once      sync.Once
	ended     atomic.Bool
}

var errEnded = errors.New("turnrelay: the allocation reached its limit")

// carry counts n bytes; false when the allocation is over its limit (and
// then it is ended).
func (rc *relayConn) carry(n int) bool {
	if rc.ended.Load() {
		return false
	}
	if rc.bytes.Add(int64(n)) > rc.s.limits.Bytes {
		rc.end(&rc.s.stats.EndedBytes, "its bytes")
		return false
	}
	s := rc.s
	s.mu.Lock()
	now := s.cfg.Now()
	over := spend(s.spent, rc.dev, int64(n), now) > s.limits.DeviceBytesPerHour
	over = spend(s.spentAc, rc.acct, int64(n), now) > s.limits.AccountBytesPerHour || over
	if !over {
		s.stats.BytesRelayed += int64(n)
	}
	s.mu.Unlock()
	if over {
		rc.end(&s.stats.EndedHourly, "its device's or account's bytes in the hour")
		return false
	}
	return true
}

// hour is what one device's (or account's) allocations carried since
// start, an hour of the node's clock.
type hour struct {
	start time.Time
	bytes int64
}

// thisHour is what k's allocations carried in its current hour of hours
// at now; s.mu is held.
func thisHour(hours map[identity.PublicKey]*hour, k identity.PublicKey, now time.Time) int64 {
	h := hours[k]
	if h == nil || now.Sub(h.start) >= time.Hour {
		return 0
	}
	return h.bytes
}

// spend adds n to k's bytes of the hour in hours, starting a new hour when
// the last one is over at now, and returns the hour's total; s.mu is held.
func spend(hours map[identity.PublicKey]*hour, k identity.PublicKey, n int64, now time.Time) int64 {
	h := hours[k]
	if h == nil || now.Sub(h.start) >= time.Hour {
		h = &hour{start: now}
		hours[k] = h
	}
	h.bytes += n
	return h.bytes
}

// end closes the socket at a limit: pion's reader of it fails, and pion
// deletes the allocation (which calls Close).
func (rc *relayConn) end(counter *int64, what string) {
	if rc.ended.Swap(true) {
		return
	}
	rc.s.mu.Lock()
	*counter++
	rc.s.mu.Unlock()
	rc.s.log.Debug("TURN allocation closed: it reached the limit of "+what, "device", rc.dev.Device(), "relayed", rc.addr.String(), "bytes", rc.bytes.Load())
	_ = rc.PacketConn.Close()
}

func (rc *relayConn) WriteTo(p []byte, to net.Addr) (int, error) {
	ua, ok := to.(*net.UDPAddr)
	if !ok || !rc.s.sendable(ua.AddrPort()) {
		rc.s.mu.Lock()
		rc.s.stats.DroppedOwn++
		rc.s.mu.Unlock()
		return 0, fmt.Errorf("turnrelay: not relaying to %v: an address of this machine that is no allocation of this server", to)
	}
	if !rc.carry(len(p)) {
		return 0, errEnded
	}
	return rc.PacketConn.WriteTo(p, to)
}

// ReadFrom reads the next datagram from a permitted address: one from an
// address no permission was granted for is dropped here, uncounted (pion
// would drop it after; counted, it would let whoever knows a relayed port
// spend the allocation's bytes).
func (rc *relayConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := rc.PacketConn.ReadFrom(p)
		if err != nil {
			return n, addr, err
		}
		ip := netip.Addr{}
		if ua, ok := addr.(*net.UDPAddr); ok {
			ip = ua.AddrPort().Addr().Unmap()
		}
		rc.s.mu.Lock()
		ok := rc.permitted[ip]
		if !ok {
			rc.s.stats.DroppedStranger++
		}
		rc.s.mu.Unlock()
		if !ok {
			continue
		}
		if !rc.carry(n) {
			return 0, nil, errEnded
		}
		return n, addr, nil
	}
}

// Close closes the socket and forgets the allocation (pion calls it when
// the allocation is deleted, expired or ended).
func (rc *relayConn) Close() error {
	var err error
	rc.once.Do(func() {
		rc.ended.Store(true) // a sweep that took it before must not count it as ended there
		rc.timer.Stop()
		err = rc.PacketConn.Close()
		rc.s.mu.Lock()
		delete(rc.s.allocs, rc.addr)
		if rc.s.by[rc.key] == rc {
			delete(rc.s.by, rc.key)
		}
		rc.s.drop(rc.dev, rc.acct)
		rc.s.mu.Unlock()
	})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
