package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Layout of a home directory.
const (
	dbFile         = "kith.db"
	blobDir        = "blobs"
	keyDir         = "keys"
	deviceKeyFile  = "device.key"
	accountKeyFile = "account.key"
	lockFile       = "lock"
)

// ErrNotInitialized is returned by Open for a home without keys.
var ErrNotInitialized = errors.New("no kith account here yet")

// ErrAlreadyInitialized is returned by Init for a home that has keys.
var ErrAlreadyInitialized = errors.New("this home already holds a kith account")

func devicePath(home string) string  { return filepath.Join(home, keyDir, deviceKeyFile) }
func accountPath(home string) string { return filepath.Join(home, keyDir, accountKeyFile) }

// DefaultHome returns the home used when neither --home nor KITH_HOME is set:
// $XDG_DATA_HOME/kith, else ~/.local/share/kith.
func DefaultHome() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "kith"), nil
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find your home directory (%v); pass --home DIR or set KITH_HOME", err)
	}
	return filepath.Join(h, ".local", "share", "kith"), nil
}

// Initialized reports whether home holds a device key.
func Initialized(home string) bool {
	_, err := os.Stat(devicePath(home))
	return err == nil
}

// homeLock is an exclusive lock on a home, held while a node has it open, so
// two processes never extend the same log at once (which would fork it).
type homeLock struct{ f *os.File }

func lockHome(home string) (*homeLock, error) {
	path := filepath.Join(home, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := lockFileExclusive(f); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		pid := strings.TrimSpace(string(b))
		if _, perr := strconv.Atoi(pid); perr != nil || pid == "" {
			pid = "unknown"
		}
		return nil, fmt.Errorf("another kith process (pid %s) is using %s; wait for it to finish or stop it", pid, home)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &homeLock{f: f}, nil
}

func (l *homeLock) release() {
	if l == nil || l.f == nil {
		return
	}
	unlockFile(l.f)
	_ = l.f.Close()
	l.f = nil
}
