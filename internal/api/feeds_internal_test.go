package api

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

func TestFeedCursorRoundTrip(t *testing.T) {
	for _, c := range []feedCursor{{0, 1}, {1, 2}, {1_767_323_045_000, 255}, {1 << 40, 1 << 40}, {math.MaxInt64, math.MaxInt64}} {
		s := c.String()
		if len(s) != 22 || strings.ContainsAny(s, "+/=") {
			t.Fatalf("feed cursor text %q: want 22 base64url characters", s)
		}
		got, err := parseFeedCursor(s)
		if err != nil || got != c {
			t.Fatalf("parseFeedCursor(%q) = %+v, %v; want %+v", s, got, err, c)
		}
	}
	if s := (feedCursor{Time: 1, Cursor: 2}).String(); s != "AAAAAAAAAAEAAAAAAAAAAg" {
		t.Fatalf("feed cursor {1 2} is %q", s)
	}
	for s, why := range map[string]string{
		"AAAAAAAAAAE":            "it has 11 characters, want 22", // a cursor of the arrival order, before times
		"AAAAAAAAAAEAAAAAAAAAAA": "out of range",                  // cursor 0
		"gAAAAAAAAAAAAAAAAAAAAQ": "out of range",                  // time ≥ 2^63
		"AAAAAAAAAAEAAAAAAAAAA_": "not base64url",                 // non-canonical last character
	} {
		_, err := parseFeedCursor(s)
		var we *wire.Error
		if !errors.As(err, &we) || we.Code != wire.CodeBadRequest || !strings.Contains(err.Error(), why) || !strings.Contains(err.Error(), "first page") {
			t.Errorf("parseFeedCursor(%q) = %v, want a bad_request saying %q and what to do", s, err, why)
		}
	}
}

func FuzzParseFeedCursor(f *testing.F) {
	for _, s := range []string{"", "abc", "AAAAAAAAAAA", "AAAAAAAAAAB", "AAAAAAAAAAE", "AAAAAAAAAAEAAAAAAAAAAg", "AAAAAAAAAAEAAAAAAAAAAA",
		"gAAAAAAAAAAAAAAAAAAAAQ", "______________________", "AAAAAAAAAAEAAAAAAAAAA_", "AAAAAAAAAAEAAAAAAAAAA=", strings.Repeat("A", 23), strings.Repeat("A", 96)} {
		f.Add(s)
	}
	f.Add(feedCursor{math.MaxInt64, math.MaxInt64}.String())
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseFeedCursor(s)
		if err != nil {
			var we *wire.Error
			if !errors.As(err, &we) || we.Code != wire.CodeBadRequest {
				t.Fatalf("error %v is not a bad_request", err)
			}
			return
		}
		// Only canonical text of a key with a time ≥ 0 and a positive
		// cursor is accepted: what String makes.
		if c.Cursor <= 0 || c.Time < 0 || c.String() != s {
			t.Fatalf("parseFeedCursor(%q) = %+v, which prints as %q", s, c, c.String())
		}
	})
}
