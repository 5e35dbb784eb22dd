package content

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// checkStrict enforces the encoding rules of payloads.md on the raw bytes,
// with a precise message and byte offset for the first violation: one data
// item, a map with text keys, definite lengths, shortest-form arguments,
// map keys (integers, byte or text strings) in bytewise lexicographic order
// of their encodings without duplicates, valid UTF-8, no tags, no floats,
// no simple values but false, true and null, nesting at most MaxDepth, at
// most MaxItems elements per array or pairs per map. Bytes that pass are
// the one encoding of a value of the data model, so the typed readers of
// fields.go read them directly. The tests check it against an independent
// decoder: the CBOR library's generic decoding and deterministic
// re-encoding (oracle_test.go).
func checkStrict(b []byte) error {
	_, err := checkStrictTop(b, nil)
	return err
}

// checkStrictTop is checkStrict that also returns the number of top-level
// pairs and where the values of the keys named by names (which may be nil)
// start.
func checkStrictTop(b []byte, names *fieldNames) (topLevel, error) {
	s := strictScanner{b: b, top: topLevel{names: names}}
	if len(b) == 0 || b[0]>>5 != majorMap {
		return topLevel{}, fmt.Errorf("the payload is not a map")
	}
	if err := s.item(1, true); err != nil {
		return topLevel{}, err
	}
	if s.off != len(b) {
		return topLevel{}, fmt.Errorf("trailing bytes after the payload map, from byte %d of %d", s.off, len(b))
	}
	return s.top, nil
}

type strictScanner struct {
	b   []byte
	off int
	top topLevel // the payload map's keys, for checkStrictTop
}

func (s *strictScanner) head() (head, int, error) {
	start := s.off
	if s.off >= len(s.b) {
		return head{}, start, fmt.Errorf("truncated at byte %d", start)
	}
	ib := s.b[s.off]
	s.off++
	h := head{major: ib >> 5, ai: ib & 0x1f}
	switch {
	case h.ai < 24:
		h.arg = uint64(h.ai)
	case h.ai <= 27:
		n := 1 << (h.ai - 24)
		if len(s.b)-s.off < n {
			return head{}, start, fmt.Errorf("truncated at byte %d", start)
		}
		for _, c := range s.b[s.off : s.off+n] {
			h.arg = h.arg<<8 | uint64(c)
		}
		s.off += n
		if h.major == majorSimple {
			break // floats and one-byte simple values: judged by item
		}
		if least := [4]uint64{24, 1 << 8, 1 << 16, 1 << 32}[h.ai-24]; h.arg < least {
			return head{}, start, fmt.Errorf("%s at byte %d is not in its shortest form", argName(h.major), start)
		}
	case h.ai == 31 && h.major == majorSimple:
		return head{}, start, fmt.Errorf("unexpected break (0xff) at byte %d", start)
	case h.ai == 31 && h.major >= majorBytes && h.major <= majorMap:
		return head{}, start, fmt.Errorf("indefinite-length %s at byte %d is not allowed", majorNames[h.major], start)
	default:
		return head{}, start, fmt.Errorf("malformed initial byte 0x%02x at byte %d", ib, start)
	}
	return h, start, nil
}

func argName(major byte) string {
	switch major {
	case majorUint, majorNeg:
		return "integer"
	case majorTag:
		return "tag number"
	}
	return majorNames[major] + " length"
}

// item checks one data item at the given nesting depth. textKeys requires
// the item, a map, to have text keys only: it is the payload map, whose
// keys item reports to s.top.
func (s *strictScanner) item(depth int, textKeys bool) error {
	h, start, err := s.head()
	if err != nil {
		return err
	}
	switch h.major {
	case majorUint, majorNeg:
		return nil
	case majorBytes, majorText:
		if uint64(len(s.b)-s.off) < h.arg {
			return fmt.Errorf("truncated %s at byte %d", majorNames[h.major], start)
		}
		str := s.b[s.off : s.off+int(h.arg)]
		s.off += int(h.arg)
		if h.major == majorText && !utf8.Valid(str) {
			return fmt.Errorf("text string at byte %d is not valid UTF-8", start)
		}
		return nil
	case majorArray, majorMap:
		if depth > MaxDepth {
			return fmt.Errorf("%s at byte %d is nested deeper than %d levels", majorNames[h.major], start, MaxDepth)
		}
		if h.arg > MaxItems {
			unit := "elements"
			if h.major == majorMap {
				unit = "pairs"
			}
			return fmt.Errorf("%s at byte %d has %d %s, more than the limit of %d", majorNames[h.major], start, h.arg, unit, MaxItems)
		}
		if h.major == majorArray {
			for i := uint64(0); i < h.arg; i++ {
				if err := s.item(depth+1, false); err != nil {
					return err
				}
			}
			return nil
		}
		if textKeys {
			s.top.pairs = int(h.arg)
		}
		var prev []byte
		for i := uint64(0); i < h.arg; i++ {
			keyStart := s.off
			if keyStart >= len(s.b) {
				return fmt.Errorf("truncated map at byte %d", start)
			}
			km := s.b[keyStart] >> 5
			if textKeys && km != majorText {
				return fmt.Errorf("key at byte %d is %s; payload map keys are text strings", keyStart, article(majorNames[km]))
			}
			if km > majorText {
				return fmt.Errorf("key at byte %d is %s; map keys are integers, byte strings or text strings", keyStart, article(majorNames[km]))
			}
			if err := s.item(depth+1, false); err != nil {
				return err
			}
			key := s.b[keyStart:s.off]
			if prev != nil {
				switch c := bytes.Compare(prev, key); {
				case c == 0:
					return fmt.Errorf("duplicate map key %s at byte %d", showKey(key), keyStart)
				case c > 0:
					return fmt.Errorf("map key %s at byte %d is out of order (keys are sorted by their encoded bytes)", showKey(key), keyStart)
				}
			}
			prev = key
			if textKeys {
				s.top.see(key, s.off)
			}
			if err := s.item(depth+1, false); err != nil {
				return err
			}
		}
		return nil
	case majorTag:
		return fmt.Errorf("tag at byte %d is not allowed", start)
	default: // majorSimple
		switch {
		case h.ai >= 20 && h.ai <= 22:
			return nil
		case h.ai == 23:
			return fmt.Errorf("undefined (0xf7) at byte %d is not allowed", start)
		case h.ai >= 25 && h.ai <= 27:
			return fmt.Errorf("floating-point number at byte %d is not allowed", start)
		}
		return fmt.Errorf("simple value at byte %d is not allowed (only false, true and null)", start)
	}
}

// showKey renders an encoded map key for a message.
func showKey(k []byte) string {
	if len(k) > 0 && k[0]>>5 == majorText {
		var s scanner
		s.b = k
		if h, err := s.head(); err == nil && uint64(len(k)-s.off) == h.arg {
			return fmt.Sprintf("%q", k[s.off:])
		}
	}
	return fmt.Sprintf("0x%x", k)
}
