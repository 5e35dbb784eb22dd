package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTermText(t *testing.T) {
	for _, c := range []struct{ in, want, lines string }{
		{"hello, kith", "hello, kith", "hello, kith"},
		{"", "", ""},
		{"Zoë 山田 שלום", "Zoë 山田 שלום", "Zoë 山田 שלום"},
		{"clear\x1b[2J\x1b[H", `clear\x1b[2J\x1b[H`, `clear\x1b[2J\x1b[H`},
		{"\x1b]52;c;aGk=\x07", `\x1b]52;c;aGk=\x07`, `\x1b]52;c;aGk=\x07`},
		{"\x1b]52;c;aGk=\x1b\\", `\x1b]52;c;aGk=\x1b\`, `\x1b]52;c;aGk=\x1b\`},
		{"hid\x1b[8mden", `hid\x1b[8mden`, `hid\x1b[8mden`},
		{"a\nb\tc\rd", `a\nb\tc\rd`, "a\nb\tc\\rd"},
		{"del\x7f nul\x00", `del\x7f nul\x00`, `del\x7f nul\x00`},
		{"csi\u009b31m", `csi\u009b31m`, `csi\u009b31m`},
		{"\u202elaroC", `\u202elaroC`, `\u202elaroC`},
		{"a\u2066b\u2069c\u200e\u200f\u061c", `a\u2066b\u2069c\u200e\u200f\u061c`, `a\u2066b\u2069c\u200e\u200f\u061c`},
		{"Bob\u200b\ufeff\u00ad\u2060", `Bob\u200b\ufeff\u00ad\u2060`, `Bob\u200b\ufeff\u00ad\u2060`},
		{"tag\U000E0041", `tag\U000e0041`, `tag\U000e0041`},
		{"line\u2028para\u2029", `line\u2028para\u2029`, `line\u2028para\u2029`},
		{"\U0001F469\u200d\U0001F4BB می\u200cخواهم", "\U0001F469\u200d\U0001F4BB می\u200cخواهم", "\U0001F469\u200d\U0001F4BB می\u200cخواهم"},
		{"bad\xff\xc3", `bad\xff\xc3`, `bad\xff\xc3`},
		{`back\slash`, `back\slash`, `back\slash`},
	} {
		if got := termText(c.in); got != c.want {
			t.Errorf("termText(%+q) = %q, want %q", c.in, got, c.want)
		}
		if got := termLines(c.in); got != c.lines {
			t.Errorf("termLines(%+q) = %q, want %q", c.in, got, c.lines)
		}
	}
}

func TestTermJSON(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{"\x1b[2J\x07", `"\u001b[2J\u0007"`},
		{"\u202elaroC\u009b\x7f", `"\u202elaroC\u009b\u007f"`},
		{"tag\U000E0041", `"tag\udb40\udc41"`},
		{"\U0001F469\u200d\U0001F4BB", "\"\U0001F469\u200d\U0001F4BB\""},
	} {
		b, err := json.Marshal(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got := termJSON(b)
		if string(got) != c.want {
			t.Errorf("termJSON(%s) = %s, want %s", b, got, c.want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != c.in {
			t.Errorf("termJSON(%s) reads back as %+q, %v", b, back, err)
		}
	}
}

// FuzzTermText: the output never holds a byte a terminal acts on or a
// character that moves text, termText is the identity on text that needs
// no escape, and termJSON keeps the JSON's value exactly.
func FuzzTermText(f *testing.F) {
	for _, s := range []string{"hello", "\x1b]52;c;aGk=\x07", "\u202elaroC", "a\nb", "\xff", "\u009b1m", "\U000E0041", "\U0001F469\u200d\U0001F4BB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{termText(s), termLines(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("%+q: output %+q is not UTF-8", s, out)
			}
			for _, r := range out {
				if termEscaped(r) && r != '\n' && r != '\t' {
					t.Fatalf("%+q: output %+q holds %U", s, out, r)
				}
			}
		}
		if strings.ContainsAny(termText(s), "\n\t") {
			t.Fatalf("%+q: termText kept a newline or tab", s)
		}
		clean := true
		for _, r := range s {
			if r == utf8.RuneError || termEscaped(r) {
				clean = false
			}
		}
		if clean && termText(s) != s {
			t.Fatalf("%+q changed to %+q", s, termText(s))
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back, orig string
		j := termJSON(b)
		if err := json.Unmarshal(j, &back); err != nil {
			t.Fatalf("%s: %v", j, err)
		}
		_ = json.Unmarshal(b, &orig)
		if back != orig {
			t.Fatalf("termJSON changed %s to %s", b, j)
		}
		for _, r := range string(j) {
			if termEscaped(r) {
				t.Fatalf("termJSON(%s) holds %U", b, r)
			}
		}
	})
}
