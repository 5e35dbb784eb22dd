package node_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/ice"
	"github.com/kithnet/kith/internal/node"
	"github.com/pion/turn/v4"
)

// askICE connects s to n at addr and asks /kith/ice/1; it returns the
// answer's bytes.
func (s *throwawayPeer) askICE(t *testing.T, n *node.Node, addr string) []byte {
	t.Helper()
	b, err := s.tryICE(t, addr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tryICE is askICE, returning the error of a stream the node reset.
func (s *throwawayPeer) tryICE(t *testing.T, addr string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	nodeKey, err := s.host.Connect(ctx, addr)
	if err != nil {
		t.Fatalf("connecting to %s: %v", addr, err)
	}
	st, err := s.host.Open(ctx, nodeKey, ice.Protocol)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", ice.Protocol, err)
	}
	defer st.Close()
	b, err := io.ReadAll(io.LimitReader(st, ice.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	return b, nil
}

// TestICEAnswers: a node with turn_listen answers /kith/ice/1 with status
// 2 to a peer on TCP, 3 to a peer on WebSocket it does not follow, and
// credentials once it follows it; the credentials allocate at its TURN
// server; asking again in a loop gives the same bytes. A node without
// turn_listen answers 1.
func TestICEAnswers(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	serveLoopbackWith(t, n, func(c *node.Config) {
		c.Listen = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws"}
		c.TURNListen = "127.0.0.1:0"
	})
	var tcpAddr, wsAddr string
	for _, a := range n.Addrs() {
		if strings.Contains(a, "/ws/") {
			wsAddr = a
		} else {
			tcpAddr = a
		}
	}
	tr := n.TURN()
	if tr == nil || len(tr.Addrs) != 1 || !strings.HasPrefix(tr.Addrs[0], "127.0.0.1:") {
		t.Fatalf("the node's TURN server: %+v", tr)
	}
	decode := func(b []byte) ice.Answer {
		t.Helper()
		a, err := ice.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	overTCP := newThrowaway(t)
	if a := decode(overTCP.askICE(t, n, tcpAddr)); a.Status != ice.NotBrowser {
		t.Fatalf("a peer on TCP got %+v, want status %d", a, ice.NotBrowser)
	}
	browser := newThrowaway(t)
	if a := decode(browser.askICE(t, n, wsAddr)); a.Status != ice.NotCircle {
		t.Fatalf("a peer on WebSocket not followed got %+v, want status %d", a, ice.NotCircle)
	}
	if _, err := n.Follow(t.Context(), browser.account.Public(), true); err != nil {
		t.Fatal(err)
	}
	first := browser.askICE(t, n, wsAddr)
	a := decode(first)
	// The expiry is an hour on, rounded up to the minute, and the TTL
	// whole seconds to it: 3600 when asked in a minute's last second.
	if a.Status != ice.Given || strconv.Itoa(int(a.Port)) != strings.TrimPrefix(tr.Addrs[0], "127.0.0.1:") ||
		a.TTL < 3600 || a.TTL > 3660 || !strings.HasSuffix(a.Username, ":"+browser.device.Public().Hex()) {
		t.Fatalf("a followed peer on WebSocket got %+v", a)
	}
	// Asked in a loop: the same bytes (or, past a minute's turn, the
	// next minute's); a question while the last one's stream is still
	// held is reset (one at a time a peer).
	answered := 0
	for range 50 {
		again, err := browser.tryICE(t, wsAddr)
		if err != nil {
			continue
		}
		answered++
		if !bytes.Equal(again, first) && !strings.HasPrefix(decode(again).Username, strconv.FormatInt(time.Now().Add(ice.TTL).Unix()/60*60+60, 10)) {
			t.Fatalf("asked again: %x, want %x (or the next minute's)", again, first)
		}
	}
	if answered == 0 {
		t.Fatal("none of 50 questions in a loop was answered")
	}
	t.Logf("%d of 50 questions in a loop answered, the rest reset", answered)
	// The credentials allocate at the node's TURN server, while the
	// browser is connected.
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: tr.Addrs[0], TURNServerAddr: tr.Addrs[0], Conn: conn,
		Username: a.Username, Password: a.Password, Realm: ice.Realm})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relayed, err := c.Allocate()
	if err != nil {
		t.Fatalf("allocating with the node's credentials: %v", err)
	}
	defer relayed.Close()
	if st := n.TURN(); st.Allocations != 1 || st.AllocationsTotal != 1 {
		t.Fatalf("the node's TURN server: %+v", st)
	}
	// Gone from the node, the browser's credentials allocate nothing.
	if err := browser.host.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the node to see the browser go", func() bool { return len(n.Peers()) == 1 })
	conn2, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	c2, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: tr.Addrs[0], Conn: conn2, Username: a.Username, Password: a.Password, Realm: ice.Realm, RTO: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.Listen(); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Allocate(); err == nil {
		t.Fatal("the credentials of a browser gone from the node allocated")
	}
	if st := n.TURN(); st.RefusedAuth == 0 {
		t.Fatalf("the node's TURN server: %+v, want a refusal counted", st)
	}

	// A node without turn_listen: status 1.
	m, _ := initNode(t, node.Options{})
	serveLoopbackWith(t, m, func(c *node.Config) { c.Listen = []string{"/ip4/127.0.0.1/tcp/0/ws"} })
	if a := decode(newThrowaway(t).askICE(t, m, m.Addrs()[0])); a.Status != ice.Off || m.TURN() != nil {
		t.Fatalf("a node without turn_listen answered %+v", a)
	}
}

// TestTURNConfig: turn_listen is off by default, an IPv4 IP:PORT, nothing
// else.
func TestTURNConfig(t *testing.T) {
	for _, tc := range []struct {
		name, text, wantErr string
	}{
		{"off", "", ""},
		{"every address", `turn_listen = "0.0.0.0:7699"`, ""},
		{"loopback, any port", `turn_listen = "127.0.0.1:0"`, ""},
		{"ipv6", `turn_listen = "[::]:7699"`, `turn_listen = "[::]:7699": give an IPv4 address and a UDP port`},
		{"no port", `turn_listen = "0.0.0.0"`, "give an IPv4 address and a UDP port, such as 0.0.0.0:7699"},
		{"a name", `turn_listen = "hub.invalid:7699"`, "give an IPv4 address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			if err := os.WriteFile(filepath.Join(home, node.ConfigFile), []byte(tc.text+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := node.LoadConfig(home)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("error %v, want none", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
			}
		})
	}
}
