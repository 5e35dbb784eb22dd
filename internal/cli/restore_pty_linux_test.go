package cli_test

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/cli"
)

// 'kith init --restore' with a terminal as stdin asks for the phrase
// there (and then for a passphrase, Enter for none).
func TestRestoreAsksPhraseOnTerminal(t *testing.T) {
	var o initOut
	newEnv(t).okJSON(t, &o, "init")
	controller, term := openPTY(t)
	go func() { // drain the echo
		buf := make([]byte, 256)
		for {
			if _, err := controller.Read(buf); err != nil {
				return
			}
		}
	}()
	e := newEnv(t)
	var out, errb lockedBuf
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(t.Context(), []string{"--json", "init", "--restore"}, cli.Env{Stdin: term, Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return e[k] }})
	}()
	waitFor(t, &errb, "Enter your 24-word recovery phrase, then press Enter:\n")
	if _, err := controller.Write([]byte(o.RecoveryPhrase + "\n")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &errb, "Passphrase: ")
	if _, err := controller.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 || !strings.Contains(out.String(), `"account":"`+o.Account+`"`) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want account %s restored", code, out.String(), errb.String(), o.Account)
	}
}
