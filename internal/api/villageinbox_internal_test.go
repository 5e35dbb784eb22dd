package api

import (
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

func FuzzParseInboxCursor(f *testing.F) {
	f.Add(inboxCursor{}.String())
	f.Add(inboxCursor{stranger: [64]byte{1, 63: 2}, index: 31}.String())
	f.Add(strings.Repeat("A", 91))
	f.Add("")
	f.Add("xyz")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseInboxCursor(s)
		if err != nil {
			var we *wire.Error
			if !errors.As(err, &we) || we.Code != wire.CodeBadRequest {
				t.Fatalf("error %v is not a bad_request", err)
			}
			return
		}
		// Only canonical text is accepted: it is what String makes.
		if c.String() != s {
			t.Fatalf("parseInboxCursor(%q) = %+v, which prints as %q", s, c, c.String())
		}
	})
}
