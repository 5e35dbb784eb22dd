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
	"github.com/kithnet/kith/internal/atomicfile"
)

// Endpoint is the content of the endpoint file, home/api.json:
// {"url":"http://127.0.0.1:PORT","token":"…","pid":N}.
type Endpoint = wire.Endpoint

// WriteEndpoint writes the endpoint file of home, mode 0600, atomically: a
// temporary file beside it, synced and renamed into place, so a client never
// reads half of it. It refuses an endpoint that clients would refuse.
func WriteEndpoint(home string, e Endpoint) error {
	if err := e.Check(); err != nil {
		return fmt.Errorf("endpoint file: %w", err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	path := wire.EndpointPath(home)
	if err := atomicfile.WritePrivate(path, append(b, '\n')); err != nil {
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
