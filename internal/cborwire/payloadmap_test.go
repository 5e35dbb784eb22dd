package cborwire

import (
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
)

func TestReadPayloadMap(t *testing.T) {
	keys := map[string]bool{"a": true, "bb": false, "zz": true}
	value := func(r *Reader, key string) error {
		_, err := r.Uint(key, 9)
		return err
	}
	cases := []struct {
		hex, key, msg string
		at            map[string]int
	}{
		{"a2616101627a7a02", "", "", map[string]int{"a": 3, "zz": 7}},
		{"a361610162626203627a7a02", "", "", map[string]int{"a": 3, "bb": 7, "zz": 11}},
		{"a1616101", "zz", "missing", nil},
		{"a2627a7a02616101", "a", "byte 5: key out of canonical order or repeated", nil},
		{"a2616101616101", "a", "byte 4: key out of canonical order or repeated", nil},
		{"a161630a", "c", "byte 1: unknown key (test payloads carry exactly the keys test.md lists)", nil},
		{"b818", "", "byte 0: want a map of at most 23 pairs with its count in the initial byte, got 0xb8", nil},
		{"", "", "byte 0: want a map of at most 23 pairs with its count in the initial byte, got 0x00", nil},
		{"a2616101627a7a0200", "", "byte 8: 1 trailing bytes after the payload map", nil},
	}
	for _, c := range cases {
		b, err := hex.DecodeString(c.hex)
		if err != nil {
			t.Fatal(err)
		}
		at, err := ReadPayloadMap(b, "test", keys, value)
		if c.msg == "" {
			if err != nil || !reflect.DeepEqual(at, c.at) {
				t.Errorf("%s: %v %v, want %v", c.hex, at, err, c.at)
			}
			continue
		}
		var me *MapError
		if !errors.As(err, &me) || me.Key != c.key || me.Msg != c.msg {
			t.Errorf("%s: error %#v, want key %q %q", c.hex, err, c.key, c.msg)
		}
	}
	// A value's own error comes back as it is.
	_, err := ReadPayloadMap([]byte{0xa1, 0x61, 0x61, 0x18, 0x20}, "test", keys, value)
	var re *Error
	if !errors.As(err, &re) || re.Problem != OutOfRange {
		t.Fatalf("value error %#v", err)
	}
}
