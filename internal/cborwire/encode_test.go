package cborwire

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// Every head is written in its shortest form, at each boundary of the
// argument sizes.
func TestAppendHead(t *testing.T) {
	cases := []struct {
		m    Major
		v    uint64
		want string
	}{
		{MajorUint, 0, "00"},
		{MajorUint, 23, "17"},
		{MajorUint, 24, "1818"},
		{MajorUint, 0xff, "18ff"},
		{MajorUint, 0x100, "190100"},
		{MajorUint, 0xffff, "19ffff"},
		{MajorUint, 0x10000, "1a00010000"},
		{MajorUint, 0xffffffff, "1affffffff"},
		{MajorUint, 0x100000000, "1b0000000100000000"},
		{MajorUint, 1<<64 - 1, "1bffffffffffffffff"},
		{MajorBytes, 5, "45"},
		{MajorText, 24, "7818"},
		{MajorArray, 0x1234, "991234"},
	}
	for _, c := range cases {
		got := AppendHead([]byte{0xaa}, c.m, c.v)
		if want := "aa" + c.want; hex.EncodeToString(got) != want {
			t.Errorf("AppendHead(%s, %d) = %x, want %s", c.m, c.v, got, want)
		}
		if n := HeadSize(c.v); n != len(c.want)/2 {
			t.Errorf("HeadSize(%d) = %d, want %d", c.v, n, len(c.want)/2)
		}
	}
}

// The Append functions write what a core deterministic CBOR encoder
// writes for the same values.
func TestAppendMatchesCBORLibrary(t *testing.T) {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	lib := func(v any) []byte {
		b, err := em.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, v := range []uint64{0, 1, 23, 24, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, 1<<64 - 1} {
		if got, want := AppendUint(nil, v), lib(v); !bytes.Equal(got, want) {
			t.Errorf("AppendUint(%d) = %x, library %x", v, got, want)
		}
	}
	for _, n := range []int{0, 1, 23, 24, 255, 256, 70000} {
		b := bytes.Repeat([]byte{'x'}, n)
		if got, want := AppendBytes(nil, b), lib(b); !bytes.Equal(got, want) {
			t.Errorf("AppendBytes(%d bytes) = %x…, library %x…", n, got[:min(len(got), 8)], want[:min(len(want), 8)])
		}
		if got, want := AppendText(nil, string(b)), lib(string(b)); !bytes.Equal(got, want) {
			t.Errorf("AppendText(%d bytes) = %x…, library %x…", n, got[:min(len(got), 8)], want[:min(len(want), 8)])
		}
		if got := BytesSize(n); got != len(AppendBytes(nil, b)) {
			t.Errorf("BytesSize(%d) = %d, want %d", n, got, len(AppendBytes(nil, b)))
		}
	}
	arr := AppendArray(nil, 3)
	arr = AppendUint(arr, 7)
	arr = AppendText(arr, "é")
	arr = AppendBytesOrNull(arr, nil)
	if want := lib([]any{7, "é", nil}); !bytes.Equal(arr, want) {
		t.Errorf("array = %x, library %x", arr, want)
	}
}

func TestAppendBytesOrNull(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		want string
	}{
		{nil, "f6"},
		{[]byte{}, "40"},
		{[]byte{1, 2}, "420102"},
	} {
		if got := hex.EncodeToString(AppendBytesOrNull(nil, c.b)); got != c.want {
			t.Errorf("AppendBytesOrNull(%#v) = %s, want %s", c.b, got, c.want)
		}
	}
}

func TestMajorString(t *testing.T) {
	var names []string
	for m := range Major(8) {
		names = append(names, m.String())
	}
	want := "unsigned integer|major type 1|byte string|text string|array|major type 5|major type 6|major type 7"
	if got := strings.Join(names, "|"); got != want {
		t.Fatalf("names %s, want %s", got, want)
	}
}
