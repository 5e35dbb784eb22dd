//go:build unix

package node

import (
	"os"
	"syscall"
)

// lockFileExclusive takes an exclusive advisory lock on f without waiting.
// The kernel drops it when the process exits, however it exits.
func lockFileExclusive(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

func unlockFile(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
