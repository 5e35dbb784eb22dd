package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRevokedDeviceOnline: two devices of one account, both running and
// connected; A revokes B. B learns of it at once, and 'kith post' on B is
// refused with the revocation's message (exit 1), not published.
func TestRevokedDeviceOnline(t *testing.T) {
	t.Parallel()
	a, b := twoDeviceNodes(t, t.TempDir())
	villageConnect(a, b)
	b.post("b before")
	waitFor(t, syncTimeout, "A to hold B's post", func() bool { return a.hasPosts(a.Account, []string{"b before"}) })
	var revoked struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(a.kith("device", "revoke", b.Device), &revoked); err != nil || revoked.ID == "" {
		t.Fatalf("revoke: %+v %v", revoked, err)
	}
	waitFor(t, syncTimeout, "B to know it was revoked", func() bool {
		var st struct {
			Revoked *struct {
				By string `json:"by"`
			} `json:"revoked"`
		}
		out, err := b.try("status")
		return err == nil && json.Unmarshal(out, &st) == nil && st.Revoked != nil && st.Revoked.By == revoked.ID
	})
	out, err := b.try("post", "b after")
	if err == nil || !strings.Contains(err.Error(), "revoked") || !strings.Contains(err.Error(), revoked.ID) {
		t.Fatalf("B posted after its revocation: %s %v", out, err)
	}
}
