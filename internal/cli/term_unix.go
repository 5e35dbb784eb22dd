//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTTY reports whether f is a terminal (not merely a character device,
// as /dev/null is).
func isTTY(f *os.File, get uint) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), get)
	return err == nil
}

// readNoEcho turns the terminal's echo off (keeping the line editing),
// calls prompt, reads one line and restores the terminal's settings. The
// prompt comes after the echo is off: what is typed as soon as it shows
// is never echoed.
func readNoEcho(f *os.File, get, set uint, prompt func()) ([]byte, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, get)
	if err != nil {
		return nil, err
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, set, &quiet); err != nil {
		return nil, err
	}
	defer unix.IoctlSetTermios(fd, set, old) //nolint:errcheck // best effort: nothing better to do
	prompt()
	return readLine(f)
}
