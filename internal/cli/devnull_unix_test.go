//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cli_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/cli"
)

// /dev/null is a character device, not a terminal: 'kith init --restore'
// with stdin from it does not prompt for a phrase (it says how to give
// one), and 'kith export' writes a bundle to it as to any redirected
// stdout (it asks for --out only on a terminal).
func TestDevNullIsNoTerminal(t *testing.T) {
	devnull := func(flag int) *os.File {
		f, err := os.OpenFile(os.DevNull, flag, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	e := newEnv(t)
	var out, errb bytes.Buffer
	code := cli.Main(t.Context(), []string{"init", "--restore"}, cli.Env{Stdin: devnull(os.O_RDONLY), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return e[k] }})
	if code != 2 || strings.Contains(errb.String(), "Enter your 24-word recovery phrase") || !strings.Contains(errb.String(), "no recovery phrase on stdin; pipe the 24 words in") {
		t.Fatalf("init --restore < /dev/null: exit %d, stderr %q; want exit 2 saying how to give the phrase, no prompt", code, errb.String())
	}

	e.ok(t, "init")
	e.ok(t, "post", "hello")
	errb.Reset()
	code = cli.Main(t.Context(), []string{"export"}, cli.Env{Stdin: bytes.NewReader(nil), Stdout: devnull(os.O_WRONLY), Stderr: &errb, Getenv: func(k string) string { return e[k] }})
	if code != 0 || !strings.Contains(errb.String(), "exported ") {
		t.Fatalf("export > /dev/null: exit %d, stderr %q; want the bundle written", code, errb.String())
	}
}
