package netnode

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// What a reader of a stream gets when the peer goes silent past the
// reader's deadline, resets the stream, or closes its host (the connection
// goes) in the middle of a message, over each real transport: only the
// first is StreamTimedOut, the other two are StreamBroken. A clean end is
// neither.
func TestStreamErrorsTellTimeoutFromBreak(t *testing.T) {
	const proto = "/kith/test-streamerr/1"
	for _, tr := range []struct{ name, listen, marker string }{
		{"tcp", tcpLoopback, "/tcp/"},
		{"quic", quicLoopback, "/quic-v1"},
		{"websocket", wsLoopback, "/ws"},
	} {
		t.Run(tr.name, func(t *testing.T) {
			server := startHost(t, loopbackConfig(t, testKey(t, 1), tr.listen))
			errs := make(chan error, 1)
			server.Handle(proto, func(_ identity.PublicKey, s Stream) {
				defer s.Close()
				_ = s.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
				_, err := io.ReadFull(s, make([]byte, 10))
				errs <- err
			})
			for i, tc := range []struct {
				name             string
				peer             func(c *Host, s Stream)
				timedOut, broken bool
				ended            bool
			}{
				{"silent", func(c *Host, s Stream) { _, _ = s.Write([]byte{1}) }, true, false, false},
				{"reset", func(c *Host, s Stream) { _, _ = s.Write([]byte{1}); time.Sleep(50 * time.Millisecond); _ = s.Reset() }, false, true, false},
				{"host closed", func(c *Host, s Stream) { _, _ = s.Write([]byte{1}); time.Sleep(50 * time.Millisecond); _ = c.Close() }, false, true, false},
				{"clean end", func(c *Host, s Stream) { _, _ = s.Write([]byte{1}); _ = s.CloseWrite() }, false, false, true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					client := startHostNoCloseCheck(t, loopbackConfig(t, testKey(t, byte(10+i)), tr.listen))
					if _, err := client.Connect(testContext(t, 5*time.Second), addrWith(t, server, tr.marker)); err != nil {
						t.Fatalf("Connect: %v", err)
					}
					s, err := client.Open(testContext(t, 5*time.Second), server.Key(), proto)
					if err != nil {
						t.Fatalf("Open: %v", err)
					}
					tc.peer(client, s)
					var got error
					select {
					case got = <-errs:
					case <-time.After(10 * time.Second):
						t.Fatal("the server's read did not end")
					}
					_ = s.Reset()
					if StreamTimedOut(got) != tc.timedOut || StreamBroken(got) != tc.broken || errors.Is(got, io.ErrUnexpectedEOF) != tc.ended {
						t.Fatalf("read error %v (%T): timed out %v, broken %v; want %v, %v (ended %v)", got, got, StreamTimedOut(got), StreamBroken(got), tc.timedOut, tc.broken, tc.ended)
					}
				})
			}
		})
	}
	for _, err := range []error{nil, io.EOF, io.ErrUnexpectedEOF, errors.New("x"), fmt.Errorf("read: %w", io.ErrUnexpectedEOF)} {
		if StreamTimedOut(err) || StreamBroken(err) {
			t.Errorf("%v: timed out %v, broken %v; want neither", err, StreamTimedOut(err), StreamBroken(err))
		}
	}
}

// The mock network's streams break the same way (it has no deadlines).
func TestMockStreamErrorsBreak(t *testing.T) {
	const proto = "/kith/test-streamerr/1"
	mn := NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	server, err := mn.NewHost(testKey(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1)
	server.Handle(proto, func(_ identity.PublicKey, s Stream) {
		defer s.Close()
		_, err := io.ReadFull(s, make([]byte, 10))
		errs <- err
	})
	for i, tc := range []struct {
		name string
		peer func(c *Host, s Stream)
	}{
		{"reset", func(c *Host, s Stream) { _ = s.Reset() }},
		{"host closed", func(c *Host, s Stream) { _ = c.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, err := mn.NewHost(testKey(t, byte(10+i)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = client.Close() })
			if err := client.ConnectKey(testContext(t, 5*time.Second), server.Key(), server.Addrs()); err != nil {
				t.Fatal(err)
			}
			s, err := client.Open(testContext(t, 5*time.Second), server.Key(), proto)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = s.Write([]byte{1})
			time.Sleep(50 * time.Millisecond)
			tc.peer(client, s)
			var got error
			select {
			case got = <-errs:
			case <-time.After(10 * time.Second):
				t.Fatal("the server's read did not end")
			}
			if StreamTimedOut(got) || !StreamBroken(got) {
				t.Fatalf("read error %v (%T): timed out %v, broken %v; want broken only", got, got, StreamTimedOut(got), StreamBroken(got))
			}
		})
	}
}

// startHostNoCloseCheck is startHost for a host the test may close itself.
func startHostNoCloseCheck(t testing.TB, cfg Config) *Host {
	t.Helper()
	h, err := New(testContext(t, 10*time.Second), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}
