package turnrelay

import (
	"bytes"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/ice"
	"github.com/kithnet/kith/internal/identity"
	"github.com/pion/stun/v3"
)

// clock is a settable node clock for the limits that count by it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestStrangerBytesNotCounted: datagrams that reach a relayed address
// from an address no permission names are dropped before they are
// counted, so whoever learns a relayed port cannot spend the allocation's
// bytes and end it; the allocation still relays between the two browsers.
func TestStrangerBytesNotCounted(t *testing.T) {
	now := time.Now()
	s := start(t, Limits{Bytes: 3000}, nil, nil)
	a, b := client(t, s, device(1), now), client(t, s, device(2), now)
	ra, rb := allocate(t, a), allocate(t, b)
	// A host on another loopback address, which no permission may name.
	stranger, err := net.ListenPacket("udp4", "127.0.0.3:0")
	if err != nil {
		t.Skipf("no 127.0.0.3 on this machine: %v", err)
	}
	defer stranger.Close()
	chunk := bytes.Repeat([]byte{'s'}, 1000)
	for range 5 {
		if _, err := stranger.WriteTo(chunk, ra.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	st := waitStats(t, s, "the stranger's datagrams dropped", func(st Stats) bool { return st.DroppedStranger >= 5 })
	if st.EndedBytes != 0 || st.BytesRelayed != 0 || st.Allocations != 2 {
		t.Fatalf("stats %+v: the stranger's 5,000 bytes were counted", st)
	}
	// The browsers still reach each other.
	if _, err := ra.WriteTo([]byte("p"), rb.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := rb.WriteTo([]byte("hello a"), ra.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got, err := receive(ra); err != nil || string(got) != "hello a" {
		t.Fatalf("a received %q, %v", got, err)
	}
}

// cidr is an interface address written as in CIDR notation.
func cidr(s string) net.Addr {
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	n.IP = ip
	return n
}

func TestBroadcastAddrs(t *testing.T) {
	v4in16 := &net.IPNet{IP: net.ParseIP("172.16.4.7"), Mask: net.CIDRMask(112, 128)} // a /16 written on 16 bytes
	got := broadcastAddrs([]net.Addr{cidr("10.0.0.5/24"), cidr("192.168.1.9/30"), cidr("192.168.2.8/31"),
		cidr("192.168.3.1/32"), cidr("127.0.0.1/8"), cidr("fe80::1/64"), v4in16, &net.IPAddr{IP: net.IPv4(1, 2, 3, 4)}})
	want := map[netip.Addr]bool{}
	for _, a := range []string{"10.0.0.255", "192.168.1.11", "127.255.255.255", "172.16.255.255"} {
		want[netip.MustParseAddr(a)] = true
	}
	if len(got) != len(want) {
		t.Fatalf("broadcast addresses %v, want %v", got, want)
	}
	for a := range want {
		if !got[a] {
			t.Fatalf("broadcast addresses %v lack %s", got, a)
		}
	}
	s := &Server{}
	s.machine.Store(&machineAddrs{bcast: got, own: map[netip.Addr]bool{}})
	for _, c := range []struct {
		to   string
		want bool
	}{
		{"10.0.0.255:9", false}, {"10.0.0.254:9", true}, {"255.255.255.255:9", false}, {"224.0.0.1:9", false},
		{"0.0.0.0:9", false}, {"172.16.255.255:9", false}, {"192.168.1.11:9", false}, {"192.168.1.10:9", true},
	} {
		if got := s.sendable(netip.MustParseAddrPort(c.to)); got != c.want {
			t.Errorf("sendable(%s) = %v, want %v", c.to, got, c.want)
		}
		if got := s.nameable(netip.MustParseAddrPort(c.to).Addr()); got && !c.want {
			t.Errorf("a permission may name %s", c.to)
		}
	}
}

// allocateRequest is an Allocate request without credentials, as every
// client's first is: the server answers 401 with its realm and nonce.
func allocateRequest(t *testing.T) []byte {
	t.Helper()
	m, err := stun.Build(stun.TransactionID, stun.NewType(stun.MethodAllocate, stun.ClassRequest),
		stun.RawAttribute{Type: stun.AttrRequestedTransport, Value: []byte{17, 0, 0, 0}}, stun.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	return m.Raw
}

// answers sends n requests from c to the server and counts the STUN
// error answers that come back within 300 ms of the last.
func answers(t *testing.T, c net.PacketConn, server net.Addr, n int) int {
	t.Helper()
	for range n {
		if _, err := c.WriteTo(allocateRequest(t), server); err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	buf := make([]byte, 1500)
	for {
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		k, _, err := c.ReadFrom(buf)
		if err != nil {
			return got
		}
		if !isSTUNError(buf[:k]) {
			t.Fatalf("an answer that is no STUN error: % x", buf[:k])
		}
		got++
	}
}

// TestErrorAnswersLimited: a flood of Allocate requests without
// credentials (a 401 is about six times the request, so with a forged
// source the server would reflect it at a victim) is answered at most
// ErrorsPerSecond times a second per address; another address is
// counted apart, and the next second answers again.
func TestErrorAnswersLimited(t *testing.T) {
	clk := &clock{t: time.Now()}
	s := start(t, Limits{ErrorsPerSecond: 3}, nil, clk.now)
	server := net.UDPAddrFromAddrPort(netip.MustParseAddrPort(s.Addrs()[0]))
	victim, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	if got := answers(t, victim, server, 20); got != 3 {
		t.Fatalf("%d error answers to 20 requests in one second, want 3", got)
	}
	if st := s.Stats(); st.DroppedErrors != 17 {
		t.Fatalf("stats %+v, want 17 errors dropped", st)
	}
	other, err := net.ListenPacket("udp4", "127.0.0.3:0")
	if err != nil {
		t.Skipf("no 127.0.0.3 on this machine: %v", err)
	}
	defer other.Close()
	if got := answers(t, other, server, 2); got != 2 {
		t.Fatalf("another address got %d error answers to 2 requests, want 2", got)
	}
	clk.add(time.Second)
	if got := answers(t, victim, server, 5); got != 3 {
		t.Fatalf("%d error answers in the next second, want 3", got)
	}
}

// TestErrorLimitManySources: a flood from many sources does not shut
// other addresses out (a capped map of the addresses answered did, once
// full): of 20,000 sources each answered once in a second, a new address
// still gets its answers, and each address is held to perSecond. The
// seed is fixed, so the buckets the sources share are too.
func TestErrorLimitManySources(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	l := newErrorLimit(2, clk.now)
	l.seed = [16]byte{1, 2, 3}
	ip := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}) }
	refused := 0
	for i := range 20000 {
		if !l.allow(ip(i)) {
			refused++ // two earlier sources shared its bucket
		}
	}
	if refused > 300 { // about 240 expected: 20,000 sources in 65,536 buckets of 2
		t.Fatalf("%d of 20,000 sources refused their first answer", refused)
	}
	victim := netip.MustParseAddr("192.0.2.7")
	got := 0
	for range 5 {
		if l.allow(victim) {
			got++
		}
	}
	// Its bucket may hold one flood source (with this seed it does): one
	// answer or two, never none and never more.
	if got < 1 || got > 2 {
		t.Fatalf("a new address got %d of 5 answers, want 1 or 2", got)
	}
	clk.add(time.Second)
	var next []bool
	for range 3 {
		next = append(next, l.allow(victim))
	}
	if !slices.Equal(next, []bool{true, true, false}) {
		t.Fatalf("next second: answers %v, want two, then none", next)
	}
}

func TestIsSTUNError(t *testing.T) {
	mk := func(typ stun.MessageType) []byte {
		m, err := stun.Build(stun.TransactionID, typ)
		if err != nil {
			t.Fatal(err)
		}
		return m.Raw
	}
	for _, c := range []struct {
		name string
		p    []byte
		want bool
	}{
		{"allocate error", mk(stun.NewType(stun.MethodAllocate, stun.ClassErrorResponse)), true},
		{"channel bind error", mk(stun.NewType(stun.MethodChannelBind, stun.ClassErrorResponse)), true},
		{"binding success", mk(stun.NewType(stun.MethodBinding, stun.ClassSuccessResponse)), false},
		{"allocate request", mk(stun.NewType(stun.MethodAllocate, stun.ClassRequest)), false},
		{"data indication", mk(stun.NewType(stun.MethodData, stun.ClassIndication)), false},
		{"short", []byte{1, 0x13, 0, 0}, false},
		{"channel data", append([]byte{0x40, 0x00, 0x00, 0x10}, make([]byte, 20)...), false},
	} {
		if got := isSTUNError(c.p); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestDeviceBytesPerHour: what all allocations of one device carry in an
// hour of the node's clock is bounded: the allocation that goes over is
// closed, no new one is given in that hour, and the next hour gives one.
func TestDeviceBytesPerHour(t *testing.T) {
	clk := &clock{t: time.Now()}
	s := start(t, Limits{Bytes: 1 << 20, DeviceBytesPerHour: 2500}, nil, clk.now)
	a, b := client(t, s, device(1), clk.now()), client(t, s, device(2), clk.now())
	ra, rb := allocate(t, a), allocate(t, b)
	if _, err := rb.WriteTo([]byte("p"), ra.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{'x'}, 1000)
	got := 0
	for range 4 {
		if _, err := ra.WriteTo(chunk, rb.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if m, err := receive(rb); err == nil {
			got += len(m)
		}
	}
	// Device 1's allocation carries 1,000 + 1,000 of 2,500; the third
	// 1,000 goes over and is not relayed.
	if got != 2000 {
		t.Fatalf("b received %d bytes, want 2000 (then device 1's hour is spent)", got)
	}
	waitStats(t, s, "the allocation closed at its device's hour", func(st Stats) bool { return st.EndedHourly == 1 })
	if _, err := client(t, s, device(1), clk.now()).Allocate(); err == nil {
		t.Fatal("device 1 got a new allocation in the hour it spent")
	}
	clk.add(time.Hour)
	allocate(t, client(t, s, device(1), clk.now()))
}

// TestMachineAddrsReadAgain: an address this machine gains after start
// (a VPN's interface coming up) is its own from the next sweep on: a
// datagram to it goes out only to an allocation of this server, and its
// subnet's broadcast address is refused.
func TestMachineAddrsReadAgain(t *testing.T) {
	old := interfaceAddrs
	t.Cleanup(func() { interfaceAddrs = old })
	var extra atomic.Bool
	interfaceAddrs = func() ([]net.Addr, error) {
		as, err := old()
		if extra.Load() {
			as = append(as, cidr("10.99.0.1/24"))
		}
		return as, err
	}
	s := start(t, Limits{Sweep: 20 * time.Millisecond}, nil, nil)
	vpn, bcast := netip.MustParseAddrPort("10.99.0.1:7690"), netip.MustParseAddr("10.99.0.255")
	if !s.sendable(vpn) || !s.unicast(bcast) {
		t.Fatal("10.99.0.1 counts as this machine's before it has it")
	}
	extra.Store(true)
	deadline := time.Now().Add(5 * time.Second)
	for s.sendable(vpn) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.sendable(vpn) {
		t.Fatal("a datagram may still go to 10.99.0.1:7690, an address this machine gained, after the sweeps")
	}
	if s.unicast(bcast) {
		t.Fatal("10.99.0.255, the broadcast address of the new interface, is still taken for unicast")
	}
}

// startAccounts runs a server whose devices 1 and 2 are of one account
// (device 9's key) and every other device is its own.
func startAccounts(t *testing.T, lim Limits, now func() time.Time) *Server {
	t.Helper()
	s, err := Start(Config{Listen: "127.0.0.1:0", Secret: secret, Limits: lim, Now: now,
		Connected: func(identity.PublicKey) bool { return true },
		AccountOf: func(k identity.PublicKey) identity.PublicKey {
			if k == device(1) || k == device(2) {
				return device(9)
			}
			return k
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestAccountAllocations: the devices of one account hold at most
// PerAccount allocations together, whatever each device's own cap; a
// device of another account is not held back by them, and an allocation
// closed gives its account's place back.
func TestAccountAllocations(t *testing.T) {
	now := time.Now()
	s := startAccounts(t, Limits{PerDevice: 2, PerAccount: 3}, nil)
	allocate(t, client(t, s, device(1), now))
	r := allocate(t, client(t, s, device(1), now))
	allocate(t, client(t, s, device(2), now))
	// Device 2 holds one of its two, but its account holds three.
	if _, err := client(t, s, device(2), now).Allocate(); err == nil {
		t.Fatal("device 2 got a fourth allocation for its account, over PerAccount 3")
	}
	allocate(t, client(t, s, device(3), now))
	allocate(t, client(t, s, device(3), now))
	if st := s.Stats(); st.Allocations != 5 || st.RefusedQuota != 1 {
		t.Fatalf("stats %+v: want 5 allocations and 1 refused", st)
	}
	_ = r.Close()
	waitStats(t, s, "device 1's second allocation gone", func(st Stats) bool { return st.Allocations == 4 })
	allocate(t, client(t, s, device(2), now))
}

// TestAccountBytesPerHour: what all devices of one account carry in an
// hour is bounded too: device 2's allocation is closed when the account's
// hour is spent, though device 2 carried less than its own hour; the
// account gets no new allocation in that hour, and the next hour gives one.
func TestAccountBytesPerHour(t *testing.T) {
	clk := &clock{t: time.Now()}
	s := startAccounts(t, Limits{Bytes: 1 << 20, DeviceBytesPerHour: 5000, AccountBytesPerHour: 3500}, clk.now)
	a, b, c := client(t, s, device(1), clk.now()), client(t, s, device(2), clk.now()), client(t, s, device(3), clk.now())
	ra, rb, rc := allocate(t, a), allocate(t, b), allocate(t, c)
	for _, r := range []net.PacketConn{ra, rb} {
		if _, err := rc.WriteTo([]byte("p"), r.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	chunk := bytes.Repeat([]byte{'x'}, 1000)
	got := 0
	send := func(from net.PacketConn) {
		if _, err := from.WriteTo(chunk, rc.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if m, err := receive(rc); err == nil {
			got += len(m)
		}
	}
	// Device 1 carries 2,000, device 2 then 1,000 (the account's 3,000
	// of 3,500); device 2's next 1,000 takes the account over and is not
	// relayed, though device 2 has carried 1,000 of its own 5,000.
	// (Device 3, which receives it all, carries 3,002 of its 5,000.)
	send(ra)
	send(ra)
	send(rb)
	send(rb)
	if got != 3000 {
		t.Fatalf("device 3 received %d bytes, want 3000 (then the account's hour is spent)", got)
	}
	waitStats(t, s, "device 2's allocation closed at its account's hour", func(st Stats) bool { return st.EndedHourly == 1 })
	if _, err := client(t, s, device(2), clk.now()).Allocate(); err == nil {
		t.Fatal("device 2 got a new allocation in the hour its account spent")
	}
	// Device 3's allocation (another account's hour, its own) still
	// relays: it is device 2's that was closed.
	rd := allocate(t, client(t, s, device(4), clk.now()))
	if _, err := rd.WriteTo([]byte("still here"), rc.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if m, err := receive(rc); err != nil || string(m) != "still here" {
		t.Fatalf("device 3 after the account's hour: %q, %v; want what device 4 sent", m, err)
	}
	clk.add(time.Hour)
	allocate(t, client(t, s, device(2), clk.now()))
}

// TestSweepEndsDevicesNoLongerAllowed: the allocations of a device the
// node no longer allows (its account unfollowed, its browser gone) are
// closed at the next sweep; another device's stay.
func TestSweepEndsDevicesNoLongerAllowed(t *testing.T) {
	var refused atomic.Value
	refused.Store(identity.PublicKey{})
	s, err := Start(Config{Listen: "127.0.0.1:0", Secret: secret, Limits: Limits{Sweep: 50 * time.Millisecond},
		Connected: func(identity.PublicKey) bool { return true },
		Allowed:   func(k identity.PublicKey) bool { return k != refused.Load().(identity.PublicKey) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	now := time.Now()
	allocate(t, client(t, s, device(1), now))
	allocate(t, client(t, s, device(1), now))
	allocate(t, client(t, s, device(2), now))
	time.Sleep(150 * time.Millisecond) // sweeps that find both allowed
	if st := s.Stats(); st.Allocations != 3 || st.EndedLeft != 0 {
		t.Fatalf("stats %+v before the unfollow", st)
	}
	refused.Store(device(1))
	st := waitStats(t, s, "device 1's allocations closed", func(st Stats) bool { return st.EndedLeft == 2 && st.Allocations == 1 })
	if st.EndedBytes != 0 || st.EndedLifetime != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestAuthenticatedErrorsNotLimited: an error answering a request whose
// MESSAGE-INTEGRITY checks under this node's credentials goes out even
// when its address is over the limit (nobody without a circle device's
// credentials can aim it at a victim); one answering a request without
// integrity, or with integrity that does not check, does not.
func TestAuthenticatedErrorsNotLimited(t *testing.T) {
	now := time.Now()
	srv, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s := &Server{cfg: Config{Secret: secret, Now: func() time.Time { return now }}}
	s.errs = newErrorLimit(1, s.cfg.Now)
	lc := &listenConn{PacketConn: srv, s: s}
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	s.errs.allow(netip.MustParseAddr("127.0.0.1")) // the address is at its limit
	u, p, _ := ice.Credentials(secret, device(1), now)
	request := func(integrity stun.Setter) {
		t.Helper()
		setters := []stun.Setter{stun.TransactionID, stun.NewType(stun.MethodRefresh, stun.ClassRequest), stun.NewUsername(u), stun.NewRealm(ice.Realm)}
		if integrity != nil {
			setters = append(setters, integrity)
		}
		m, err := stun.Build(setters...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := peer.WriteTo(m.Raw, srv.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1500)
		_ = srv.SetReadDeadline(time.Now().Add(time.Second))
		if _, _, err := lc.ReadFrom(buf); err != nil {
			t.Fatal(err)
		}
	}
	answered := func() bool {
		t.Helper()
		m, err := stun.Build(stun.TransactionID, stun.NewType(stun.MethodRefresh, stun.ClassErrorResponse))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lc.WriteTo(m.Raw, peer.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		_ = peer.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		_, _, err = peer.ReadFrom(make([]byte, 1500))
		return err == nil
	}
	for _, c := range []struct {
		name      string
		integrity stun.Setter
		want      bool
	}{
		{"with integrity", stun.NewLongTermIntegrity(u, ice.Realm, p), true},
		{"without integrity", nil, false},
		{"with another password's integrity", stun.NewLongTermIntegrity(u, ice.Realm, "not the password"), false},
	} {
		request(c.integrity)
		if got := answered(); got != c.want {
			t.Errorf("%s: error answer sent %v, want %v", c.name, got, c.want)
		}
	}
}

// TestSweepTwoRefusalsInARow: one refusal (a browser reconnecting, a
// store slow to answer) closes nothing; a device allowed again in between
// starts over; two refusals in a row close its allocations.
func TestSweepTwoRefusalsInARow(t *testing.T) {
	var allowed atomic.Bool
	allowed.Store(true)
	s, err := Start(Config{Listen: "127.0.0.1:0", Secret: secret, Limits: Limits{Sweep: time.Hour},
		Connected: func(identity.PublicKey) bool { return true },
		Allowed:   func(identity.PublicKey) bool { return allowed.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	allocate(t, client(t, s, device(1), time.Now()))
	for i, step := range []struct {
		allowed bool
		want    int // allocations held after the sweep
	}{{false, 1}, {true, 1}, {false, 1}} {
		allowed.Store(step.allowed)
		s.sweepOnce()
		if st := s.Stats(); st.Allocations != step.want || st.EndedLeft != 0 {
			t.Fatalf("sweep %d (allowed %v): %d allocations held, want %d; stats %+v", i+1, step.allowed, st.Allocations, step.want, st)
		}
	}
	s.sweepOnce() // the second refusal in a row
	waitStats(t, s, "the allocation closed", func(st Stats) bool { return st.EndedLeft == 1 && st.Allocations == 0 })
}
