package content

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NameKey returns the form in which two names that a person could take
// for one another are equal: "Carol", "carol", "CAROL", "Сarol" (with a
// Cyrillic Es), "Caro\u0301l", "Carol\u200b" and "CaroI" (capital i) all
// give "carol". A client that shows names uses it to notice when two
// accounts it shows share a name, and then shows what tells them apart.
// The key is for comparing, never for showing.
//
// It decomposes (NFKD), drops controls, format characters, combining marks,
// variation selectors and fillers, turns every space into one U+0020 and
// trims the ends, folds a small table of Greek and Cyrillic letters and of
// ASCII look-alikes (0/o, 1/i/l/I, rn/m, vv/w) to Latin, and lowers the case.
// It is a heuristic, not Unicode's full confusable skeleton (UTS #39): it
// errs towards calling names the same, which costs only a fingerprint shown
// beside them. The web UI's nameKey (internal/webui/static/names.js) is the
// same function; cmd/kith's browser test checks they agree.
func NameKey(s string) string {
	var b strings.Builder
	space := true // at the start, or after a space: drop further spaces
	for _, r := range norm.NFKD.String(s) {
		switch {
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || isFormat(r) || isVariationSelector(r) || isFiller(r) ||
			unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
			continue
		case r == ' ' || isOtherSpace(r) || unicode.Is(unicode.Zs, r):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		if f, ok := upperLookalike[r]; ok {
			r = f
		}
		r = unicode.ToLower(r)
		if f, ok := lowerLookalike[r]; ok {
			r = f
		}
		b.WriteRune(r)
	}
	k := strings.TrimSuffix(b.String(), " ")
	return strings.NewReplacer("rn", "m", "vv", "w").Replace(k)
}

// upperLookalike folds capitals that look like a different Latin letter
// once lowered (Cyrillic В looks like B but lowers to в), before lowering.
var upperLookalike = map[rune]rune{
	'I': 'l', // capital i looks like small L
	// Greek
	'Α': 'a', 'Β': 'b', 'Ε': 'e', 'Ζ': 'z', 'Η': 'h', 'Ι': 'l', 'Κ': 'k', 'Μ': 'm',
	'Ν': 'n', 'Ο': 'o', 'Ρ': 'p', 'Τ': 't', 'Υ': 'y', 'Χ': 'x',
	// Cyrillic
	'А': 'a', 'В': 'b', 'Е': 'e', 'К': 'k', 'М': 'm', 'Н': 'h', 'О': 'o', 'Р': 'p',
	'С': 'c', 'Т': 't', 'Х': 'x', 'У': 'y', 'І': 'l', 'Ј': 'j', 'Ѕ': 's', 'Ԛ': 'q', 'Ԝ': 'w',
}

// lowerLookalike folds small letters and digits that look like a Latin
// small letter.
var lowerLookalike = map[rune]rune{
	'0': 'o', 'i': 'l', '1': 'l', '|': 'l', 'ı': 'l', 'ɡ': 'g', // i, l, I, 1 and | all fold to l
	// Greek
	'α': 'a', 'ε': 'e', 'ι': 'l', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'υ': 'u', 'χ': 'x',
	// Cyrillic
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'і': 'l',
	'ј': 'j', 'ѕ': 's', 'ԁ': 'd', 'һ': 'h', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'l',
}
