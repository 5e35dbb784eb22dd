package blob

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// fuzzSeeds are the files of the location table and of the malformed-file
// table's kind: real JPEGs and PNGs with and without metadata.
func fuzzSeeds(f *testing.F) {
	for _, tc := range locationCases(f) {
		f.Add(tc.in)
	}
	f.Add([]byte("\xff\xd8\xff\xd9"))
	f.Add([]byte("\xff\xd8\xff\xda\x00\x02\xff\x00\xff\xd0\xff\xff\xd9"))
	f.Add(append(append([]byte{}, pngSignature...), chunk("IEND", nil)...))
}

// FuzzStripLocation checks that StripLocation never panics, that what it
// outputs has no location by HasLocation, that it is idempotent, and that it
// leaves other formats alone.
func FuzzStripLocation(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		format, changed, err := StripLocation(bytes.NewReader(in), &out)
		if format != DetectFormat(in) {
			t.Fatalf("format %v, DetectFormat says %v", format, DetectFormat(in))
		}
		if err != nil {
			if !errors.Is(err, ErrMalformedImage) {
				t.Fatalf("error not matching ErrMalformedImage: %v", err)
			}
			return
		}
		if format == FormatOther && (changed || !bytes.Equal(out.Bytes(), in)) {
			t.Fatalf("a file of format other was changed")
		}
		if !changed && !bytes.Equal(out.Bytes(), in) {
			t.Fatalf("changed = false, but the output differs")
		}
		has, err := HasLocation(bytes.NewReader(out.Bytes()))
		if has || err != nil {
			t.Fatalf("HasLocation of the output = %v, %v", has, err)
		}
		var again bytes.Buffer
		if _, changed, err := StripLocation(bytes.NewReader(out.Bytes()), &again); err != nil || changed || !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("second strip: changed=%v err=%v", changed, err)
		}
	})
}

// FuzzHasLocation checks that HasLocation never panics, that it agrees with
// StripLocation on what is malformed, and that a successful strip removes
// what it finds.
func FuzzHasLocation(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		has, err := HasLocation(bytes.NewReader(in))
		if err != nil && !errors.Is(err, ErrMalformedImage) {
			t.Fatalf("error not matching ErrMalformedImage: %v", err)
		}
		if err != nil && has {
			t.Fatal("true with an error")
		}
		if DetectFormat(in) == FormatOther && (has || err != nil) {
			t.Fatalf("other format: %v, %v", has, err)
		}
		var out bytes.Buffer
		_, changed, serr := StripLocation(bytes.NewReader(in), &out)
		if serr != nil {
			return
		}
		if has && !changed {
			t.Fatal("a location was found, but stripping changed nothing")
		}
		if has2, err := HasLocation(bytes.NewReader(out.Bytes())); has2 || err != nil {
			t.Fatalf("HasLocation of the stripped file = %v, %v", has2, err)
		}
	})
}

// FuzzParseID checks that ParseID never panics and accepts exactly the
// canonical text form (modulo case and surrounding space).
func FuzzParseID(f *testing.F) {
	for _, s := range []string{emptyText, abcText, strings.ToUpper(abcText), " " + abcText + " ", "ent_" + abcText[5:], abcText[:40], abcHex, "", "blob_", "blob_" + strings.Repeat("a", 58)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			if !id.IsZero() {
				t.Fatalf("ParseID(%q) returned %s with error %v", s, id.Hex(), err)
			}
			return
		}
		if got, want := id.String(), strings.ToLower(strings.TrimSpace(s)); got != want {
			t.Fatalf("ParseID(%q).String() = %q, want %q", s, got, want)
		}
		back, err := ParseID(id.String())
		if err != nil || back != id {
			t.Fatalf("round trip of %s: %s, %v", id, back.Hex(), err)
		}
		if h, err := ParseHex(id.Hex()); err != nil || h != id {
			t.Fatalf("hex round trip of %s: %v", id, err)
		}
	})
}
