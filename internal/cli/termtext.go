package cli

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// termText returns s, text a peer supplied (a post, a name, a reason), as
// it may be written to a terminal: every character that a terminal acts on
// or that changes how the text around it reads is shown as an escape
// instead. Control characters (C0, DEL, C1: escape sequences, OSC 52
// clipboard writes, clear-screen, bells) become \xNN (\n, \r and \t as
// such), and bidi controls, zero-width and other invisible formatting
// characters, and the line and paragraph separators become \uXXXX. Bytes
// that are not UTF-8 become \xNN. ZWJ and ZWNJ, which emoji and some
// scripts need and which move nothing, are kept. A backslash is kept as
// is, so an escape in the output may also be a peer's literal text.
func termText(s string) string { return escapeTerm(s, false) }

// termLines is termText for text of several lines: it keeps \n and \t.
func termLines(s string) string { return escapeTerm(s, true) }

func escapeTerm(s string, lines bool) string {
	i := 0
	for i < len(s) { // fast path: nothing to escape
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || termEscaped(r) && !(lines && (r == '\n' || r == '\t')) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case lines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case termEscaped(r) && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case termEscaped(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// termEscaped reports whether termText escapes r: controls, format
// characters other than ZWJ and ZWNJ, and the line and paragraph
// separators.
func termEscaped(r rune) bool {
	if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
		return true
	}
	if r < 0xa0 || r == 0x200c || r == 0x200d {
		return false
	}
	return r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r)
}

// termJSON makes JSON safe for a terminal without changing its value: it
// writes as \u escapes the characters termText escapes and encoding/json
// leaves raw (DEL, C1 controls, bidi and other format characters). JSON
// text holds such characters only inside strings, where an escape means
// the same character, so a script reading the output gets exactly the
// same values. b must be valid UTF-8, as encoding/json writes it.
func termJSON(b []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r < 0x20 || !termEscaped(r) { // JSON escapes C0 itself
			i += n
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+16)
		}
		out = append(out, b[last:i]...)
		if r > 0xffff {
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += n
		last = i
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}
