package content

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CheckName reports why s cannot be a name (a profile's "name", a device's
// "name", a village's name), or nil when it can. A name is what people tell
// each other apart by, so it may not hold what would let it pass for
// another name: control characters, invisible formatting characters (bidi
// controls, zero-width characters), spaces other than U+0020, blank
// fillers, or spaces at its ends or two in a row. ZWJ and ZWNJ, which emoji
// sequences and some scripts need, may stand only between two characters
// that are neither ASCII nor spaces, and a variation selector only after
// such a character. The rule uses fixed lists of code points, not a
// Unicode version's categories, so every implementation and version agrees
// (doc/protocol/payloads.md §4). The empty string passes; whether a name
// may be empty is the field's rule.
//
// The message says what is wrong and where, as "U+202E at byte 0 is a bidi
// control, ...".
func CheckName(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	if strings.HasPrefix(s, " ") {
		return fmt.Errorf("starts with a space; remove it")
	}
	if strings.HasSuffix(s, " ") {
		return fmt.Errorf("ends with a space; remove it")
	}
	if i := strings.Index(s, "  "); i >= 0 {
		return fmt.Errorf("has two spaces in a row at byte %d; keep one", i)
	}
	prev := rune(-1) // the character before, -1 at the start
	for i, r := range s {
		if msg := nameCharProblem(s, i, prev, r); msg != "" {
			return fmt.Errorf("U+%04X at byte %d %s", r, i, msg)
		}
		prev = r
	}
	return nil
}

// nameCharProblem says what is wrong with r, at byte i of s after prev, in
// a name, or "" when nothing is.
func nameCharProblem(s string, i int, prev, r rune) string {
	switch {
	case r < 0x20 || (r >= 0x7f && r <= 0x9f):
		return "is a control character; remove it"
	case isBidiControl(r):
		return "is a bidi control, which can make a name read as another; remove it"
	case r == zwnj || r == zwj:
		next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
		if i+utf8.RuneLen(r) == len(s) {
			next = -1
		}
		if !joinable(prev) || !joinable(next) {
			return "is an invisible joiner, allowed only between two characters that are neither ASCII nor spaces (as in emoji sequences); remove it"
		}
	case isVariationSelector(r):
		if prev < 0 || prev == ' ' || isASCIILetter(prev) || !visible(prev) {
			return "is a variation selector, allowed only after a character that is neither an ASCII letter nor a space (as in emoji); remove it"
		}
	case isFormat(r):
		return "is an invisible formatting character; remove it"
	case isOtherSpace(r):
		return "is a space other than U+0020; use a plain space"
	case isFiller(r):
		return "is a blank filler character; remove it"
	}
	return ""
}

const (
	zwnj = 0x200C // ZERO WIDTH NON-JOINER
	zwj  = 0x200D // ZERO WIDTH JOINER
)

// joinable reports whether a joiner may stand next to r: r exists, is not
// ASCII, and draws something.
func joinable(r rune) bool { return r >= 0x80 && visible(r) }

// visible reports whether r is none of the characters a name refuses or
// that draw nothing on their own: controls, format characters (joiners
// included), spaces, fillers and variation selectors.
func visible(r rune) bool {
	return r > 0x20 && !(r >= 0x7f && r <= 0x9f) && !isFormat(r) && !isOtherSpace(r) && !isFiller(r) && !isVariationSelector(r)
}

func isASCIILetter(r rune) bool { return (r|0x20) >= 'a' && (r|0x20) <= 'z' }

// isBidiControl: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI.
func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// isFormat reports the format characters (General Category Cf, as of
// Unicode 15.0), bidi controls and joiners included.
func isFormat(r rune) bool {
	switch {
	case r == 0x00AD, r >= 0x0600 && r <= 0x0605, r == 0x061C, r == 0x06DD, r == 0x070F,
		r == 0x0890, r == 0x0891, r == 0x08E2, r == 0x180E,
		r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E,
		r >= 0x2060 && r <= 0x2064, r >= 0x2066 && r <= 0x206F,
		r == 0xFEFF, r >= 0xFFF9 && r <= 0xFFFB,
		r == 0x110BD, r == 0x110CD, r >= 0x13430 && r <= 0x1343F,
		r >= 0x1BCA0 && r <= 0x1BCA3, r >= 0x1D173 && r <= 0x1D17A,
		r == 0xE0001, r >= 0xE0020 && r <= 0xE007F:
		return true
	}
	return false
}

// isOtherSpace reports the white space characters other than U+0020.
func isOtherSpace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0D, r == 0x85, r == 0xA0, r == 0x1680,
		r >= 0x2000 && r <= 0x200A, r == 0x2028, r == 0x2029, r == 0x202F,
		r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// isFiller reports letters and symbols that draw nothing: the Hangul
// fillers and the blank Braille pattern.
func isFiller(r rune) bool {
	return r == 0x115F || r == 0x1160 || r == 0x3164 || r == 0xFFA0 || r == 0x2800
}

// isVariationSelector reports U+FE00..FE0F and U+E0100..E01EF.
func isVariationSelector(r rune) bool {
	return (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0xE0100 && r <= 0xE01EF)
}
