package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// promptTries is how often a passphrase prompt asks before it gives up.
const promptTries = 3

// settleKeyPassphrase decides, before a home is created, whether its key
// files are encrypted. A passphrase from --passphrase-file or
// KITH_PASSPHRASE is used as it is (scripts). Otherwise, on a terminal,
// the user is asked for one (typed twice, not shown); Enter alone keeps
// the keys unencrypted. It reports whether the keys will be encrypted; the
// caller warns with keysWarning when they are not.
func settleKeyPassphrase(c *call) (bool, error) {
	if len(c.passphrase) > 0 {
		return true, nil
	}
	f, ok := c.env.Stdin.(*os.File)
	if !ok || !isPassphraseTerminal(f) {
		return false, nil
	}
	fmt.Fprintf(c.env.Stderr, "kith keeps this device's keys in %s.\nChoose a passphrase to encrypt them: kith will ask for it whenever it opens this home\n(scripts give it with --passphrase-file or KITH_PASSPHRASE). Press Enter for none.\n", keysDir(c.home))
	for range promptTries {
		pass, err := askHidden(c, f, "Passphrase: ")
		if err != nil || len(pass) == 0 {
			return false, err
		}
		again, err := askHidden(c, f, "Repeat it: ")
		if err != nil {
			return false, err
		}
		if bytes.Equal(pass, again) {
			c.passphrase = pass
			return true, nil
		}
		fmt.Fprintln(c.env.Stderr, "The two passphrases differ; try again.")
	}
	return false, fmt.Errorf("the passphrases differed %d times; nothing was created", promptTries)
}

// keysWarning says that a new home's keys are stored unencrypted.
func keysWarning(c *call) {
	fmt.Fprintf(c.env.Stderr, "warning: the keys in %s are stored unencrypted: anyone who can read them can act as this device and its account. To encrypt them, create the home with --passphrase-file FILE or KITH_PASSPHRASE set (on a terminal, kith init asks for a passphrase).\n", keysDir(c.home))
}

func keysDir(home string) string { return filepath.Join(home, "keys") }

// openAsking opens the home's node. When its keys are encrypted and no
// passphrase was given, it asks for one on a terminal (up to promptTries
// times while it is wrong); elsewhere the error says how to give it.
func openAsking(c *call) (*node.Node, error) {
	n, err := node.Open(c.home, c.options())
	if err == nil || len(c.passphrase) > 0 || !errors.Is(err, identity.ErrPassphraseRequired) {
		return n, err
	}
	f, ok := c.env.Stdin.(*os.File)
	if !ok || !isPassphraseTerminal(f) {
		return nil, err
	}
	for range promptTries {
		pass, perr := askHidden(c, f, fmt.Sprintf("Passphrase for the keys in %s: ", keysDir(c.home)))
		if perr != nil {
			return nil, perr
		}
		if len(pass) == 0 {
			return nil, err
		}
		c.passphrase = pass
		n, err = node.Open(c.home, c.options())
		if !errors.Is(err, identity.ErrWrongPassphrase) {
			return n, err
		}
		fmt.Fprintln(c.env.Stderr, "Wrong passphrase.")
	}
	return nil, err
}

// askHidden prints prompt on stderr and reads one line from the terminal
// f without showing what is typed (the echo is off before the prompt
// shows: a passphrase typed at once was echoed, TestInitAsksPassphraseOnTerminal
// failed in CI that way).
func askHidden(c *call, f *os.File, prompt string) ([]byte, error) {
	line, err := readHidden(f, func() { fmt.Fprint(c.env.Stderr, prompt) })
	fmt.Fprintln(c.env.Stderr) // the Enter the terminal did not show
	if err != nil {
		return nil, fmt.Errorf("read the passphrase: %w", err)
	}
	return bytes.TrimRight(line, "\r"), nil
}

// readLine reads up to a line break, a byte at a time so that nothing
// after the line is consumed. At most 4096 bytes.
func readLine(f *os.File) ([]byte, error) {
	var line []byte
	var b [1]byte
	for len(line) < 4096 {
		n, err := f.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				return line, nil
			}
			line = append(line, b[0])
			continue
		}
		if err != nil {
			if len(line) > 0 {
				return line, nil
			}
			return nil, err
		}
	}
	return nil, errors.New("the line is longer than 4096 bytes")
}
