package api

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

func TestFeedCursorRoundTrip(t *testing.T) {
	for _, c := range []feedCursor{1, 2, 255, 1 << 40, math.MaxInt64} {
		s := c.String()
		if len(s) != 11 || strings.ContainsAny(s, "+/=") {
			t.Fatalf("feed cursor text %q: want 11 base64url characters", s)
		}
		got, err := parseFeedCursor(s)
		if err != nil || got != c {
			t.Fatalf("parseFeedCursor(%q) = %d, %v; want %d", s, got, err, c)
		}
	}
	if s := feedCursor(1).String(); s != "AAAAAAAAAAE" {
		t.Fatalf("feed cursor 1 is %q", s)
	}
}

func FuzzParseFeedCursor(f *testing.F) {
	for _, s := range []string{"", "abc", "AAAAAAAAAAA", "AAAAAAAAAAB", "AAAAAAAAAAE", "__________8", "f_________8", "AAAAAAAAAA=", strings.Repeat("A", 12), strings.Repeat("A", 96)} {
		f.Add(s)
	}
	f.Add(feedCursor(math.MaxInt64).String())
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseFeedCursor(s)
		if err != nil {
			var we *wire.Error
			if !errors.As(err, &we) || we.Code != wire.CodeBadRequest {
				t.Fatalf("error %v is not a bad_request", err)
			}
			return
		}
		// Only canonical text of a positive cursor is accepted: what
		// String makes.
		if c <= 0 || c.String() != s {
			t.Fatalf("parseFeedCursor(%q) = %d, which prints as %q", s, c, c.String())
		}
	})
}
