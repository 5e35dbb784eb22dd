package cborwire

import (
	"fmt"
	"sort"
)

// MapError is what is wrong with a payload map as a whole or with one of
// its keys (Key; empty for the map as a whole), as ReadPayloadMap finds it.
type MapError struct {
	Key string
	Msg string
}

func (e *MapError) Error() string { return e.Msg }

// ReadPayloadMap reads a typed payload whose map has a closed set of text
// keys (village.md, conversation.md, festival.md §2): a map of at most 23
// pairs with its count in the initial byte, keys in canonical order
// (shorter first, then bytewise) without repeats, each one of keys (which
// says whether it is required), nothing after the map, and every required
// key present. For each key it calls value with a Reader (PayloadWording)
// at the key's value, which value must read; value's errors are returned
// as they are. Other errors are *MapError; proto names the protocol in the
// message about an unknown key ("festival payloads carry exactly the keys
// festival.md lists"). It returns the byte of the payload where each key's
// value starts.
func ReadPayloadMap(payload []byte, proto string, keys map[string]bool, value func(r *Reader, key string) error) (map[string]int, error) {
	if len(payload) == 0 || payload[0]&0xe0 != 0xa0 || payload[0]&0x1f >= 24 {
		var b byte
		if len(payload) > 0 {
			b = payload[0]
		}
		return nil, &MapError{Msg: fmt.Sprintf("byte 0: want a map of at most 23 pairs with its count in the initial byte, got 0x%02x", b)}
	}
	n := int(payload[0] & 0x1f)
	r := NewReader(payload[1:], PayloadWording)
	at := make(map[string]int, n)
	prev := ""
	for range n {
		start := r.Offset() + 1
		key, err := r.Text("key", 1, 64)
		if err != nil {
			return nil, &MapError{Msg: "map key: " + err.Error()}
		}
		if _, ok := keys[key]; !ok {
			return nil, &MapError{Key: key, Msg: fmt.Sprintf("byte %d: unknown key (%s payloads carry exactly the keys %s.md lists)", start, proto, proto)}
		}
		if prev != "" && (len(prev) > len(key) || len(prev) == len(key) && prev >= key) {
			return nil, &MapError{Key: key, Msg: fmt.Sprintf("byte %d: key out of canonical order or repeated", start)}
		}
		prev = key
		at[key] = r.Offset() + 1
		if err := value(r, key); err != nil {
			return nil, err
		}
	}
	if err := r.End(); err != nil {
		return nil, &MapError{Msg: err.Error()}
	}
	missing := []string{}
	for k, req := range keys {
		if _, ok := at[k]; req && !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, &MapError{Key: missing[0], Msg: "missing"}
	}
	return at, nil
}
