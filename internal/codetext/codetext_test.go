package codetext

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

var errTest = errors.New("not a valid test code")

var form = Form{Prefix: "TEST1:", Context: "kith-test-v1", MaxLen: 64, Err: errTest,
	Others: map[string]string{"OTHER1:": "this is another kind of code"}}

// The text form, written out: base32 of the body and the first 4 bytes of
// SHA-256("kith-test-v1" ‖ 0x00 ‖ body).
func TestEncode(t *testing.T) {
	body := []byte{0x83, 0x01, 0x02, 0x03}
	// SHA-256("kith-test-v1\x00" ‖ 83 01 02 03) begins 2b 65 30 15.
	const want = "TEST1:QMAQEAZLMUYBK"
	if got := form.Encode(body); got != want {
		t.Fatalf("Encode = %s, want %s", got, want)
	}
	got, err := form.Decode(strings.ToLower(want[:9]) + " \n" + want[9:])
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("Decode = %x, %v", got, err)
	}
	// Encode does not write into the caller's body.
	b := make([]byte, 4, 64)
	form.Encode(b)
	if !bytes.Equal(b[:8], make([]byte, 8)) {
		t.Fatal("Encode wrote past the body")
	}
}

func TestDecodeRefuses(t *testing.T) {
	good := form.Encode([]byte("body"))
	flip := []byte(good)
	flip[8] = map[bool]byte{true: 'B', false: 'A'}[flip[8] == 'A']
	for _, c := range []struct{ name, in, want string }{
		{"too long", good + strings.Repeat(" ", 64), "at most 64"},
		{"no prefix", good[6:], `it must start with "TEST1:"`},
		{"another kind", "other1:AAAA", "this is another kind of code"},
		{"bad base32", "TEST1:!!!!", "bad base32: the code is mistyped or incomplete"},
		{"too short", "TEST1:AAAA", "too short: the code is incomplete"},
		{"typo", string(flip), "checksum mismatch: the code is mistyped or incomplete"},
		{"truncated", good[:len(good)-2], "mistyped or incomplete"},
	} {
		_, err := form.Decode(c.in)
		if !errors.Is(err, errTest) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(form.Encode([]byte("body")))
	f.Add("TEST1:!!!!")
	f.Add("TEST1:AAAA")
	f.Add("other1:")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := form.Decode(s)
		if err != nil {
			if !errors.Is(err, errTest) {
				t.Fatalf("error %v does not wrap Err", err)
			}
			return
		}
		if again, err := form.Decode(form.Encode(b)); err != nil || !bytes.Equal(again, b) {
			t.Fatalf("the body does not read back: %x, %v", again, err)
		}
	})
}
