package turnrelay

import (
	"bytes"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/ice"
	"github.com/kithnet/kith/internal/identity"
	"github.com/pion/turn/v4"
)

var secret = bytes.Repeat([]byte{9}, ice.SecretSize)

func device(b byte) identity.PublicKey { return identity.PublicKey(bytes.Repeat([]byte{b}, 32)) }

// start runs a server on loopback; connected devices are those of
// connected (nil: all).
func start(t *testing.T, lim Limits, connected map[identity.PublicKey]bool, now func() time.Time) *Server {
	t.Helper()
	s, err := Start(Config{Listen: "127.0.0.1:0", Secret: secret, Limits: lim, Now: now,
		Connected: func(k identity.PublicKey) bool { return connected == nil || connected[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// client is a TURN client on its own loopback socket with dev's
// credentials made at now.
func client(t *testing.T, s *Server, dev identity.PublicKey, now time.Time) *turn.Client {
	t.Helper()
	u, p, _ := ice.Credentials(secret, dev, now)
	return clientAs(t, s, u, p)
}

func clientAs(t *testing.T, s *Server, u, p string) *turn.Client {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addrs()[0]
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn,
		Username: u, Password: p, Realm: ice.Realm, RTO: 100 * time.Millisecond, LoggerFactory: pionLogs{discard}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); _ = conn.Close() })
	return c
}

func allocate(t *testing.T, c *turn.Client) net.PacketConn {
	t.Helper()
	r, err := c.Allocate()
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// receive reads one datagram from r within a second.
func receive(r net.PacketConn) ([]byte, error) {
	_ = r.SetReadDeadline(time.Now().Add(time.Second))
	b := make([]byte, 2000)
	n, _, err := r.ReadFrom(b)
	return b[:n], err
}

func waitStats(t *testing.T, s *Server, what string, ok func(Stats) bool) Stats {
	t.Helper()
	for i := 0; i < 100; i++ {
		if st := s.Stats(); ok(st) {
			return st
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: stats %+v", what, s.Stats())
	return Stats{}
}

// TestRelayBetweenTwoBrowsers: two devices with credentials allocate;
// each relays to the other's relayed address (the only way two browsers
// forced to relay meet); STUN answers their reflexive address; the
// server counts two allocations and the bytes.
func TestRelayBetweenTwoBrowsers(t *testing.T) {
	now := time.Now()
	s := start(t, Limits{}, nil, nil)
	a, b := client(t, s, device(1), now), client(t, s, device(2), now)
	mapped, err := a.SendBindingRequest()
	if err != nil || !strings.HasPrefix(mapped.String(), "127.0.0.1:") {
		t.Fatalf("STUN binding: %v, %v", mapped, err)
	}
	ra, rb := allocate(t, a), allocate(t, b)
	if !strings.HasPrefix(ra.LocalAddr().String(), "127.0.0.1:") {
		t.Fatalf("relayed address %s, want one on 127.0.0.1", ra.LocalAddr())
	}
	// Each gives the other a permission (as ICE does for the remote
	// candidates), then a sends.
	if _, err := rb.WriteTo([]byte("hello a"), ra.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := ra.WriteTo([]byte("hello b"), rb.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	got, err := receive(rb)
	if err != nil || string(got) != "hello b" {
		t.Fatalf("b received %q, %v", got, err)
	}
	st := waitStats(t, s, "two allocations and bytes", func(st Stats) bool { return st.Allocations == 2 && st.BytesRelayed >= 14 })
	if st.AllocationsTotal != 2 || st.RefusedAuth != 0 || st.RefusedQuota != 0 || st.DroppedOwn != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestCredentialsRefused: expired credentials, a username edited, another
// node's password, and a device that is not a browser peer connected now
// get no allocation.
func TestCredentialsRefused(t *testing.T) {
	dev := device(1)
	now := time.Now()
	s := start(t, Limits{}, map[identity.PublicKey]bool{dev: true}, nil)
	u, p, _ := ice.Credentials(secret, dev, now.Add(-ice.TTL-2*time.Minute))
	u2, p2, _ := ice.Credentials(bytes.Repeat([]byte{8}, ice.SecretSize), dev, now)
	u3, p3, _ := ice.Credentials(secret, device(2), now)
	for _, c := range []struct{ name, u, p string }{
		{"expired", u, p},
		{"another node's secret", u2, p2},
		{"not connected", u3, p3},
		{"garbage", "nobody", "x"},
	} {
		if _, err := clientAs(t, s, c.u, c.p).Allocate(); err == nil {
			t.Fatalf("%s: allocated", c.name)
		}
	}
	st := s.Stats()
	if st.Allocations != 0 || st.AllocationsTotal != 0 || st.RefusedAuth != 3 {
		t.Fatalf("stats %+v; want no allocation, 3 refused by the node (the fourth by pion's integrity check)", st)
	}
	// The same device with fresh credentials is served.
	allocate(t, client(t, s, dev, now))
}

// TestAllocationCaps: a device holds at most PerDevice allocations, the
// server Total; one closed makes room again.
func TestAllocationCaps(t *testing.T) {
	now := time.Now()
	s := start(t, Limits{PerDevice: 2, Total: 3}, nil, nil)
	a1 := allocate(t, client(t, s, device(1), now))
	allocate(t, client(t, s, device(1), now))
	if _, err := client(t, s, device(1), now).Allocate(); err == nil {
		t.Fatal("a device's third allocation was given")
	}
	allocate(t, client(t, s, device(2), now))
	if _, err := client(t, s, device(3), now).Allocate(); err == nil {
		t.Fatal("the server's fourth allocation was given")
	}
	if st := s.Stats(); st.Allocations != 3 || st.RefusedQuota != 2 {
		t.Fatalf("stats %+v", st)
	}
	_ = a1.Close() // a Refresh with lifetime 0: the server deletes it
	waitStats(t, s, "the closed allocation forgotten", func(st Stats) bool { return st.Allocations == 2 })
	allocate(t, client(t, s, device(3), now))
}

// TestAllocationLimits: an allocation ends at its byte limit, and another
// at its lifetime, whatever the client does.
func TestAllocationLimits(t *testing.T) {
	now := time.Now()
	s := start(t, Limits{Bytes: 3000, Lifetime: 1500 * time.Millisecond}, nil, nil)
	a, b := client(t, s, device(1), now), client(t, s, device(2), now)
	ra, rb := allocate(t, a), allocate(t, b)
	if _, err := rb.WriteTo([]byte("p"), ra.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{'x'}, 1000)
	got := 0
	for i := 0; i < 5; i++ {
		if _, err := ra.WriteTo(chunk, rb.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if m, err := receive(rb); err == nil {
			got += len(m)
		}
	}
	// Each allocation counts the 1-byte datagram b sent and what a sent:
	// 1 + 2,000 fit in 3,000, the third 1,000 does not and is not relayed.
	if got != 2000 {
		t.Fatalf("b received %d bytes, want 2000 (then the limit)", got)
	}
	st := waitStats(t, s, "an allocation ended at its bytes", func(st Stats) bool { return st.EndedBytes >= 1 })
	// Lifetime: the rest end within 1.5 s, refreshes or not.
	waitStats(t, s, "every allocation ended", func(st Stats) bool { return st.Allocations == 0 })
	if st2 := s.Stats(); st2.EndedLifetime+st2.EndedBytes != 2 {
		t.Fatalf("stats %+v (after bytes: %+v)", st2, st)
	}
}

// TestNoRelayToOwnServices: a permission towards an address that is not
// a browser's is refused, and a datagram to a port of this machine that
// is not an allocation is never sent.
func TestNoRelayToOwnServices(t *testing.T) {
	now := time.Now()
	s := start(t, Limits{}, nil, nil)
	a := client(t, s, device(1), now)
	ra := allocate(t, a)
	// A service of this machine on loopback (as the node's API, DNS …).
	svc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	var heard atomic.Int64
	go func() {
		b := make([]byte, 100)
		for {
			if _, _, err := svc.ReadFrom(b); err != nil {
				return
			}
			heard.Add(1)
		}
	}()
	for i := 0; i < 3; i++ {
		_, _ = ra.WriteTo([]byte("to the API"), svc.LocalAddr())
	}
	// Another loopback address, not this server's nor a client's.
	if _, err := ra.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 9}); err == nil {
		t.Fatal("a permission towards 127.0.0.2 was granted")
	}
	st := waitStats(t, s, "the datagrams to the service dropped", func(st Stats) bool { return st.DroppedOwn >= 3 && st.RefusedPeer >= 1 })
	time.Sleep(200 * time.Millisecond)
	if heard.Load() != 0 || st.BytesRelayed != 0 {
		t.Fatalf("the service heard %d datagrams; stats %+v", heard.Load(), st)
	}
	if got := netip.MustParseAddrPort(s.Addrs()[0]).Port(); int(got) != s.Port() {
		t.Fatalf("Addrs %v, Port %d", s.Addrs(), s.Port())
	}
}
