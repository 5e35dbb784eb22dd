package main

// A harness for tests that run real kith node processes on loopback: each
// node is 'kith serve' in its own home, listening on 127.0.0.1 only, with
// mDNS, the DHT and NAT traversal off, driven through the CLI (which goes
// through the node's API while it runs).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/store/postgres/pgtest"
)

// kithBin is the binary the tests run, built once by TestMain.
var kithBin string

func TestMain(m *testing.M) {
	// A test run again in a network namespace (inNetNS) is given the
	// kith binary and the browser peer its parent built, and leaves them
	// to the parent to remove.
	if os.Getenv(netnsEnv) != "" && os.Getenv(netnsKithEnv) != "" {
		kithBin = os.Getenv(netnsKithEnv)
		adoptBuilt(os.Getenv(netnsPeerEnv))
		code := m.Run()
		pgtest.Stop()
		stopSharedBrowser()
		os.Exit(code)
	}
	dir, err := os.MkdirTemp("", "kith-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kithBin = filepath.Join(dir, "kith")
	out, err := exec.Command("go", "build", "-o", kithBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build kith: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	pgtest.Stop()
	stopSharedBrowser()
	os.RemoveAll(dir)
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// proc is one running 'kith serve'.
type proc struct {
	t        *testing.T
	name     string
	home     string
	cmd      *exec.Cmd
	stderr   *syncBuffer
	API      string
	Addrs    []string
	Account  string
	Device   string
	Web      string   // the Web UI link
	Setup    bool     // it started in setup mode
	Warnings []string // what of its configured network does not run, as serve said
	extra    []string
	noInit   bool     // start without --init: setup mode on an empty home
	listen   string   // the one --listen address; "" is 127.0.0.1, TCP, any port; listenFromConfig: none (config.toml's)
	wrap     []string // runs the node and its CLI through this command (ip netns exec NS)
}

// command returns the command that runs kith with args, through p.wrap.
func (p *proc) command(ctx context.Context, args ...string) *exec.Cmd {
	if len(p.wrap) == 0 {
		return exec.CommandContext(ctx, kithBin, args...)
	}
	return exec.CommandContext(ctx, p.wrap[0], append(append(p.wrap[1:len(p.wrap):len(p.wrap)], kithBin), args...)...)
}

// syncBuffer is a bytes.Buffer that a process may write while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// listenFromConfig as proc.listen starts the node without --listen: it
// listens where its config.toml says.
const listenFromConfig = "config"

// serveJSON is the first line 'kith serve --json' prints.
type serveLine struct {
	Event    string   `json:"event"`
	Account  string   `json:"account"`
	Device   string   `json:"device"`
	API      string   `json:"api"`
	Web      string   `json:"web"`
	Addrs    []string `json:"addrs"`
	Setup    bool     `json:"setup"`
	Warnings []string `json:"warnings"`
}

// startNode starts 'kith serve' in home (created on first start) and waits
// until it listens.
func startNode(t *testing.T, name, home string, extra ...string) *proc {
	t.Helper()
	defer step(t, "start "+name)()
	p := &proc{t: t, name: name, home: home, extra: extra}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *proc) start() {
	t := p.t
	t.Helper()
	// --init: an empty home gets its account at once, not in setup mode.
	listen := p.listen
	if listen == "" {
		listen = "/ip4/127.0.0.1/tcp/0"
	}
	args := []string{"--home", p.home, "--json", "serve", "--api", "127.0.0.1:0", "--no-mdns", "--no-nat"}
	if listen != listenFromConfig {
		args = append(args, "--listen", listen)
	}
	if !p.noInit {
		args = append(args, "--init")
	}
	if !slices.Contains(p.extra, "--dht-server") && !slices.Contains(p.extra, "--bootstrap") {
		args = append(args, "--no-dht") // only the DHT tests run one
	}
	args = append(args, p.extra...)
	cmd := p.command(context.Background(), args...)
	cmd.Env = append(os.Environ(), "KITH_PASSPHRASE=", "HOME="+p.home)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stderr = &syncBuffer{}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.cmd = cmd
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	select {
	case l := <-lines:
		var s serveLine
		if err := json.Unmarshal([]byte(l), &s); err != nil || s.Event != "listening" {
			t.Fatalf("%s: unexpected first line %q (%v); stderr:\n%s", p.name, l, err, p.stderr)
		}
		p.API, p.Addrs, p.Account, p.Device, p.Web, p.Setup, p.Warnings = s.API, s.Addrs, s.Account, s.Device, s.Web, s.Setup, s.Warnings
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: no 'listening' line within 30 s; stderr:\n%s", p.name, p.stderr)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			p.t.Errorf("%s exited with %v; stderr:\n%s", p.name, err, p.stderr)
		}
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
		p.t.Errorf("%s did not stop within 15 s of SIGTERM; stderr:\n%s", p.name, p.stderr)
	}
	p.cmd = nil
}

// addr is the node's loopback TCP multiaddr with /p2p/.
func (p *proc) addr() string {
	for _, a := range p.Addrs {
		if strings.HasPrefix(a, "/ip4/127.0.0.1/tcp/") && strings.Contains(a, "/p2p/") {
			return a
		}
	}
	p.t.Fatalf("%s has no loopback TCP address in %v", p.name, p.Addrs)
	return ""
}

// kith runs a CLI command on the node's home and returns its stdout.
func (p *proc) kith(args ...string) []byte {
	p.t.Helper()
	defer step(p.t, p.name+": kith "+strings.Join(args, " "))()
	out, err := p.try(args...)
	if err != nil {
		p.t.Fatalf("%s: kith %s: %v", p.name, strings.Join(args, " "), err)
	}
	return out
}

// cliTimeout bounds one CLI command: a command that hangs is a node that
// does not answer, which the test reports with the node's goroutines.
const cliTimeout = 90 * time.Second

func (p *proc) try(args ...string) ([]byte, error) {
	defer func(start time.Time) { countCLI(p.t, time.Since(start)) }(time.Now())
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := p.command(ctx, append([]string{"--home", p.home, "--json"}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+p.home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil && p.cmd != nil {
		// The node did not answer: make it print its goroutines (Go's
		// SIGQUIT dump) so the test log shows where it stands.
		_ = p.cmd.Process.Signal(syscall.SIGQUIT)
		time.Sleep(2 * time.Second)
		p.cmd = nil
		return out, fmt.Errorf("kith %s: no answer within %v; the node's stderr:\n%s", strings.Join(args, " "), cliTimeout, p.stderr)
	}
	if err != nil {
		return out, fmt.Errorf("%v: %s", err, stderr.String())
	}
	return out, nil
}

// posts returns the texts of the posts of account held by this node.
func (p *proc) posts(account string) []string {
	out, err := p.try("log", account)
	if err != nil {
		return nil
	}
	var texts []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var e struct {
			Type    *string        `json:"type"`
			Payload map[string]any `json:"payload"`
		}
		if err := dec.Decode(&e); err != nil {
			p.t.Fatalf("%s: log output: %v", p.name, err)
		}
		if e.Type != nil && *e.Type == "post" {
			s, _ := e.Payload["text"].(string)
			texts = append(texts, s)
		}
	}
	return texts
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	defer step(t, "wait for "+what)()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
