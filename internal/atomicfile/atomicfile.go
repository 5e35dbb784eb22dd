// Package atomicfile writes small private files (keys, the API endpoint,
// kept peers, invites) so that a reader sees the old file or the new one,
// never a mix, even after a crash.
package atomicfile

import (
	"os"
	"path/filepath"
	"runtime"
)

// WritePrivate writes data to path with mode 0600: into a temporary file
// beside it, synced, then renamed over path, and the rename synced where
// the platform can sync a directory.
func WritePrivate(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	// CreateTemp already uses 0600; say so explicitly, as umask does not
	// apply to Chmod.
	if err = f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename durable. Not every platform can sync a directory;
	// the file itself is already synced.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
