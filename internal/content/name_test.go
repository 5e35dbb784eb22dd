package content

import "testing"

// TestCheckNameAccepts: names people write, in many scripts, pass.
func TestCheckNameAccepts(t *testing.T) {
	for _, name := range []string{
		"",
		"Carol",
		"Zoë O'Brien-Smith",
		"José María",
		"山田 太郎",
		"Ана Петрова",
		"שלום עליכם",
		"محمد",
		"می\u200cخواهم",                  // ZWNJ between Persian letters
		"क\u094d\u200dष",                 // ZWJ after a virama
		"Ana \U0001F469\u200d\U0001F4BB", // woman technologist: ZWJ between emoji
		"\u2764\ufe0f",                   // heart, emoji presentation
		"Team 1\ufe0f\u20e3",             // keycap one
		"\U0001F1EB\U0001F1F7 Ré",        // flag of France
	} {
		if err := CheckName(name); err != nil {
			t.Errorf("CheckName(%+q) = %v, want nil", name, err)
		}
	}
}

// TestCheckNameRefuses: the rules on their own, with exact messages (the
// payload-level messages are in fieldRejectCases).
func TestCheckNameRefuses(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"\xff", "not valid UTF-8"},
		{"\u202eCarol", "U+202E at byte 0 is a bidi control, which can make a name read as another; remove it"},
		{"\u061cX", "U+061C at byte 0 is a bidi control, which can make a name read as another; remove it"},
		{"\u200dX", "U+200D at byte 0 is an invisible joiner, allowed only between two characters that are neither ASCII nor spaces (as in emoji sequences); remove it"},
		{"\U0001F469\u200d", "U+200D at byte 4 is an invisible joiner, allowed only between two characters that are neither ASCII nor spaces (as in emoji sequences); remove it"},
		{"\U0001F469\u200d\u200d\U0001F4BB", "U+200D at byte 4 is an invisible joiner, allowed only between two characters that are neither ASCII nor spaces (as in emoji sequences); remove it"},
		{"\ufe0f", "U+FE0F at byte 0 is a variation selector, allowed only after a character that is neither an ASCII letter nor a space (as in emoji); remove it"},
		{"a \ufe0f", "U+FE0F at byte 2 is a variation selector, allowed only after a character that is neither an ASCII letter nor a space (as in emoji); remove it"},
		{"\x7f", "U+007F at byte 0 is a control character; remove it"},
		{"a\tb", "U+0009 at byte 1 is a control character; remove it"},
		{"a\u2028b", "U+2028 at byte 1 is a space other than U+0020; use a plain space"},
		{"\U0001D173", "U+1D173 at byte 0 is an invisible formatting character; remove it"},
		{" ", "starts with a space; remove it"},
	} {
		err := CheckName(c.name)
		if err == nil || err.Error() != c.want {
			t.Errorf("CheckName(%+q) = %v, want %q", c.name, err, c.want)
		}
	}
}

// FuzzCheckName: an accepted name holds no control, format or other space
// character except joiners between visible non-ASCII characters, and
// CheckName never panics.
func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"Carol", "\u202elaroC", "Bob\u200b", "Ana \U0001F469\u200d\U0001F4BB", " x", "a  b", "1\ufe0f\u20e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckName(s) != nil {
			return
		}
		prev := rune(-1)
		for _, r := range s {
			switch {
			case r == zwj || r == zwnj:
				if !joinable(prev) {
					t.Fatalf("%+q accepted with a joiner after %U", s, prev)
				}
			case r < 0x20, r >= 0x7f && r <= 0x9f, isFormat(r), isOtherSpace(r), isFiller(r):
				t.Fatalf("%+q accepted with %U", s, r)
			}
			prev = r
		}
	})
}

// nameKeyCases are names and their keys. (cmd/kith's browser test checks
// the web UI's nameKey against NameKey on names like these.)
var nameKeyCases = []struct{ Name, Key string }{
	{"Carol", "carol"},
	{"CAROL", "carol"},
	{"  Carol  ", "carol"},
	{"Carol\u200b", "carol"},
	{"\u202eCarol", "carol"},
	{"Ca\u00a0rol", "ca rol"},
	{"Сarol", "carol"},         // Cyrillic capital Es
	{"Саrоl", "carol"},         // Cyrillic es, a, o
	{"CaroI", "carol"},         // capital i for small L
	{"Caro1", "carol"},         // digit one
	{"Cárol", "carol"},         // a with acute
	{"Ca\u0301rol", "carol"},   // combining acute
	{"Ｃａｒｏｌ", "carol"},         // fullwidth
	{"Bob\ufe0f", "bob"},       // variation selector
	{"Mary  Ann", "mary ann"},  // spaces collapse
	{"Ma\u0433y", "ma\u0433y"}, // Cyrillic ghe is not r
	{"Kim", "klm"},             // i folds to l
	{"Barney", "bamey"},        // rn folds to m
	{"Avvery", "awery"},        // vv folds to w
	{"ΒΟΒ", "bob"},             // Greek capitals
	{"山田 太郎", "山田 太郎"},         // other scripts are kept
	{"Ana \U0001F469\u200d\U0001F4BB", "ana \U0001F469\U0001F4BB"},
}

func TestNameKey(t *testing.T) {
	for _, c := range nameKeyCases {
		if got := NameKey(c.Name); got != c.Key {
			t.Errorf("NameKey(%+q) = %+q, want %+q", c.Name, got, c.Key)
		}
	}
	if NameKey("Carol") == NameKey("Caroline") || NameKey("Bob") == NameKey("Rob") {
		t.Error("different names share a key")
	}
}
