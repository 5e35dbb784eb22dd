package netnode

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMDNSWithoutMulticast starts a host that asks for mDNS on a machine
// whose only interface is loopback (a network namespace): the host must
// run without mDNS, say so in a warning and in MDNSError, and still carry
// streams.
func TestMDNSWithoutMulticast(t *testing.T) {
	if !inNetNS(t.Name()) {
		runInNetNS(t, t.Name())
		return
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagMulticast != 0 && ifc.Flags&net.FlagUp != 0 {
			t.Fatalf("interface %s can multicast: this test needs a namespace without one", ifc.Name)
		}
	}
	var logs lockedBuffer
	cfg := loopbackConfig(t, testKey(t, 1), tcpLoopback, "/ip6/::1/tcp/0")
	cfg.MDNS = true
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	h := startHost(t, cfg)
	err = h.MDNSError()
	if err == nil || !strings.Contains(err.Error(), "mDNS is off: no supported interface") {
		t.Fatalf("MDNSError() = %v: want mDNS off for want of a multicast interface", err)
	}
	if got := logs.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "running without LAN discovery") {
		t.Fatalf("logs %q: want a warning that the host runs without LAN discovery", got)
	}
	other := startHost(t, loopbackConfig(t, testKey(t, 2)))
	echo(h, "/kith/test/1", nil)
	if _, err := other.Connect(testContext(t, 5*time.Second), addrWith(t, h, "/ip6/::1/")); err != nil {
		t.Fatalf("Connect over ::1: %v", err)
	}
	if got := string(roundTrip(t, other, h.Key(), "/kith/test/1", []byte("hi"))); !strings.HasSuffix(got, ":hi") {
		t.Fatalf("answer %q: the host without mDNS does not serve", got)
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
