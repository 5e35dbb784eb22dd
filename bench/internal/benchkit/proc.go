package benchkit

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kithnet/kith/internal/api/client"
)

// BuildKith builds the kith binary into dir and returns its path.
func BuildKith(dir string) (string, error) {
	bin := filepath.Join(dir, "kith")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/kithnet/kith/cmd/kith")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build kith: %w", err)
	}
	return bin, nil
}

// Proc is one running 'kith serve' on loopback.
type Proc struct {
	Home    string
	PID     int
	Addrs   []string
	Account string
	Device  string
	Web     string // the web UI's sign-in link
	Client  *client.Client
	cmd     *exec.Cmd
}

// Serve starts 'kith serve' on home, listening on 127.0.0.1 only, with
// mDNS, the DHT and NAT traversal off, and waits until its API answers. An
// empty home gets its account at once (--init), not the web UI's setup.
func Serve(bin, home string, extra ...string) (*Proc, error) {
	args := append([]string{"--home", home, "--json", "serve",
		"--listen", "/ip4/127.0.0.1/tcp/0", "--api", "127.0.0.1:0",
		"--no-mdns", "--no-dht", "--no-nat", "--init"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case line <- sc.Text():
			default:
			}
		}
	}()
	var s struct {
		Event, Account, Device, Web string
		Addrs                       []string
	}
	select {
	case l := <-line:
		if err := json.Unmarshal([]byte(l), &s); err != nil || s.Event != "listening" {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("kith serve on %s printed %q", home, l)
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("kith serve on %s did not start within 60 s", home)
	}
	c, err := client.FromHome(home)
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, err
	}
	return &Proc{Home: home, PID: cmd.Process.Pid, Addrs: s.Addrs, Account: s.Account, Device: s.Device, Web: s.Web, Client: c, cmd: cmd}, nil
}

// Addr is the node's loopback TCP multiaddr with /p2p/.
func (p *Proc) Addr() string {
	for _, a := range p.Addrs {
		if strings.HasPrefix(a, "/ip4/127.0.0.1/tcp/") {
			return a
		}
	}
	return ""
}

// PeakRSSKB is the process's peak resident memory so far.
func (p *Proc) PeakRSSKB() int64 { return PeakRSSKBOf(p.PID) }

// Stop sends SIGTERM and waits for the process to end.
func (p *Proc) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("kith serve on %s did not stop within 30 s", p.Home)
	}
}

// Kill ends the process with SIGKILL, as a crash or a power cut of the
// process would, and waits for it to be gone.
func (p *Proc) Kill() error {
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	_ = p.cmd.Wait() // "signal: killed"
	return nil
}

// WaitFor polls cond every interval until it holds or ctx ends.
func WaitFor(ctx context.Context, interval time.Duration, cond func() (bool, error)) error {
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// WriteLogsConfig writes a config.toml into home that replicates the given
// logs explicitly ("dev_…/log_…").
func WriteLogsConfig(home string, logs []string) error {
	return writeConfig(home, logs, "")
}

// writeConfig writes the home's config.toml: the logs it wants, then
// extra (tables such as [store]).
func writeConfig(home string, logs []string, extra string) error {
	var b strings.Builder
	b.WriteString("# written by a kith benchmark\nlogs = [\n")
	for _, l := range logs {
		fmt.Fprintf(&b, "  %q,\n", l)
	}
	b.WriteString("]\n")
	b.WriteString(extra)
	return os.WriteFile(filepath.Join(home, "config.toml"), []byte(b.String()), 0o600)
}
