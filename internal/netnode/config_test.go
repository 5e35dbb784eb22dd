package netnode

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := Config{Key: testKey(t, 1)}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	wantListen := []string{
		"/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/udp/0/quic-v1", "/ip4/0.0.0.0/tcp/0/ws",
		"/ip6/::/tcp/0", "/ip6/::/udp/0/quic-v1", "/ip6/::/tcp/0/ws",
	}
	if !reflect.DeepEqual(cfg.Listen, wantListen) {
		t.Fatalf("Listen = %v, want %v", cfg.Listen, wantListen)
	}
	if cfg.ConnLow != 100 || cfg.ConnHigh != 200 {
		t.Fatalf("watermarks %d, %d; want 100, 200", cfg.ConnLow, cfg.ConnHigh)
	}
	if cfg.RedialMin != time.Second || cfg.RedialMax != 5*time.Minute {
		t.Fatalf("redial %v to %v; want 1s to 5m", cfg.RedialMin, cfg.RedialMax)
	}
	if cfg.PenaltyBase != time.Minute || cfg.PenaltyMax != time.Hour {
		t.Fatalf("penalty %v to %v; want 1m to 1h", cfg.PenaltyBase, cfg.PenaltyMax)
	}
	if cfg.Logger == nil {
		t.Fatal("no default logger")
	}
	// The defaults are copied, not shared.
	cfg.Listen[0] = "changed"
	if DefaultListen[0] != "/ip4/0.0.0.0/tcp/0" {
		t.Fatal("changing a host's Listen changed DefaultListen")
	}
}

func TestConfigRejects(t *testing.T) {
	key := testKey(t, 1)
	cases := []struct {
		name string
		cfg  Config
		err  string
	}{
		{"no key", Config{}, "Config.Key is unset"},
		{"low above high", Config{Key: key, ConnLow: 300, ConnHigh: 200}, "watermarks low 300, high 200"},
		{"negative low", Config{Key: key, ConnLow: -1}, "watermarks low -1, high 200"},
		{"redial min above max", Config{Key: key, RedialMin: time.Hour, RedialMax: time.Minute}, "redial back-off 1h0m0s to 1m0s"},
		{"penalty base above max", Config{Key: key, PenaltyBase: 2 * time.Hour}, "penalty back-off 2h0m0s to 1h0m0s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.withDefaults()
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("withDefaults: %v; want an error containing %q", err, tc.err)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	key := testKey(t, 1)
	cases := []struct {
		name string
		cfg  Config
		err  string
	}{
		{"no key", Config{Listen: []string{tcpLoopback}}, "Config.Key is unset"},
		{"empty listen", Config{Key: key, Listen: []string{}}, "Config.Listen is empty"},
		{"bad listen", Config{Key: key, Listen: []string{tcpLoopback, "/ip4/127.0.0.1/tcp"}}, `listen address 2 "/ip4/127.0.0.1/tcp"`},
		{"bootstrap without peer", Config{Key: key, Listen: []string{tcpLoopback}, Bootstrap: []string{"/ip4/127.0.0.1/tcp/1"}}, "bootstrap peer 1: address \"/ip4/127.0.0.1/tcp/1\" does not name its peer"},
		{"hole punching without relay", Config{Key: key, Listen: []string{tcpLoopback}, HolePunch: true}, "HolePunch needs Relay"},
		{"no transport for the address", Config{Key: key, Listen: []string{"/ip4/127.0.0.1/udp/0/quic-v1/webtransport"}}, "netnode: starting libp2p: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New(context.Background(), tc.cfg)
			if err == nil {
				h.Close()
				t.Fatalf("New succeeded; want an error containing %q", tc.err)
			}
			if !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("New: %v; want an error containing %q", err, tc.err)
			}
		})
	}
}

func TestNewCreatesDataDirPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "net")
	cfg := loopbackConfig(t, testKey(t, 1))
	cfg.DataDir = dir
	cfg.DHT = true
	h := startHost(t, cfg)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Fatalf("data directory mode %v, want 0700", perm)
	}
	if fi, err := os.Stat(filepath.Join(dir, dhtDir)); err != nil || !fi.IsDir() {
		t.Fatalf("no DHT datastore directory: %v", err)
	}
	if h.Key() != testKey(t, 1).Public() {
		t.Fatal("the host's key is not the device key")
	}
	if _, err := PeerIDOf(identity.PublicKey{}); err != nil {
		t.Fatalf("PeerIDOf(zero key): %v", err)
	}
}
