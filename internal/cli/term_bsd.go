//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// isPassphraseTerminal reports whether f is a terminal kith can read a
// passphrase from.
func isPassphraseTerminal(f *os.File) bool { return isTTY(f, unix.TIOCGETA) }

// isTerminalFile reports whether f is a terminal.
func isTerminalFile(f *os.File) bool { return isTTY(f, unix.TIOCGETA) }

// readHidden turns the terminal f's echo off, calls prompt, reads a line
// and turns the echo back on.
func readHidden(f *os.File, prompt func()) ([]byte, error) {
	return readNoEcho(f, unix.TIOCGETA, unix.TIOCSETA, prompt)
}
