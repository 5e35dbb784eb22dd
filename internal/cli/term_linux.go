package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// isPassphraseTerminal reports whether f is a terminal kith can read a
// passphrase from.
func isPassphraseTerminal(f *os.File) bool { return isTTY(f, unix.TCGETS) }

// isTerminalFile reports whether f is a terminal.
func isTerminalFile(f *os.File) bool { return isTTY(f, unix.TCGETS) }

// readHidden turns the terminal f's echo off, calls prompt, reads a line
// and turns the echo back on.
func readHidden(f *os.File, prompt func()) ([]byte, error) {
	return readNoEcho(f, unix.TCGETS, unix.TCSETS, prompt)
}
