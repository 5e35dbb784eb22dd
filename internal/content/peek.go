package content

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// PeekType returns the type name of a payload without decoding the rest of
// it. It is cheap: it walks the top-level map only as far as the "type" key
// and allocates nothing but the returned string.
//
// It returns an error wrapping ErrNotCBORMap when payload does not start with
// a CBOR map holding a "type" key whose value is a definite-length text
// string: ciphertext, say, which callers keep as an opaque payload. When it
// returns a type name, the payload claims to be a typed payload and must pass
// Decode; PeekType itself does not check canonical encoding. It returns an
// error wrapping ErrTooLarge for input over MaxPayloadSize, and a plain
// *Error when the type name breaks the naming rule of payloads.md.
func PeekType(payload []byte) (string, error) {
	if len(payload) > MaxPayloadSize {
		return "", typeErr("payload", ErrTooLarge, "%d bytes exceeds the limit of %d", len(payload), MaxPayloadSize)
	}
	typ, err := peekType(payload)
	if err != nil {
		return "", err
	}
	if err := checkTypeName(typ); err != nil {
		return "", err
	}
	return typ, nil
}

func notMap(format string, args ...any) *Error {
	return &Error{Type: "payload", Msg: ErrNotCBORMap.Error() + ": " + fmt.Sprintf(format, args...), Err: ErrNotCBORMap}
}

func peekType(b []byte) (string, error) {
	if len(b) == 0 {
		return "", notMap("empty")
	}
	s := scanner{b: b}
	h, err := s.head()
	if err != nil {
		return "", notMap("%v", err)
	}
	if h.major != majorMap {
		return "", notMap("starts with CBOR major type %d (%s), not a map", h.major, majorNames[h.major])
	}
	for i := uint64(0); h.indefinite || i < h.arg; i++ {
		if h.indefinite && s.off < len(b) && b[s.off] == breakByte {
			break
		}
		keyStart := s.off
		k, err := s.head()
		if err != nil {
			return "", notMap("%v", err)
		}
		if k.major == majorText && !k.indefinite && k.arg == 4 && s.off+4 <= len(b) && string(b[s.off:s.off+4]) == "type" {
			s.off += 4
			v, err := s.head()
			if err != nil {
				return "", notMap("%v", err)
			}
			if v.major != majorText || v.indefinite {
				return "", notMap("the \"type\" value is %s, not a text string", article(describeHead(v)))
			}
			if uint64(len(b)-s.off) < v.arg {
				return "", notMap("truncated \"type\" value")
			}
			name := b[s.off : s.off+int(v.arg)]
			if !utf8.Valid(name) {
				return "", notMap("the \"type\" value is not valid UTF-8")
			}
			return typeName(name), nil
		}
		s.off = keyStart
		if err := s.skip(); err != nil { // the key
			return "", notMap("%v", err)
		}
		if err := s.skip(); err != nil { // its value
			return "", notMap("%v", err)
		}
	}
	return "", notMap("no \"type\" key")
}

// typeName returns name as a string, without allocating for the types this
// version knows.
func typeName(name []byte) string {
	switch string(name) {
	case TypeProfile:
		return TypeProfile
	case TypePost:
		return TypePost
	case TypeFollow:
		return TypeFollow
	case TypeBlock:
		return TypeBlock
	case TypeDelete:
		return TypeDelete
	case TypeDeviceAdd:
		return TypeDeviceAdd
	case TypeDeviceRevoke:
		return TypeDeviceRevoke
	case TypeCustody:
		return TypeCustody
	}
	return string(name)
}

// checkTypeName enforces the type naming rule: 1 to MaxTypeName bytes, a
// lowercase ASCII letter first, then lowercase letters, digits, '.', '_'
// and '-'.
func checkTypeName(typ string) error {
	ok := len(typ) >= 1 && len(typ) <= MaxTypeName && typ[0] >= 'a' && typ[0] <= 'z'
	for i := 1; ok && i < len(typ); i++ {
		c := typ[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if !ok {
		shown := typ
		if len(shown) > MaxTypeName {
			shown = shown[:MaxTypeName] + "…"
		}
		return fieldErr("payload", "type", "%q is not a valid type name (1 to %d bytes of a-z, 0-9, '.', '_', '-', starting with a letter)", shown, MaxTypeName)
	}
	return nil
}

// CBOR major types (RFC 8949 §3.1).
const (
	majorUint   = 0
	majorNeg    = 1
	majorBytes  = 2
	majorText   = 3
	majorArray  = 4
	majorMap    = 5
	majorTag    = 6
	majorSimple = 7

	breakByte = 0xff
)

var majorNames = [8]string{"unsigned integer", "negative integer", "byte string", "text string", "array", "map", "tag", "simple value or float"}

// head is a decoded CBOR initial byte and argument.
type head struct {
	major      byte
	ai         byte
	arg        uint64
	indefinite bool
}

// article prefixes a CBOR type name with "a" or "an" ("null" stays bare).
func article(s string) string {
	switch {
	case s == "null":
		return s
	case s != "" && strings.ContainsRune("aeiou", rune(s[0])):
		return "an " + s
	}
	return "a " + s
}

func describeHead(h head) string {
	if h.major == majorSimple {
		switch h.ai {
		case 20, 21:
			return "boolean"
		case 22:
			return "null"
		case 25, 26, 27:
			return "float"
		}
	}
	return majorNames[h.major]
}

// scanner walks well-formed CBOR (RFC 8949 §3, Appendix C) without building
// values. It accepts indefinite lengths and non-shortest arguments: it only
// classifies, Decode judges.
type scanner struct {
	b   []byte
	off int
}

func (s *scanner) head() (head, error) {
	if s.off >= len(s.b) {
		return head{}, fmt.Errorf("truncated at byte %d", s.off)
	}
	start := s.off
	ib := s.b[s.off]
	s.off++
	h := head{major: ib >> 5, ai: ib & 0x1f}
	switch {
	case h.ai < 24:
		h.arg = uint64(h.ai)
	case h.ai <= 27:
		n := 1 << (h.ai - 24)
		if len(s.b)-s.off < n {
			return head{}, fmt.Errorf("truncated argument at byte %d", start)
		}
		for _, c := range s.b[s.off : s.off+n] {
			h.arg = h.arg<<8 | uint64(c)
		}
		s.off += n
	case h.ai == 31 && h.major >= majorBytes && h.major <= majorMap:
		h.indefinite = true
	default:
		return head{}, fmt.Errorf("malformed initial byte 0x%02x at byte %d", ib, start)
	}
	return h, nil
}

// skip moves past one data item. Recursion depth is bounded by the input
// length, which PeekType bounds by MaxPayloadSize.
func (s *scanner) skip() error {
	start := s.off
	h, err := s.head()
	if err != nil {
		return err
	}
	switch h.major {
	case majorUint, majorNeg:
		return nil
	case majorBytes, majorText:
		if !h.indefinite {
			if uint64(len(s.b)-s.off) < h.arg {
				return fmt.Errorf("truncated string at byte %d", start)
			}
			s.off += int(h.arg)
			return nil
		}
		for {
			if s.off < len(s.b) && s.b[s.off] == breakByte {
				s.off++
				return nil
			}
			chunkStart := s.off
			c, err := s.head()
			if err != nil {
				return err
			}
			if c.major != h.major || c.indefinite {
				return fmt.Errorf("bad chunk in indefinite-length string at byte %d", chunkStart)
			}
			if uint64(len(s.b)-s.off) < c.arg {
				return fmt.Errorf("truncated string at byte %d", chunkStart)
			}
			s.off += int(c.arg)
		}
	case majorArray, majorMap:
		per := uint64(1)
		if h.major == majorMap {
			per = 2
		}
		for i := uint64(0); h.indefinite || i < h.arg; i++ {
			if h.indefinite && s.off < len(s.b) && s.b[s.off] == breakByte {
				s.off++
				return nil
			}
			for j := uint64(0); j < per; j++ {
				if err := s.skip(); err != nil {
					return err
				}
			}
		}
		return nil
	case majorTag:
		return s.skip()
	default: // majorSimple
		if h.ai == 24 && h.arg < 32 {
			return fmt.Errorf("malformed simple value at byte %d", start)
		}
		return nil
	}
}
