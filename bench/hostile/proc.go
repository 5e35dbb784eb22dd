package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kithnet/kith/internal/api/client"
)

// proc is one running 'kith serve' on loopback whose stderr (its log) is
// kept for reading.
type proc struct {
	Home   string
	PID    int
	Addrs  []string
	Device string
	Client *client.Client
	cmd    *exec.Cmd
	log    *logBuffer
}

// logBuffer keeps what a process writes, for the test to read.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serve starts 'kith serve' on home on 127.0.0.1 only, with mDNS and NAT
// traversal off and the given extra flags, and waits until its API
// answers.
func serve(bin, home string, extra ...string) (*proc, error) {
	args := append([]string{"--home", home, "--json", "serve",
		"--listen", "/ip4/127.0.0.1/tcp/0", "--api", "127.0.0.1:0",
		"--no-mdns", "--no-nat", "--init"}, extra...)
	name, args := kithCommand(bin, args...)
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "KITH_PASSPHRASE=", "HOME="+home)
	p := &proc{Home: home, cmd: cmd, log: &logBuffer{}}
	cmd.Stderr = p.log
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
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			select {
			case line <- sc.Text():
			default:
			}
		}
	}()
	var s struct {
		Event, Device string
		Addrs         []string
	}
	select {
	case l := <-line:
		if err := json.Unmarshal([]byte(l), &s); err != nil || s.Event != "listening" {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("kith serve on %s printed %q; its log:\n%s", home, l, p.log)
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("kith serve on %s did not start within 60 s; its log:\n%s", home, p.log)
	}
	// A node under attack, or on a loaded machine, may take more than the
	// client's health timeout to answer its first request.
	var c *client.Client
	for start := time.Now(); ; {
		if c, err = client.FromHome(home); err == nil {
			break
		}
		if time.Since(start) > 30*time.Second {
			_ = cmd.Process.Kill()
			return nil, err
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.PID, p.Addrs, p.Device, p.Client = cmd.Process.Pid, s.Addrs, s.Device, c
	return p, nil
}

// addr is the node's loopback TCP multiaddr with /p2p/.
func (p *proc) addr() string {
	for _, a := range p.Addrs {
		if strings.HasPrefix(a, "/ip4/127.0.0.1/tcp/") && !strings.Contains(a, "/ws") {
			return a
		}
	}
	return ""
}

// stop sends SIGTERM and waits for the process to end (SIGKILL after 30 s).
func (p *proc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
		return fmt.Errorf("kith serve on %s did not stop within 30 s of SIGTERM", p.Home)
	}
}

// exited reports whether the process has ended (crashed).
func (p *proc) exited() bool {
	return p.cmd.Process.Signal(syscall.Signal(0)) != nil
}

// statusKB reads a field of /proc/PID/status in kB (VmRSS, VmHWM); -1 when
// unknown.
func statusKB(pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return -1
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux 4.0 and
// later: "5" to /proc/PID/clear_refs). It reports whether it could.
func resetPeakRSS(pid int) bool {
	return os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0) == nil
}

// rssSampler records a process's highest VmRSS, sampled every 50 ms, as a
// check on VmHWM (and the measure where VmHWM cannot be reset), and the
// highest of its two parts: RssAnon (the heap: Go's and SQLite's) and
// RssFile (mapped files: the binary, and the database SQLite reads
// through mmap, which the kernel may drop and read again).
type rssSampler struct {
	stop chan struct{}
	done chan rssPeaks
}

// rssPeaks are a sampler's maxima, in kB (each at its own moment).
type rssPeaks struct{ RSS, Anon, File int64 }

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan rssPeaks, 1)}
	go func() {
		var peak rssPeaks
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			peak.RSS = max(peak.RSS, statusKB(pid, "VmRSS"))
			peak.Anon = max(peak.Anon, statusKB(pid, "RssAnon"))
			peak.File = max(peak.File, statusKB(pid, "RssFile"))
			select {
			case <-s.stop:
				s.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) peaks() rssPeaks {
	close(s.stop)
	return <-s.done
}

// dirKB is the size of the files under dir, in KiB.
func dirKB(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n / 1024
}
