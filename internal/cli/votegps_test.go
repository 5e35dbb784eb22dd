package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/blob"
)

// TestVillageVoteProofWithLocation: a vote naming by id a stored proof
// that still carries GPS data ('blob add' keeps it) is refused with a
// message saying to give the file itself, directly and through a running
// node; with the file, the location is removed and the vote goes through.
func TestVillageVoteProofWithLocation(t *testing.T) {
	v := foundVillage(t)
	plain, withGPS := gpsPNG(t)
	file := filepath.Join(t.TempDir(), "scan.png")
	if err := os.WriteFile(file, withGPS, 0o644); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(v.a.ok(t, "blob", "add", file))
	stranger := strings.Repeat("ab", 64)
	want := "kith: proof " + id + " carries location metadata (GPS), which every other node refuses: give the file itself (--proof FILE, --image FILE, or 'kith blob add --publish FILE'), which removes it\n"
	check := func(t *testing.T) {
		if r := v.a.run(t, nil, "village", "vote", v.id, stranger, "accept", "--proof", id); r.code != 1 || r.stderr != want {
			t.Errorf("vote --proof %s: exit %d, stderr %q; want 1 and %q", id, r.code, r.stderr, want)
		}
	}
	t.Run("direct", check)
	stop := serveHome(t, v.a)
	t.Run("through the API", check)
	stop()
	var voted struct{ Proof string }
	v.a.okJSON(t, &voted, "village", "vote", v.id, stranger, "accept", "--proof", file)
	if voted.Proof != blob.Sum(plain).String() {
		t.Errorf("vote --proof FILE stored proof %s, want the file without its location (%s)", voted.Proof, blob.Sum(plain))
	}
}
