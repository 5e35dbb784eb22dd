package netnode

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// Loopback listen addresses, one per transport.
const (
	tcpLoopback  = "/ip4/127.0.0.1/tcp/0"
	quicLoopback = "/ip4/127.0.0.1/udp/0/quic-v1"
	wsLoopback   = "/ip4/127.0.0.1/tcp/0/ws"
)

// testKey returns the device key whose seed is 32 copies of b.
func testKey(t testing.TB, b byte) identity.PrivateKey {
	t.Helper()
	key, err := identity.KeyFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// testLogger sends the host's logs to the test log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// loopbackConfig is a configuration for a test host: loopback only, no
// mDNS, no DHT, fast redials.
func loopbackConfig(t testing.TB, key identity.PrivateKey, listen ...string) Config {
	if len(listen) == 0 {
		listen = []string{tcpLoopback}
	}
	return Config{
		Key:       key,
		Listen:    listen,
		RedialMin: 50 * time.Millisecond,
		RedialMax: 400 * time.Millisecond,
		Logger:    testLogger(t),
	}
}

// startHost starts a host for cfg and closes it when the test ends.
func startHost(t testing.TB, cfg Config) *Host {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

// waitFor polls cond every 10 ms until it holds, failing the test with what
// after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting until %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// connectedTo reports whether h lists key among its peers.
func connectedTo(h *Host, key identity.PublicKey) bool {
	for _, p := range h.Peers() {
		if p.Key == key {
			return true
		}
	}
	return false
}

// testContext returns a context that ends after d or with the test.
func testContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// echo serves protocol on h: it reads the whole request, answers it
// prefixed with the caller's device id, and reports the caller on remotes.
func echo(h *Host, proto string, remotes chan<- identity.PublicKey) {
	h.Handle(proto, func(remote identity.PublicKey, s Stream) {
		defer s.Close()
		_ = s.SetDeadline(time.Now().Add(5 * time.Second))
		req, err := io.ReadAll(s)
		if err != nil {
			_ = s.Reset()
			return
		}
		if remotes != nil {
			remotes <- remote
		}
		_, _ = s.Write(append([]byte(remote.Device().String()+":"), req...))
	})
}

// roundTrip opens proto from h to remote, sends req, and returns the answer.
func roundTrip(t testing.TB, h *Host, remote identity.PublicKey, proto string, req []byte) []byte {
	t.Helper()
	s, err := h.Open(testContext(t, 5*time.Second), remote, proto)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := s.Write(req); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := s.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite: %v", err)
	}
	resp, err := io.ReadAll(s)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return resp
}
