package api_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestInviteQR checks that POST /api/v1/invites answers the code's QR
// code as an SVG document (qr_test.go checks the drawing).
func TestInviteQR(t *testing.T) {
	a, _ := servingPair(t)
	var inv wire.Invite
	a.call("POST", "/api/v1/invites", wire.InviteRequest{}, &inv)
	var doc struct {
		XMLName xml.Name `xml:"http://www.w3.org/2000/svg svg"`
		Label   string   `xml:"aria-label,attr"`
	}
	if err := xml.Unmarshal([]byte(inv.QRSVG), &doc); err != nil || !strings.HasPrefix(inv.QRSVG, "<svg ") || doc.Label == "" {
		t.Errorf("qr_svg %q: %v", inv.QRSVG, err)
	}
}
