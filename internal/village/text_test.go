package village

import (
	"strings"
	"testing"
)

// TestNamesRefuseInvisibleCharacters: a village's name and a local's name
// are names (payloads.md §4): bidi controls, zero-width characters and
// spaces at the ends are refused, so one village or local cannot pass for
// another (issue 11, item 14).
func TestNamesRefuseInvisibleCharacters(t *testing.T) {
	v := bs(vidB())
	founders := append(append([]byte{0x82}, bs(pkB(1))...), bs(pkB(2))...)
	for _, c := range []rejectCase{
		{"found rlo", mapOf("name", "\u202eegalliV", "type", "village.found", "admit", "majority", "exclude", "majority", "version", 2, "founders", founders),
			`village: village.found: field "name": U+202E at byte 0 is a bidi control, which can make a name read as another; remove it`},
		{"found trailing space", mapOf("name", "Village ", "type", "village.found", "admit", "majority", "exclude", "majority", "version", 2, "founders", founders),
			`village: village.found: field "name": ends with a space; remove it`},
		{"userspec zero width", mapOf("mode", "active", "name", "Bob\u200b", "type", "village.userspec", "about", "", "village", v),
			`village: village.userspec: field "name": U+200B at byte 3 is an invisible formatting character; remove it`},
	} {
		_, err := Decode(c.b)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v\nwant %s", c.name, err, c.want)
		}
	}
	// Free text keeps what right-to-left writing needs.
	ok := mapOf("mode", "active", "name", "Bob", "type", "village.userspec", "about", "\u05e9\u05dc\u05d5\u05dd\u200f!", "village", v)
	if _, err := Decode(ok); err != nil {
		t.Errorf("about with a right-to-left mark: %v", err)
	}
	if !strings.Contains(string(ok), "\u200f") {
		t.Fatal("test payload lost its mark")
	}
}
