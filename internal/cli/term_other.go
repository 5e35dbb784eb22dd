//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package cli

import (
	"errors"
	"os"
)

// isPassphraseTerminal is false where kith cannot turn a terminal's echo
// off: it then asks for no passphrase, and warns that the keys are
// unencrypted.
func isPassphraseTerminal(*os.File) bool { return false }

// isTerminalFile reports whether f is a character device, the nearest
// this system's check comes to a terminal (the null device is one too).
func isTerminalFile(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// readHidden is never called here (isPassphraseTerminal is false).
func readHidden(*os.File, func()) ([]byte, error) {
	return nil, errors.New("cannot read a passphrase without showing it on this system")
}
