package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/kithnet/kith/internal/api/wire"
)

// Endpoint is the content of the endpoint file, home/api.json:
// {"url":"http://127.0.0.1:PORT","token":"…","pid":N}.
type Endpoint = wire.Endpoint

// WriteEndpoint writes the endpoint file of home, mode 0600, atomically: a
// temporary file beside it, synced and renamed into place, so a client never
// reads half of it. It refuses an endpoint that clients would refuse.
func WriteEndpoint(home string, e Endpoint) (err error) {
	if err := e.Check(); err != nil {
		return fmt.Errorf("endpoint file: %w", err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	path := wire.EndpointPath(home)
	tmp, err := os.CreateTemp(home, ".api.json-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes the file 0600; Chmod says so whatever the platform.
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = tmp.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// RemoveEndpoint removes the endpoint file of home; a missing file is not
// an error.
func RemoveEndpoint(home string) error {
	err := os.Remove(wire.EndpointPath(home))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the endpoint file: %w", err)
	}
	return nil
}

// NewToken returns a new API token: 32 random bytes in hex.
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make an API token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
