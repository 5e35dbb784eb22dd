package cborwire

import (
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
)

// read is one call of a Reader method, for table tests and the fuzz target.
type read struct {
	op       string // uint, array, bytes, fixed, text, null, end
	min, max int    // bounds; for uint, max only
}

func (o read) String() string { return fmt.Sprintf("%s(%d..%d)", o.op, o.min, o.max) }

// apply makes the call and returns what it read, encoded again.
func apply(r *Reader, o read) ([]byte, error) {
	switch o.op {
	case "uint":
		v, err := r.Uint(o.op, uint64(o.max))
		return AppendUint(nil, v), err
	case "array":
		n, err := r.Array(o.op, o.min, o.max)
		return AppendArray(nil, n), err
	case "bytes":
		b, err := r.Bytes(o.op, o.min, o.max)
		return AppendBytes(nil, b), err
	case "fixed":
		dst := make([]byte, o.max)
		err := r.Fixed(o.op, dst)
		return AppendBytes(nil, dst), err
	case "text":
		s, err := r.Text(o.op, o.min, o.max)
		return AppendText(nil, s), err
	case "null":
		if r.Null() {
			return []byte{Null}, nil
		}
		return nil, nil
	case "end":
		return nil, r.End()
	}
	panic("unknown op " + o.op)
}

func TestReaderRoundTrip(t *testing.T) {
	body := AppendArray(nil, 7)
	body = AppendUint(body, 1<<40)
	body = AppendBytes(body, []byte("abc"))
	body = AppendText(body, "héllo")
	body = append(body, Null)
	body = AppendBytes(body, []byte{})
	body = AppendBytes(body, []byte{9, 8, 7, 6})
	body = AppendUint(body, 23)
	r := NewReader(body, nil)
	if n, err := r.Array("array", 7, 7); n != 7 || err != nil {
		t.Fatalf("Array: %d, %v", n, err)
	}
	if v, err := r.Uint("uint", 1<<40); v != 1<<40 || err != nil {
		t.Fatalf("Uint: %d, %v", v, err)
	}
	b, err := r.Bytes("bytes", 3, 3)
	if string(b) != "abc" || err != nil || cap(b) != 3 {
		t.Fatalf("Bytes: %q (cap %d), %v", b, cap(b), err)
	}
	if &b[0] != &body[11] {
		t.Fatal("Bytes does not alias the body")
	}
	if s, err := r.Text("text", 0, 6); s != "héllo" || err != nil {
		t.Fatalf("Text: %q, %v", s, err)
	}
	if r.Null() != true || r.Null() != false {
		t.Fatal("Null: want true once, then false")
	}
	if b, err := r.Bytes("empty", 0, 0); b == nil || len(b) != 0 || err != nil {
		t.Fatalf("Bytes of an empty string: %#v, %v; want an empty, non-nil slice", b, err)
	}
	var fixed [4]byte
	if err := r.Fixed("fixed", fixed[:]); fixed != [4]byte{9, 8, 7, 6} || err != nil {
		t.Fatalf("Fixed: %x, %v", fixed, err)
	}
	if r.Offset() != len(body)-1 || r.Remaining() != 1 {
		t.Fatalf("Offset %d, Remaining %d; want %d and 1", r.Offset(), r.Remaining(), len(body)-1)
	}
	if err := r.End(); err == nil || err.Error() != "byte 28: 1 trailing bytes after the last item" {
		t.Fatalf("End before the last item: %v", err)
	}
	if v, err := r.Uint("uint", 23); v != 23 || err != nil {
		t.Fatalf("Uint at the limit: %d, %v", v, err)
	}
	if err := r.End(); err != nil {
		t.Fatalf("End: %v", err)
	}
	if r.Null() {
		t.Fatal("Null at the end of the body: true")
	}
}

type errorCase struct {
	name  string
	hex   string
	reads []read // all but the last succeed
	want  Error  // without words
	text  string // plain wording
}

func errorCases() []errorCase {
	u := func(max int) read { return read{"uint", 0, max} }
	arr := func(lo, hi int) read { return read{"array", lo, hi} }
	return []errorCase{
		{"empty body", "", []read{u(9)}, Error{Offset: 0, What: "uint", Problem: EndOfBody, Want: MajorUint},
			"byte 0: uint: the body ends where an item is due"},
		{"reserved info 28", "1c", []read{u(9)}, Error{What: "uint", Problem: Reserved, Want: MajorUint, Initial: 0x1c},
			"byte 0: uint: indefinite length or reserved value 0x1c"},
		{"indefinite array", "9f01ff", []read{arr(0, 9)}, Error{What: "array", Problem: Reserved, Want: MajorArray, Initial: 0x9f},
			"byte 0: array: indefinite length or reserved value 0x9f"},
		{"indefinite text where a uint is due", "7f", []read{u(9)}, Error{What: "uint", Problem: Reserved, Want: MajorUint, Initial: 0x7f},
			"byte 0: uint: indefinite length or reserved value 0x7f"},
		{"argument cut", "1901", []read{u(9)}, Error{What: "uint", Problem: ArgumentTruncated, Want: MajorUint, Initial: 0x19, Value: 2},
			"byte 0: uint: the body ends inside a 2-byte argument"},
		{"23 in two bytes", "1817", []read{u(99)}, Error{What: "uint", Problem: NotShortest, Want: MajorUint, Initial: 0x18, Value: 23},
			"byte 0: uint: 23 is not in its shortest encoding"},
		{"32-bit value in eight bytes", "1b00000000ffffffff", []read{u(1 << 40)}, Error{What: "uint", Problem: NotShortest, Want: MajorUint, Initial: 0x1b, Value: 0xffffffff},
			"byte 0: uint: 4294967295 is not in its shortest encoding"},
		{"text where a uint is due", "6161", []read{u(9)}, Error{What: "uint", Problem: WrongType, Want: MajorUint, Initial: 0x61, Value: 1},
			"byte 0: uint: want unsigned integer, got text string (0x61)"},
		{"null where a uint is due", "f6", []read{u(9)}, Error{What: "uint", Problem: WrongType, Want: MajorUint, Initial: 0xf6, Value: 22},
			"byte 0: uint: want unsigned integer, got major type 7 (0xf6)"},
		{"map", "a0", []read{arr(0, 9)}, Error{What: "array", Problem: WrongType, Want: MajorArray, Initial: 0xa0},
			"byte 0: array: want array, got major type 5 (0xa0)"},
		{"uint over the limit", "18ff", []read{u(100)}, Error{What: "uint", Problem: OutOfRange, Want: MajorUint, Initial: 0x18, Value: 255, Max: 100},
			"byte 0: uint: 255 exceeds the limit 100"},
		{"array too long", "830102", []read{arr(1, 2)}, Error{What: "array", Problem: OutOfRange, Want: MajorArray, Initial: 0x83, Value: 3, Min: 1, Max: 2},
			"byte 0: array: 3 elements, want 1..2"},
		{"array too short", "80", []read{arr(1, 2)}, Error{What: "array", Problem: OutOfRange, Want: MajorArray, Initial: 0x80, Min: 1, Max: 2},
			"byte 0: array: 0 elements, want 1..2"},
		{"bytes past the end", "430102", []read{{"bytes", 0, 5}}, Error{What: "bytes", Problem: PastEnd, Want: MajorBytes, Initial: 0x43, Value: 3},
			"byte 0: bytes: byte string of 3 bytes goes past the end of the body"},
		{"fixed of the wrong length", "420102", []read{{"fixed", 3, 3}}, Error{What: "fixed", Problem: OutOfRange, Want: MajorBytes, Initial: 0x42, Value: 2, Min: 3, Max: 3},
			"byte 0: fixed: 2 bytes, want 3..3"},
		{"text too long", "63616263", []read{{"text", 1, 2}}, Error{What: "text", Problem: OutOfRange, Want: MajorText, Initial: 0x63, Value: 3, Min: 1, Max: 2},
			"byte 0: text: 3 bytes, want 1..2"},
		{"text not UTF-8", "8161ff", []read{arr(1, 1), {"text", 0, 9}}, Error{Offset: 1, What: "text", Problem: InvalidUTF8, Want: MajorText, Initial: 0x61, Value: 1},
			"byte 1: text: text is not valid UTF-8"},
		{"error after items", "82011900010203", []read{arr(2, 2), u(9), u(9)}, Error{Offset: 2, What: "uint", Problem: NotShortest, Want: MajorUint, Initial: 0x19, Value: 1},
			"byte 2: uint: 1 is not in its shortest encoding"},
		{"trailing bytes", "0102f6", []read{u(9), {"end", 0, 0}}, Error{Offset: 1, Problem: Trailing, Initial: 0x02, Value: 2},
			"byte 1: 2 trailing bytes after the last item"},
	}
}

// Each problem is reported with the values that say what was wrong, and
// the reader stays at the start of the item it could not read.
func TestReaderErrors(t *testing.T) {
	for _, c := range errorCases() {
		t.Run(c.name, func(t *testing.T) {
			body, err := hex.DecodeString(c.hex)
			if err != nil {
				t.Fatal(err)
			}
			r := NewReader(body, nil)
			for i, o := range c.reads {
				_, err = apply(r, o)
				if i < len(c.reads)-1 && err != nil {
					t.Fatalf("read %d (%s): %v", i, o, err)
				}
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want an *Error", err)
			}
			if got := *e; got.words != nil || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", c.want) {
				t.Fatalf("error\n %+v\nwant\n %+v", got, c.want)
			}
			if e.Error() != c.text {
				t.Fatalf("text %q, want %q", e.Error(), c.text)
			}
			if r.Offset() != c.want.Offset {
				t.Fatalf("after the error the reader is at byte %d, want %d", r.Offset(), c.want.Offset)
			}
		})
	}
}

// A Reader's errors read as its Wording writes them.
func TestReaderWording(t *testing.T) {
	words := func(e *Error) string { return fmt.Sprintf("%s@%d/%d", e.What, e.Offset, e.Problem) }
	r := NewReader([]byte{0x01, 0x60}, words)
	if _, err := r.Uint("first", 1); err != nil {
		t.Fatal(err)
	}
	_, err := r.Uint("second", 1)
	if err == nil || err.Error() != "second@1/5" {
		t.Fatalf("error %v, want second@1/5", err)
	}
	if got := r.End(); got == nil || got.Error() != "@1/9" {
		t.Fatalf("End: %v, want @1/9", got)
	}
	if err := NewReader(nil, words).End(); err != nil {
		t.Fatalf("End of an empty body: %v", err)
	}
}
