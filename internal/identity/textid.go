package identity

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind names what a 32-byte identifier identifies. The kind is part of the
// text form and of its checksum, so an entry id can never be parsed as a blob
// id, nor an account as a device.
type Kind string

// The kinds of identifier with a text form.
const (
	KindAccount Kind = "acc"
	KindDevice  Kind = "dev"
	KindEntry   Kind = "ent"
	KindBlob    Kind = "blob"
	KindLog     Kind = "log"
)

// The text form is KIND "_" base32(bytes ‖ checksum), lowercase RFC 4648
// alphabet without padding, where checksum is the first 4 bytes of
// SHA-256("kith-textid-v1" ‖ 0x00 ‖ KIND ‖ 0x00 ‖ bytes). 36 bytes encode to
// 58 base32 characters. See doc/protocol/identity.md.
var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

const (
	checksumLen = 4
	textIDChars = 58
)

func textChecksum(kind Kind, b [32]byte) [checksumLen]byte {
	h := sha256.New()
	h.Write([]byte("kith-textid-v1\x00"))
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(b[:])
	var sum [checksumLen]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// Encode returns the text form of b as an identifier of the given kind.
func Encode[T ~[32]byte](kind Kind, b T) string {
	raw := [32]byte(b)
	sum := textChecksum(kind, raw)
	buf := make([]byte, 0, 36)
	buf = append(buf, raw[:]...)
	buf = append(buf, sum[:]...)
	return string(kind) + "_" + b32.EncodeToString(buf)
}

// Decode parses the text form of an identifier of the given kind. It accepts
// ASCII upper case (people copy by hand) and surrounding white space, and
// rejects a wrong kind, a wrong length, a character outside the alphabet or a
// bad checksum with a message that says which.
func Decode(kind Kind, s string) ([32]byte, error) {
	var out [32]byte
	s = strings.TrimSpace(s)
	// Only ASCII is lowered: strings.ToLower would also map look-alikes such
	// as U+212A KELVIN SIGN to "k" and accept a spelling no encoder produces.
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return out, fmt.Errorf("not a kith %s id: it contains the non-ASCII character %q", kindName(kind), r)
		}
	}
	s = strings.ToLower(s)
	prefix, body, ok := strings.Cut(s, "_")
	if !ok {
		return out, fmt.Errorf("not a kith %s id: %q has no %q prefix", kindName(kind), short(s), string(kind)+"_")
	}
	if Kind(prefix) != kind {
		if isKind(prefix) {
			return out, fmt.Errorf("expected %s id (%s_…), got %s id (%s_…)", withArticle(kindName(kind)), kind, withArticle(kindName(Kind(prefix))), prefix)
		}
		return out, fmt.Errorf("not a kith %s id: unknown prefix %q", kindName(kind), prefix+"_")
	}
	if len(body) != textIDChars {
		return out, fmt.Errorf("%s id has %d characters after %q, want %d (was it cut off?)", kindName(kind), len(body), prefix+"_", textIDChars)
	}
	raw, err := b32.DecodeString(body)
	if err != nil || len(raw) != 36 {
		return out, fmt.Errorf("%s id contains characters outside a-z and 2-7", kindName(kind))
	}
	copy(out[:], raw[:32])
	want := textChecksum(kind, out)
	if string(want[:]) != string(raw[32:]) {
		return [32]byte{}, fmt.Errorf("%s id checksum does not match: a character was mistyped", kindName(kind))
	}
	// Non-canonical trailing bits in the last base32 character would decode
	// to the same bytes; require the canonical spelling so ids compare as text.
	if Encode(kind, out) != prefix+"_"+body {
		return [32]byte{}, fmt.Errorf("%s id is not in canonical form", kindName(kind))
	}
	return out, nil
}

// ParseAccount parses an "acc_…" id.
func ParseAccount(s string) (AccountID, error) {
	b, err := Decode(KindAccount, s)
	return AccountID(b), err
}

// ParseDevice parses a "dev_…" id.
func ParseDevice(s string) (DeviceID, error) {
	b, err := Decode(KindDevice, s)
	return DeviceID(b), err
}

// ParseAny parses an identifier of any of the given kinds (at least one)
// and returns its kind and bytes. An identifier of another kind is refused
// with a message that names all the kinds expected, e.g. "expected an
// account or device id (acc_… or dev_…), got an entry id (ent_…)".
func ParseAny(s string, kinds ...Kind) (Kind, [32]byte, error) {
	if len(kinds) == 0 {
		return "", [32]byte{}, fmt.Errorf("identity: ParseAny needs at least one kind")
	}
	t := strings.ToLower(strings.TrimSpace(s))
	prefix, _, _ := strings.Cut(t, "_")
	for _, k := range kinds {
		if Kind(prefix) == k {
			b, err := Decode(k, s)
			return k, b, err
		}
	}
	if len(kinds) == 1 {
		b, err := Decode(kinds[0], s)
		return kinds[0], b, err
	}
	names := make([]string, len(kinds))
	prefixes := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = kindName(k)
		prefixes[i] = string(k) + "_…"
	}
	want := withArticle(joinOr(names)) + " id (" + joinOr(prefixes) + ")"
	if isKind(prefix) && strings.Contains(t, "_") {
		return "", [32]byte{}, fmt.Errorf("expected %s, got %s id (%s_…)", want, withArticle(kindName(Kind(prefix))), prefix)
	}
	if r := []rune(t); len(r) > 20 {
		t = string(r[:20]) + "…"
	}
	return "", [32]byte{}, fmt.Errorf("expected %s, got %q", want, t)
}

// joinOr joins words as "a", "a or b", "a, b or c".
func joinOr(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// withArticle puts "a" or "an" before a kind name (all start with a letter
// whose article is decided by it being a vowel).
func withArticle(name string) string {
	if name != "" && strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}

func isKind(p string) bool {
	switch Kind(p) {
	case KindAccount, KindDevice, KindEntry, KindBlob, KindLog:
		return true
	}
	return false
}

func kindName(k Kind) string {
	switch k {
	case KindAccount:
		return "account"
	case KindDevice:
		return "device"
	case KindEntry:
		return "entry"
	case KindBlob:
		return "blob"
	case KindLog:
		return "log"
	}
	return string(k)
}

func short(s string) string {
	if len(s) > 20 {
		// s is ASCII here (Decode rejects anything else before calling short).
		return s[:20] + "…"
	}
	return s
}
