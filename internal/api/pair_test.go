package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestPairingEndpoints: a code made, read and cancelled through the API,
// and the error codes of what goes wrong (a device pairing is the
// multi-process tests' part, cmd/kith).
func TestPairingEndpoints(t *testing.T) {
	a, _ := servingPair(t)
	var p wire.Pairing
	a.call("POST", "/api/v1/pairings", wire.PairingRequest{}, &p)
	if p.Account != a.n.Account().String() || !strings.HasPrefix(p.Code, "KITHPAIR1:") || p.ID == "" || !strings.HasPrefix(p.QRSVG, "<svg") {
		t.Fatalf("pairing: %+v", p)
	}
	var st wire.PairingStatus
	a.call("GET", "/api/v1/pairings/"+p.ID, nil, &st)
	if st.State != wire.PairingPending || st.AttemptsLeft != 3 || st.Device != "" {
		t.Fatalf("status of a new code: %+v", st)
	}
	a.expectError("POST", "/api/v1/pairings", `{"ttl_seconds":30}`, 400, wire.CodeBadRequest, "ttl_seconds 30 is not between")
	a.expectError("POST", "/api/v1/pairings", `{"ttl_seconds":7200}`, 400, wire.CodeBadRequest, "ttl_seconds 7200")
	a.expectError("GET", "/api/v1/pairings/"+p.ID+"?wait=31", "", 400, wire.CodeBadRequest, "wait=")
	a.expectError("GET", "/api/v1/pairings/00112233", "", 404, wire.CodeNotFound, "no such pairing code")
	a.expectError("DELETE", "/api/v1/pairings/nothex", "", 404, wire.CodeNotFound, "no such pairing code")

	// Another code, cancelled: its status says so.
	var p2 wire.Pairing
	a.call("POST", "/api/v1/pairings", wire.PairingRequest{TTLSeconds: 60}, &p2)
	var cancelled wire.PairingStatus
	a.call("DELETE", "/api/v1/pairings/"+p2.ID, nil, &cancelled)
	if cancelled.State != wire.PairingCancelled {
		t.Fatalf("cancelled: %+v", cancelled)
	}
	// A code no longer pending changes no more: a wait for a change is
	// answered at once, not when it runs out (30 s here).
	start := time.Now()
	var again wire.PairingStatus
	a.call("GET", "/api/v1/pairings/"+p2.ID+"?wait=30", nil, &again)
	if again.State != wire.PairingCancelled || time.Since(start) > 20*time.Second {
		t.Fatalf("a wait on a cancelled code: %+v after %v, want cancelled at once", again, time.Since(start))
	}
}
