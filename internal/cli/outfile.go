package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// outFile writes a file the user named: to a temporary file beside it,
// renamed into place by commit, so a failure never leaves a partial file
// under the final name. Its errors name the user's path, never the
// temporary file's.
type outFile struct {
	path string
	f    *os.File
	done bool // committed or aborted
}

// createOut starts writing path. It fails early, naming path, when path is
// a directory or its directory does not exist or cannot be written.
func createOut(path string) (*outFile, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("cannot write %s: it is a directory", path)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("cannot write %s: directory does not exist", path)
	case err != nil:
		return nil, writeError(path, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("cannot write %s: %s is not a directory", path, dir)
	}
	f, err := os.CreateTemp(dir, ".kith-out-*")
	if err != nil {
		return nil, writeError(path, err)
	}
	return &outFile{path: path, f: f}, nil
}

// writeError reports err as a failure to write path, keeping only its cause
// (e.g. "permission denied"), which would otherwise name a temporary file.
func writeError(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("cannot write %s: %w", path, err)
}

func (o *outFile) Write(p []byte) (int, error) {
	n, err := o.f.Write(p)
	if err != nil {
		err = writeError(o.path, err)
	}
	return n, err
}

// commit syncs the file, gives it mode perm and renames it to its path.
func (o *outFile) commit(perm os.FileMode) error {
	o.done = true
	err := o.f.Sync()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// CreateTemp makes 0600 files; umask does not apply to Chmod.
		err = os.Chmod(o.f.Name(), perm)
	}
	if err == nil {
		err = os.Rename(o.f.Name(), o.path)
	}
	if err != nil {
		_ = os.Remove(o.f.Name())
		return writeError(o.path, err)
	}
	return nil
}

// abort removes the temporary file, unless commit ran.
func (o *outFile) abort() {
	if o.done {
		return
	}
	o.done = true
	_ = o.f.Close()
	_ = os.Remove(o.f.Name())
}
