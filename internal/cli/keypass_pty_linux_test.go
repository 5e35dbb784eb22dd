package cli_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kithnet/kith/internal/cli"
	"github.com/kithnet/kith/internal/identity"
)

// openPTY opens a pseudo-terminal: the controller, which the test types
// into and reads the echo from, and the terminal the command gets as its
// stdin.
func openPTY(t *testing.T) (controller, term *os.File) {
	t.Helper()
	controller, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { controller.Close() })
	fd := int(controller.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pseudo-terminal number: %v", err)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	return controller, term
}

// waitFor waits until buf holds want, for at most 30 s.
func waitFor(t *testing.T, buf *lockedBuf, want string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(buf.String(), want) {
			return
		}
	}
	t.Fatalf("waited 30 s for %q; have %q", want, buf.String())
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestInitAsksPassphraseOnTerminal runs 'kith init' with a terminal as
// stdin: it asks for a passphrase twice without showing it, encrypts the
// keys with it and warns of nothing. Then 'kith id' on that home asks for
// the passphrase on the terminal (once wrong, then right).
func TestInitAsksPassphraseOnTerminal(t *testing.T) {
	controller, term := openPTY(t)
	home := t.TempDir()
	env := func(k string) string {
		if k == "KITH_HOME" {
			return home
		}
		return ""
	}
	// Everything the terminal sends back (its echo) is collected.
	var echo lockedBuf
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := controller.Read(buf)
			echo.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()

	type run struct {
		code        int
		out, stderr string
	}
	start := func(args ...string) (*lockedBuf, chan run) {
		var out, errb lockedBuf
		done := make(chan run, 1)
		go func() {
			code := cli.Main(t.Context(), args, cli.Env{Stdin: term, Stdout: &out, Stderr: &errb, Getenv: env})
			done <- run{code, out.String(), errb.String()}
		}()
		return &errb, done
	}
	typeLine := func(s string) {
		t.Helper()
		if _, err := controller.Write([]byte(s + "\n")); err != nil {
			t.Fatal(err)
		}
	}

	stderr, done := start("--json", "init")
	waitFor(t, stderr, "Passphrase: ")
	typeLine("correct horse")
	waitFor(t, stderr, "Repeat it: ")
	typeLine("correct hose") // a typo: asked again
	waitFor(t, stderr, "The two passphrases differ; try again.\nPassphrase: ")
	typeLine("correct horse")
	waitFor(t, stderr, "differ; try again.\nPassphrase: \nRepeat it: ")
	typeLine("correct horse")
	r := <-done
	if r.code != 0 || !strings.Contains(r.out, `"keys_encrypted":true`) {
		t.Fatalf("init: exit %d, stdout %q, stderr %q", r.code, r.out, r.stderr)
	}
	if strings.Contains(r.stderr, "unencrypted") || !strings.Contains(r.stderr, "Choose a passphrase to encrypt them") {
		t.Errorf("init stderr %q", r.stderr)
	}
	time.Sleep(100 * time.Millisecond) // let the echo reader catch up
	if e := echo.String(); strings.Contains(e, "horse") || strings.Contains(e, "hose") {
		t.Errorf("the terminal showed the passphrase: %q", e)
	}
	for _, f := range []string{"account.key", "device.key"} {
		path := filepath.Join(home, "keys", f)
		if _, _, err := identity.ReadKeyFile(path, nil); !errors.Is(err, identity.ErrPassphraseRequired) {
			t.Errorf("%s without a passphrase: %v; want it encrypted", f, err)
		}
		if _, _, err := identity.ReadKeyFile(path, []byte("correct horse")); err != nil {
			t.Errorf("%s with the passphrase: %v", f, err)
		}
	}

	// Opening the home asks for it.
	stderr, done = start("--json", "id")
	waitFor(t, stderr, "Passphrase for the keys in "+filepath.Join(home, "keys")+": ")
	typeLine("wrong")
	waitFor(t, stderr, "Wrong passphrase.\nPassphrase for the keys")
	typeLine("correct horse")
	r = <-done
	if r.code != 0 || !strings.Contains(r.out, `"account":"acc_`) {
		t.Fatalf("id: exit %d, stdout %q, stderr %q", r.code, r.out, r.stderr)
	}
	if e := echo.String(); strings.Contains(e, "horse") || strings.Contains(e, "wrong") {
		t.Errorf("the terminal showed the passphrase: %q", e)
	}
}

// TestInitEmptyPassphraseOnTerminal: Enter alone keeps the keys
// unencrypted, and the warning says so.
func TestInitEmptyPassphraseOnTerminal(t *testing.T) {
	controller, term := openPTY(t)
	home := t.TempDir()
	var out, errb lockedBuf
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(t.Context(), []string{"init"}, cli.Env{Stdin: term, Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			if k == "KITH_HOME" {
				return home
			}
			return ""
		}})
	}()
	waitFor(t, &errb, "Passphrase: ")
	if _, err := controller.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if !strings.HasSuffix(errb.String(), "Passphrase: \nwarning: the keys in "+filepath.Join(home, "keys")+" are stored unencrypted: anyone who can read them can act as this device and its account. To encrypt them, create the home with --passphrase-file FILE or KITH_PASSPHRASE set (on a terminal, kith init asks for a passphrase).\n") {
		t.Errorf("stderr %q", errb.String())
	}
	if _, _, err := identity.ReadKeyFile(filepath.Join(home, "keys", "device.key"), nil); err != nil {
		t.Errorf("device key without a passphrase: %v; want it unencrypted", err)
	}
}
