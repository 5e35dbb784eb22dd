package blob

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
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
	// Small files with metadata only, easier to mutate than whole images.
	png := func(chunks ...[]byte) []byte {
		b := append([]byte{}, pngSignature...)
		for _, c := range chunks {
			b = append(b, c...)
		}
		return append(b, chunk("IEND", nil)...)
	}
	f.Add(png(chunk("eXIf", tiff(binary.LittleEndian, true))))
	f.Add(png(chunk("eXIf", tiff(binary.BigEndian, false))))
	f.Add(png(textChunk("Comment", "exif:GPSLatitude")))
	f.Add(png(iTXtChunk("XML:com.adobe.xmp", true, xmpPacket(true))))
	f.Add(png(zTXtChunk("Raw profile type exif", rawProfile("exif", tiff(binary.BigEndian, true)))))
	f.Add(append(append([]byte{0xFF, 0xD8}, exifSegment(tiff(binary.LittleEndian, true))...), 0xFF, 0xD9))
	f.Add(append(append([]byte{0xFF, 0xD8}, xmpSegment(true)...), 0xFF, 0xD9))
}

// fixPNGCRCs returns a copy of in with the CRC of every chunk it can find
// recomputed, so that the fuzzer's mutations of a PNG get past the CRC check
// to the parsers behind it.
func fixPNGCRCs(in []byte) []byte {
	out := append([]byte{}, in...)
	if DetectFormat(out) != FormatPNG {
		return out
	}
	for i := 8; i+12 <= len(out); {
		n := int(binary.BigEndian.Uint32(out[i:]))
		if n < 0 || n > len(out)-i-12 {
			break
		}
		binary.BigEndian.PutUint32(out[i+8+n:], crc32.ChecksumIEEE(out[i+4:i+8+n]))
		i += 12 + n
	}
	return out
}

// FuzzStripLocation checks that StripLocation never panics, that what it
// outputs has no location by HasLocation, that it is idempotent, and that it
// leaves other formats alone.
func FuzzStripLocation(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkStrip(t, in)
		checkStrip(t, fixPNGCRCs(in))
	})
}

func checkStrip(t *testing.T, in []byte) {
	t.Helper()
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
}

// FuzzHasLocation checks that HasLocation never panics, that it fails only
// with ErrMalformedImage and never for other formats, and that whatever
// location it finds a successful strip removes.
func FuzzHasLocation(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkHas(t, in)
		checkHas(t, fixPNGCRCs(in))
	})
}

func checkHas(t *testing.T, in []byte) {
	t.Helper()
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
