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

// readHidden is never called here (isPassphraseTerminal is false).
func readHidden(*os.File) ([]byte, error) {
	return nil, errors.New("cannot read a passphrase without showing it on this system")
}
