package api_test

import (
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHealthAndIdentity(t *testing.T) {
	f := newFixture(t)
	var h wire.Health
	f.call("GET", "/api/v1/health", nil, &h)
	if h != (wire.Health{OK: true, PID: os.Getpid()}) {
		t.Errorf("health = %+v", h)
	}
	var id wire.Identity
	f.call("GET", "/api/v1/identity", nil, &id)
	want := wire.Identity{
		Account:          f.n.Account().String(),
		Device:           f.n.Device().String(),
		AccountPublicKey: f.n.Account().Key().Hex(),
		DevicePublicKey:  f.n.Device().Key().Hex(),
		Home:             f.n.Home(),
	}
	if id != want {
		t.Errorf("identity = %+v, want %+v", id, want)
	}
	// HEAD works where GET does, without a body.
	resp, b := f.request("HEAD", "/api/v1/identity", nil)
	if resp.StatusCode != 200 || len(b) != 0 {
		t.Errorf("HEAD: status %d, %d bytes", resp.StatusCode, len(b))
	}
}
