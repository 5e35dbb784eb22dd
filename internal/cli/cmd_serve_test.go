package cli_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/cli"
)

// TestServeInitChecksFlagsFirst: 'kith serve --init' with a flag it will
// refuse must refuse it before it creates the account: the home stays
// empty and no recovery phrase is printed (before, --api 0.0.0.0:… created
// the account, printed the phrase, and only then refused the address).
func TestServeInitChecksFlagsFirst(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyUDP, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busyUDP.Close()
	tcpPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	udpPort := strconv.Itoa(busyUDP.LocalAddr().(*net.UDPAddr).Port)
	peerAddr := "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"API not on loopback", []string{"--api", "0.0.0.0:7690"}, "the API must listen on loopback"},
		{"API without a port", []string{"--api", "127.0.0.1"}, "--api \"127.0.0.1\""},
		{"API port in use", []string{"--api", busy.Addr().String()}, "API: listen on " + busy.Addr().String()},
		{"hops not a number", []string{"--hops", "x"}, "--hops: \"x\" is not a number"},
		{"hops out of range", []string{"--hops", "99"}, "hops = 99"},
		{"memory limit not a number", []string{"--memory-limit-mb", "lots"}, "--memory-limit-mb: \"lots\" is not a number"},
		{"memory limit too low", []string{"--memory-limit-mb", "8"}, "memory_limit_mb = 8: give 0 (no limit) or at least 32"},
		{"log level", []string{"--log-level", "loud"}, "--log-level"},
		{"listen address", []string{"--listen", "not-a-multiaddr"}, "--listen"},
		{"listen port in use", []string{"--listen", "/ip4/127.0.0.1/tcp/" + tcpPort}, "--listen /ip4/127.0.0.1/tcp/" + tcpPort + ": TCP port " + tcpPort + " on 127.0.0.1 is in use (another kith node?): choose another port with --listen, or stop what uses it; nothing was created"},
		{"listen port in use (QUIC)", []string{"--listen", "/ip4/127.0.0.1/udp/" + udpPort + "/quic-v1"}, "--listen /ip4/127.0.0.1/udp/" + udpPort + "/quic-v1: UDP port " + udpPort + " on 127.0.0.1 is in use (another kith node?): choose another port with --listen, or stop what uses it; nothing was created"},
		{"listen IP not of this machine", []string{"--listen", "/ip4/192.0.2.1/tcp/7696"}, "--listen /ip4/192.0.2.1/tcp/7696: cannot listen there: "},
		{"bootstrap address", []string{"--bootstrap", "/ip4/127.0.0.1/tcp/1"}, "--bootstrap"},
		{"peer address", []string{"--peer", "nonsense"}, "--peer"},
		{"device name", []string{"--name", strings.Repeat("n", 1000)}, "name"},
		{"arguments", []string{"extra"}, "usage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			home := e["KITH_HOME"]
			args := append([]string{"serve", "--init", "--no-mdns", "--no-dht", "--no-nat", "--listen", "/ip4/127.0.0.1/tcp/0"}, c.args...)
			if c.name == "peer address" {
				args = append(args, "--peer", peerAddr) // a good one first: each is checked
			}
			// A serve that does not refuse runs until stopped: stop it.
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			var out, errb bytes.Buffer
			code := cli.Main(ctx, args, cli.Env{Stdin: bytes.NewReader(nil), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return e[k] }})
			r := result{code, out.String(), errb.String()}
			if r.code == 0 || ctx.Err() != nil {
				t.Fatalf("exit %d (stopped after 20 s: %v), want a refusal; stdout %q", r.code, ctx.Err() != nil, r.stdout)
			}
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr %q, want it to contain %q", r.stderr, c.want)
			}
			if strings.Contains(r.stdout, "recovery phrase") || strings.Contains(r.stdout, "Created") {
				t.Errorf("stdout %q: an account was created before the refusal", r.stdout)
			}
			var left []string
			_ = filepath.WalkDir(home, func(p string, d os.DirEntry, err error) error {
				if p != home {
					left = append(left, strings.TrimPrefix(p, home+"/"))
				}
				return nil
			})
			if len(left) != 0 {
				t.Errorf("the home holds %q after the refusal, want it empty", left)
			}
		})
	}
}

// TestServeInitGoodFlags: with flags that pass, 'kith serve --init' creates
// the account, writes the default config file and serves until stopped.
func TestServeInitGoodFlags(t *testing.T) {
	e := newEnv(t)
	home := e["KITH_HOME"]
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	var out, errb bytes.Buffer
	code := cli.Main(ctx, []string{"serve", "--init", "--no-mdns", "--no-dht", "--no-nat", "--listen", "/ip4/127.0.0.1/tcp/0", "--api", "127.0.0.1:0", "--hops", "0", "--name", "laptop", "--memory-limit-mb", "96"},
		cli.Env{Stdin: bytes.NewReader(nil), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return e[k] }})
	if code != 0 || !strings.Contains(out.String(), "Created a new account in "+home) || !strings.Contains(out.String(), "kith node running") || !strings.HasSuffix(out.String(), "kith node stopped\n") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, out.String(), errb.String())
	}
	for _, f := range []string{"config.toml", "keys/account.key", "keys/device.key"} {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(home, "config.toml"))
	if err != nil || !strings.Contains(string(b), `api = "127.0.0.1:7690"`) || !strings.Contains(string(b), "memory_limit_mb = 0") {
		t.Errorf("config.toml holds %q (%v), want the defaults, not this run's flags", b, err)
	}
	if got := debug.SetMemoryLimit(-1); got != 96<<20 && os.Getenv("GOMEMLIMIT") == "" {
		t.Errorf("Go's memory limit is %d after --memory-limit-mb 96, want %d", got, 96<<20)
	}
}

// On a home with an account, too, a --listen port that is taken is refused
// before the node starts (before, the network started on the other
// addresses and left that one out without a word).
func TestServeRefusesBusyListenPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	e := newEnv(t)
	e.ok(t, "init")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := cli.Main(ctx, []string{"serve", "--no-mdns", "--no-dht", "--no-nat", "--api", "127.0.0.1:0", "--listen", "/ip4/127.0.0.1/tcp/0", "--listen", "/ip4/127.0.0.1/tcp/" + port}, cli.Env{Stdin: bytes.NewReader(nil), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return e[k] }})
	want := "kith: --listen /ip4/127.0.0.1/tcp/" + port + ": TCP port " + port + " on 127.0.0.1 is in use (another kith node?): choose another port with --listen, or stop what uses it\n"
	if code != 1 || ctx.Err() != nil || errb.String() != want || out.Len() != 0 {
		t.Fatalf("exit %d (stopped after 20 s: %v), stdout %q, stderr %q; want exit 1 and stderr %q", code, ctx.Err() != nil, out.String(), errb.String(), want)
	}
}
