package blob

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// ---- building test files by hand ----

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// testImage is a small image with some structure and noise, so that the
// JPEG's entropy-coded data contains stuffed 0xFF bytes.
func testImage() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 37, 23))
	x := uint32(12345)
	for py := 0; py < 23; py++ {
		for px := 0; px < 37; px++ {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			img.Set(px, py, color.RGBA{uint8(px * 7), uint8(py * 11), uint8(x), 255})
		}
	}
	return img
}

func encodeJPEG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// segment is a JPEG marker segment.
func segment(marker byte, payload []byte) []byte {
	n := len(payload) + 2
	return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, payload...)
}

// withSegments inserts segments right after a JPEG's SOI marker.
func withSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// chunk is a PNG chunk with its CRC.
func chunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// withChunks inserts chunks right after a PNG's IHDR chunk (which, at 13
// bytes of data, ends at byte 8+25).
func withChunks(p []byte, chunks ...[]byte) []byte {
	out := append([]byte{}, p[:33]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[33:]...)
}

// tiff builds an EXIF TIFF structure by hand, as a camera writes it: IFD0
// with Make "kith" and Orientation 1 and, if gps, a pointer (tag 0x8825) to
// a GPS IFD holding GPSLatitudeRef "N" and GPSLatitude 52° 31' 0".
func tiff(bo byteOrder, gps bool) []byte {
	var b []byte
	if bo == byteOrder(binary.LittleEndian) {
		b = []byte("II")
	} else {
		b = []byte("MM")
	}
	b = bo.AppendUint16(b, 42)
	b = bo.AppendUint32(b, 8)
	entry := func(tag, typ uint16, count uint32, value []byte) {
		b = bo.AppendUint16(b, tag)
		b = bo.AppendUint16(b, typ)
		b = bo.AppendUint32(b, count)
		b = append(b, value...)
	}
	u32 := func(v int) []byte { return bo.AppendUint32(nil, uint32(v)) }
	const (
		tASCII    = 2
		tSHORT    = 3
		tLONG     = 4
		tRATIONAL = 5
	)
	n := 2
	if gps {
		n = 3
	}
	makeOff := 8 + 2 + 12*n + 4
	gpsOff := makeOff + 6
	b = bo.AppendUint16(b, uint16(n))
	entry(0x010F, tASCII, 5, u32(makeOff))
	entry(0x0112, tSHORT, 1, append(bo.AppendUint16(nil, 1), 0, 0))
	if gps {
		entry(0x8825, tLONG, 1, u32(gpsOff))
	}
	b = bo.AppendUint32(b, 0) // no IFD1
	b = append(b, "kith\x00\x00"...)
	if gps {
		ratOff := gpsOff + 2 + 12*2 + 4
		b = bo.AppendUint16(b, 2)
		entry(0x0001, tASCII, 2, []byte{'N', 0, 0, 0})
		entry(0x0002, tRATIONAL, 3, u32(ratOff))
		b = bo.AppendUint32(b, 0)
		for _, v := range []int{52, 1, 31, 1, 0, 1} {
			b = append(b, u32(v)...)
		}
	}
	return b
}

func exifSegment(tiff []byte) []byte {
	return segment(0xE1, append([]byte("Exif\x00\x00"), tiff...))
}

func xmpPacket(gps bool) string {
	s := `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"`
	if gps {
		s += ` exif:GPSLatitude="52,31.0N" exif:GPSLongitude="13,24.0E"`
	}
	return s + ` dc:format="image/jpeg"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
}

func xmpSegment(gps bool) []byte {
	return segment(0xE1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"), xmpPacket(gps)...))
}

func comSegment(s string) []byte { return segment(0xFE, []byte(s)) }

func zlibBytes(b []byte) []byte {
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// rawProfile is ImageMagick's hex encoding of a profile in a PNG text chunk.
func rawProfile(name string, data []byte) []byte {
	h := hex.EncodeToString(data)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s\n%8d\n", name, len(data))
	for len(h) > 72 {
		b.WriteString(h[:72] + "\n")
		h = h[72:]
	}
	b.WriteString(h + "\n")
	return []byte(b.String())
}

func textChunk(keyword, text string) []byte {
	return chunk("tEXt", []byte(keyword+"\x00"+text))
}

func zTXtChunk(keyword string, text []byte) []byte {
	return chunk("zTXt", append([]byte(keyword+"\x00\x00"), zlibBytes(text)...))
}

func iTXtChunk(keyword string, compressed bool, text string) []byte {
	b := []byte(keyword + "\x00")
	if compressed {
		b = append(b, 1, 0)
		b = append(b, "en\x00\x00"...)
		return chunk("iTXt", append(b, zlibBytes([]byte(text))...))
	}
	b = append(b, 0, 0)
	b = append(b, "en\x00\x00"...)
	return chunk("iTXt", append(b, text...))
}

// ---- tests ----

func TestDetectFormat(t *testing.T) {
	for _, tc := range []struct {
		head string
		want Format
	}{
		{"\xff\xd8\xff\xe0", FormatJPEG},
		{"\xff\xd8\xff", FormatJPEG},
		{"\xff\xd8", FormatOther},
		{"\x89PNG\r\n\x1a\n", FormatPNG},
		{"\x89PNG\r\n\x1a", FormatOther},
		{"GIF89a", FormatOther},
		{"", FormatOther},
	} {
		if got := DetectFormat([]byte(tc.head)); got != tc.want {
			t.Errorf("DetectFormat(%q) = %v, want %v", tc.head, got, tc.want)
		}
	}
	if FormatJPEG.String() != "jpeg" || FormatPNG.String() != "png" || FormatOther.String() != "other" {
		t.Error("Format.String")
	}
}

func TestExifHasGPS(t *testing.T) {
	type entry struct {
		tag uint16
		val uint32
	}
	// build lays out IFDs from offset 8 on; IFD i has entries ifds[i] and
	// next-IFD pointer nexts[i]. IFD0 is at 8, IFD1 at 8+2+12*len(ifds[0])+4,
	// and so on.
	build := func(bo byteOrder, first uint32, ifds [][]entry, nexts []uint32) []byte {
		b := []byte("II")
		if bo == byteOrder(binary.BigEndian) {
			b = []byte("MM")
		}
		b = bo.AppendUint16(b, 42)
		b = bo.AppendUint32(b, first)
		for i, es := range ifds {
			b = bo.AppendUint16(b, uint16(len(es)))
			for _, e := range es {
				b = bo.AppendUint16(b, e.tag)
				b = bo.AppendUint16(b, 4) // LONG
				b = bo.AppendUint32(b, 1)
				b = bo.AppendUint32(b, e.val)
			}
			b = bo.AppendUint32(b, nexts[i])
		}
		return b
	}
	orientation := entry{0x0112, 1}
	for _, bo := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, tc := range []struct {
			name   string
			b      []byte
			want   bool
			errHas string
		}{
			{"camera with gps", tiff(bo, true), true, ""},
			{"camera without gps", tiff(bo, false), false, ""},
			{"with Exif header", append([]byte("Exif\x00\x00"), tiff(bo, true)...), true, ""},
			{"gps pointer in IFD0", build(bo, 8, [][]entry{{orientation, {0x8825, 9999}}}, []uint32{0}), true, ""},
			{"no gps", build(bo, 8, [][]entry{{orientation}}, []uint32{0}), false, ""},
			{"gps in IFD1", build(bo, 8, [][]entry{{orientation}, {{0x8825, 0}}}, []uint32{26, 0}), true, ""},
			{"gps in Exif IFD", build(bo, 8, [][]entry{{{0x8769, 26}}, {{0x8825, 0}}}, []uint32{0, 0}), true, ""},
			{"next pointer loops", build(bo, 8, [][]entry{{orientation}}, []uint32{8}), false, ""},
			{"Exif IFD loops", build(bo, 8, [][]entry{{{0x8769, 8}}}, []uint32{0}), false, ""},
			{"next pointer omitted", build(bo, 8, [][]entry{{orientation}}, []uint32{0})[:8+2+12], false, ""},
			{"IFD0 outside", build(bo, 4096, [][]entry{{orientation}}, []uint32{0}), false, "EXIF directory offset 4096 is outside the 26 bytes"},
			{"IFD0 in header", build(bo, 4, [][]entry{{orientation}}, []uint32{0}), false, "offset 4 is outside"},
			{"IFD1 outside", build(bo, 8, [][]entry{{orientation}}, []uint32{1 << 31}), false, "offset 2147483648 is outside"},
			{"Exif IFD outside", build(bo, 8, [][]entry{{{0x8769, 0xFFFFFFFF}}}, []uint32{0}), false, "offset 4294967295 is outside"},
			{"too many entries", build(bo, 8, [][]entry{{orientation}}, []uint32{0})[:8+2+6], false, "has 1 entries, more than fit in the 16 bytes"},
			{"short", []byte("MM\x00\x2a"), false, "too short for a TIFF header"},
			{"bad byte order", []byte("XX\x00\x2a\x00\x00\x00\x08"), false, `byte order mark "XX"`},
			{"bad magic", append(bo.AppendUint16([]byte(map[bool]string{true: "II", false: "MM"}[bo == byteOrder(binary.LittleEndian)]), 43), 0, 0, 0, 8), false, "TIFF magic number 43"},
		} {
			t.Run(fmt.Sprintf("%v/%s", bo, tc.name), func(t *testing.T) {
				got, err := exifHasGPS(tc.b)
				if tc.errHas != "" {
					if err == nil || !strings.Contains(err.Error(), tc.errHas) {
						t.Fatalf("exifHasGPS = %v, %v; want error containing %q", got, err, tc.errHas)
					}
					return
				}
				if err != nil || got != tc.want {
					t.Fatalf("exifHasGPS = %v, %v; want %v", got, err, tc.want)
				}
			})
		}
	}
	// A long chain of IFDs is cut off.
	var ifds [][]entry
	var nexts []uint32
	for i := range 40 {
		ifds = append(ifds, []entry{orientation})
		nexts = append(nexts, uint32(8+18*(i+1)))
	}
	nexts[39] = 0
	if _, err := exifHasGPS(build(binary.LittleEndian, 8, ifds, nexts)); err == nil || !strings.Contains(err.Error(), "more than 32 directories") {
		t.Fatalf("long chain: %v", err)
	}
}

func TestMarkerScanner(t *testing.T) {
	for _, tc := range []struct {
		pieces []string
		want   bool
	}{
		{[]string{`exif:GPSLatitude="1"`}, true},
		{[]string{`<exif:GPSAltitude>`}, true},
		{[]string{`e:gpslatitude`}, true},
		{[]string{`drone-dji:GpsLongitude`}, true},
		{[]string{`exif:G`, `PSLat`}, true},
		{[]string{`x`, `e`, `x`, `i`, `f`, `:`, `g`, `p`, `s`}, true},
		{[]string{`exif:DateTimeOriginal photoshop:City="Berlin"`}, false},
		{[]string{`exif:`, `GP`}, false},
		{nil, false},
	} {
		var m markerScanner
		for _, p := range tc.pieces {
			m.Write([]byte(p))
		}
		if m.found != tc.want {
			t.Errorf("markers in %q = %v, want %v", tc.pieces, m.found, tc.want)
		}
	}
	long := strings.Repeat("a", 10000) + "GPSLatitude" + strings.Repeat("b", 10000)
	if !hasGPSText([]byte(long)) {
		t.Error("marker across an internal piece boundary not found")
	}
}

// locationCase is one file for StripLocation and HasLocation.
type locationCase struct {
	name     string
	in       []byte
	format   Format
	has      bool     // HasLocation before stripping
	trailer  bool     // HasLocation before stripping fails: data after the image
	changed  bool     // StripLocation removed something
	keep     []string // substrings that survive stripping
	gone     []string // substrings that do not
	image    bool     // the output decodes to the same image
	exactOut []byte   // if not nil: the exact output
}

func locationCases(t testing.TB) []locationCase {
	jpg := encodeJPEG(t)
	pngb := encodePNG(t)
	le, be := binary.LittleEndian, binary.BigEndian
	exifRaw := append([]byte("Exif\x00\x00"), tiff(be, true)...)
	return []locationCase{
		{name: "jpeg plain", in: jpg, format: FormatJPEG, image: true, exactOut: jpg},
		{name: "jpeg exif gps LE", in: withSegments(jpg, exifSegment(tiff(le, true)), comSegment("kept comment")),
			format: FormatJPEG, has: true, changed: true, image: true, keep: []string{"kept comment"}, gone: []string{"Exif"}},
		{name: "jpeg exif gps BE", in: withSegments(jpg, comSegment("kept comment"), exifSegment(tiff(be, true))),
			format: FormatJPEG, has: true, changed: true, image: true, keep: []string{"kept comment"}, gone: []string{"Exif"}},
		{name: "jpeg exif without gps", in: withSegments(jpg, exifSegment(tiff(le, false))),
			format: FormatJPEG, changed: true, image: true, exactOut: jpg},
		{name: "jpeg xmp gps", in: withSegments(jpg, segment(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")), xmpSegment(true)),
			format: FormatJPEG, has: true, changed: true, image: true, keep: []string{"JFIF"}, gone: []string{"xmpmeta", "GPS"}},
		{name: "jpeg xmp without gps", in: withSegments(jpg, xmpSegment(false)),
			format: FormatJPEG, changed: true, image: true, exactOut: jpg},
		{name: "jpeg extended xmp gps split", in: withSegments(jpg, xmpSegment(false),
			segment(0xE1, []byte("http://ns.adobe.com/xmp/extension/\x00"+strings.Repeat("G", 32)+"\x00\x00\x00\x40\x00\x00\x00\x00<rdf:Description exif:GPSLa")),
			segment(0xE1, []byte("http://ns.adobe.com/xmp/extension/\x00"+strings.Repeat("G", 32)+"\x00\x00\x00\x40\x00\x00\x00\x20titude=\"52,31.0N\"/>"))),
			format: FormatJPEG, has: true, changed: true, image: true, exactOut: jpg},
		{name: "jpeg other APP1 kept", in: withSegments(jpg, segment(0xE1, []byte("FLIR\x00GPSLatitude"))),
			format: FormatJPEG, image: true, keep: []string{"FLIR\x00GPSLatitude"}},
		{name: "jpeg trailer dropped", in: append(withSegments(jpg, comSegment("c")), "appended video with ©xyz+52.5+013.4/"...),
			format: FormatJPEG, trailer: true, changed: true, image: true, keep: []string{"c"}, gone: []string{"©xyz"}},

		{name: "png plain", in: pngb, format: FormatPNG, image: true, exactOut: pngb},
		{name: "png eXIf gps LE", in: withChunks(pngb, chunk("eXIf", tiff(le, true)), textChunk("Comment", "kept comment")),
			format: FormatPNG, has: true, changed: true, image: true, keep: []string{"kept comment"}, gone: []string{"eXIf"}},
		{name: "png eXIf gps BE", in: withChunks(pngb, chunk("eXIf", tiff(be, true))),
			format: FormatPNG, has: true, changed: true, image: true, exactOut: pngb},
		{name: "png eXIf without gps", in: withChunks(pngb, chunk("eXIf", tiff(be, false))),
			format: FormatPNG, changed: true, image: true, exactOut: pngb},
		{name: "png iTXt xmp gps", in: withChunks(pngb, iTXtChunk("XML:com.adobe.xmp", false, xmpPacket(true)), textChunk("Author", "kept author")),
			format: FormatPNG, has: true, changed: true, image: true, keep: []string{"kept author"}, gone: []string{"xmpmeta"}},
		{name: "png compressed iTXt xmp gps", in: withChunks(pngb, iTXtChunk("XML:com.adobe.xmp", true, xmpPacket(true))),
			format: FormatPNG, has: true, changed: true, image: true, exactOut: pngb},
		{name: "png xmp without gps", in: withChunks(pngb, iTXtChunk("XML:com.adobe.xmp", false, xmpPacket(false))),
			format: FormatPNG, changed: true, image: true, exactOut: pngb},
		{name: "png raw profile exif gps", in: withChunks(pngb, zTXtChunk("Raw profile type exif", rawProfile("exif", exifRaw))),
			format: FormatPNG, has: true, changed: true, image: true, exactOut: pngb},
		{name: "png raw profile exif without gps", in: withChunks(pngb, zTXtChunk("Raw profile type exif", rawProfile("exif", tiff(le, false)))),
			format: FormatPNG, changed: true, image: true, exactOut: pngb},
		{name: "png comment with gps", in: withChunks(pngb, textChunk("Comment", "GPSLatitude 52.5")),
			format: FormatPNG, has: true, changed: true, image: true, exactOut: pngb},
		{name: "png compressed comment kept", in: withChunks(pngb, zTXtChunk("Comment", []byte("kept zcomment")), iTXtChunk("Title", true, "kept title")),
			format: FormatPNG, image: true, keep: []string{"zTXtComment", "iTXtTitle"}},
		{name: "png raw profile icc kept", in: withChunks(pngb, zTXtChunk("Raw profile type icc", rawProfile("icc", []byte("not really a profile")))),
			format: FormatPNG, image: true, keep: []string{"Raw profile type icc"}},
		{name: "png trailer dropped", in: append(withChunks(pngb, textChunk("Comment", "kept")), "trailing junk"...),
			format: FormatPNG, trailer: true, changed: true, image: true, keep: []string{"kept"}, gone: []string{"trailing junk"}},

		{name: "text", in: []byte("hello, world: exif:GPSLatitude"), format: FormatOther, exactOut: []byte("hello, world: exif:GPSLatitude")},
		{name: "empty", in: []byte{}, format: FormatOther, exactOut: []byte{}},
		{name: "gif", in: []byte("GIF89a\x01\x00\x01\x00"), format: FormatOther, exactOut: []byte("GIF89a\x01\x00\x01\x00")},
		{name: "two bytes of jpeg", in: []byte{0xFF, 0xD8}, format: FormatOther, exactOut: []byte{0xFF, 0xD8}},
	}
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("image.Decode: %v", err)
	}
	return img
}

func samePixels(t *testing.T, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v, want %v", b.Bounds(), a.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, b.At(x, y), a.At(x, y))
			}
		}
	}
}

func TestLocation(t *testing.T) {
	for _, tc := range locationCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			has, err := HasLocation(bytes.NewReader(tc.in))
			if tc.trailer {
				if has || !errors.Is(err, ErrMalformedImage) || !strings.Contains(err.Error(), "data follows the end of the image") {
					t.Fatalf("HasLocation before = %v, %v; want an error about the trailer", has, err)
				}
			} else if err != nil || has != tc.has {
				t.Fatalf("HasLocation before = %v, %v; want %v", has, err, tc.has)
			}
			var out bytes.Buffer
			f, changed, err := StripLocation(bytes.NewReader(tc.in), &out)
			if err != nil || f != tc.format || changed != tc.changed {
				t.Fatalf("StripLocation = %v, %v, %v; want %v, %v", f, changed, err, tc.format, tc.changed)
			}
			if tc.exactOut != nil && !bytes.Equal(out.Bytes(), tc.exactOut) {
				t.Fatalf("output differs from the expected %d bytes (got %d)", len(tc.exactOut), out.Len())
			}
			has, err = HasLocation(bytes.NewReader(out.Bytes()))
			if err != nil || has {
				t.Fatalf("HasLocation after = %v, %v", has, err)
			}
			for _, s := range tc.keep {
				if !bytes.Contains(out.Bytes(), []byte(s)) {
					t.Errorf("%q was removed", s)
				}
			}
			for _, s := range tc.gone {
				if bytes.Contains(out.Bytes(), []byte(s)) {
					t.Errorf("%q was not removed", s)
				}
			}
			if tc.image {
				samePixels(t, decode(t, tc.in), decode(t, out.Bytes()))
				samePixels(t, testImageDecoded(t, tc.format), decode(t, out.Bytes()))
			}
			// Stripping is idempotent.
			var again bytes.Buffer
			if _, changed, err := StripLocation(bytes.NewReader(out.Bytes()), &again); err != nil || changed || !bytes.Equal(again.Bytes(), out.Bytes()) {
				t.Fatalf("second StripLocation changed=%v err=%v", changed, err)
			}
		})
	}
}

// testImageDecoded is the test image as encoded without metadata and decoded.
func testImageDecoded(t *testing.T, f Format) image.Image {
	if f == FormatJPEG {
		return decode(t, encodeJPEG(t))
	}
	return decode(t, encodePNG(t))
}

// TestJPEGScanCopy checks the entropy-coded data handling byte for byte on
// a synthetic stream: stuffed bytes, restart markers, fill bytes, a second
// scan, and the end.
func TestJPEGScanCopy(t *testing.T) {
	sos := segment(0xDA, []byte{1, 1, 0, 0, 63, 0})
	scan1 := []byte{0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF}
	dht := segment(0xC4, []byte{0x00, 1, 2, 3})
	scan2 := []byte{0x78, 0xFF, 0x00, 0xFF, 0xD7}
	var in, want []byte
	in = append(in, 0xFF, 0xD8)
	in = append(in, exifSegment(tiff(binary.LittleEndian, true))...)
	in = append(in, 0xFF, 0xFF) // fill bytes before a marker
	in = append(in, sos...)
	in = append(in, scan1...)
	in = append(in, dht...)
	in = append(in, sos...)
	in = append(in, scan2...)
	in = append(in, 0xFF, 0xD9)
	want = append(want, 0xFF, 0xD8)
	want = append(want, 0xFF, 0xFF) // fill bytes are kept
	want = append(want, sos...)
	want = append(want, scan1...)
	want = append(want, dht...)
	want = append(want, sos...)
	want = append(want, scan2...)
	want = append(want, 0xFF, 0xD9)

	has, err := HasLocation(bytes.NewReader(in))
	if !has || err != nil {
		t.Fatalf("HasLocation = %v, %v", has, err)
	}
	var out bytes.Buffer
	if _, changed, err := StripLocation(bytes.NewReader(in), &out); err != nil || !changed {
		t.Fatalf("StripLocation: %v, %v", changed, err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("output\n%x\nwant\n%x", out.Bytes(), want)
	}
}

func TestLocationMalformed(t *testing.T) {
	jpg := encodeJPEG(t)
	pngb := encodePNG(t)
	badCRC := withChunks(pngb, textChunk("Comment", "x"))
	badCRC[33+8] ^= 1 // first byte of the tEXt data
	badIDAT := append([]byte{}, pngb...)
	badIDAT[len(badIDAT)-12-5] ^= 1 // last byte of the IDAT data, before its CRC and IEND
	bigMeta := append(append([]byte{}, pngb[:33]...), 0x00, 0x50, 0x00, 0x00, 't', 'E', 'X', 't')
	badExif := withSegments(jpg, exifSegment([]byte("II\x2a\x00\x00\x10\x00\x00")))
	badZ := withChunks(pngb, chunk("zTXt", []byte("Comment\x00\x00not zlib")))
	// Five text chunks of 8 MiB - 1 byte each, decompressed: the fifth goes
	// over the 32 MiB per file.
	zbomb := zTXtChunk("Comment", bytes.Repeat([]byte("a"), maxTextInflated-1))
	bombs := withChunks(pngb, zbomb, zbomb, zbomb, zbomb, zbomb)
	for _, tc := range []struct {
		name      string
		in        []byte
		stripErr  string // "" means StripLocation succeeds
		detectErr string
	}{
		{"jpeg truncated in scan", jpg[:len(jpg)-100], "file ends inside scan data", "file ends inside scan data"},
		{"jpeg truncated in segment", jpg[:30], "file ends inside segment", "file ends inside segment"},
		{"jpeg garbage after SOI", []byte("\xff\xd8\xff\xe0\x00"), "file ends inside the length of segment 0xFFE0", "file ends inside the length"},
		{"jpeg no marker", []byte("\xff\xd8\xffhello"), "file ends inside", "file ends inside"},
		{"jpeg not a marker", append([]byte("\xff\xd8"), append(comSegment("x"), 'z')...), "expected a marker (0xFF), found 0x7A", "found 0x7A"},
		{"jpeg short length", []byte("\xff\xd8\xff\xfe\x00\x01"), "segment 0xFFFE has length 1", "has length 1"},
		{"jpeg second SOI", []byte("\xff\xd8\xff\xd8"), "a second start-of-image marker", "second start-of-image"},
		{"jpeg stuffed byte outside scan", []byte("\xff\xd8\xff\x00"), "0xFF00 (stuffed byte) outside scan data", "0xFF00"},
		{"jpeg malformed exif", badExif, "", "EXIF segment: EXIF directory offset 4096 is outside the 8 bytes"},
		{"png bad crc", badCRC, "tEXt chunk has a bad CRC", "tEXt chunk has a bad CRC"},
		{"png bad IDAT crc", badIDAT, "IDAT chunk has a bad CRC", "IDAT chunk has a bad CRC"},
		{"png truncated", pngb[:len(pngb)-12], "file ends without an IEND chunk", "without an IEND"},
		{"png truncated in chunk", pngb[:50], "file ends inside the IDAT chunk", "file ends inside"},
		{"png meta over limit", bigMeta, "tEXt chunk of 5242880 bytes is over the limit of 4 MiB", "over the limit of 4 MiB"},
		{"png bad type", withChunks(pngb, chunk("t3Xt", nil)), `chunk type "t3Xt" is not four ASCII letters`, "not four ASCII letters"},
		{"png huge length", append(append([]byte{}, pngb[:33]...), 0x80, 0, 0, 0, 'I', 'D', 'A', 'T'), "over the PNG maximum", "over the PNG maximum"},
		{"png bad zTXt", badZ, "", "zTXt chunk: compressed text"},
		{"png bad keyword", withChunks(pngb, chunk("tEXt", []byte("no keyword"))), "", "tEXt chunk: no keyword"},
		{"png bad raw profile", withChunks(pngb, textChunk("Raw profile type exif", "\nexif\n 4\nzz")), "", "raw profile holds 'z'"},
		{"png decompression budget", bombs, "", "zTXt chunk: compressed text: the file's compressed text decompresses to more than 32 MiB in total"},
		{"png bad eXIf", withChunks(pngb, chunk("eXIf", []byte("MM\x00\x2a"))), "", "eXIf chunk: EXIF data of 4 bytes is too short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(what string, err error, want string) {
				t.Helper()
				if want == "" {
					if err != nil {
						t.Fatalf("%s: %v", what, err)
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("%s error = %v, want it to contain %q", what, err, want)
				}
				if !errors.Is(err, ErrMalformedImage) {
					t.Fatalf("%s error %v does not match ErrMalformedImage", what, err)
				}
			}
			var out bytes.Buffer
			_, _, err := StripLocation(bytes.NewReader(tc.in), &out)
			check("StripLocation", err, tc.stripErr)
			if err == nil {
				has, err := HasLocation(bytes.NewReader(out.Bytes()))
				if has || err != nil {
					t.Fatalf("HasLocation of the stripped file = %v, %v", has, err)
				}
			}
			has, err := HasLocation(bytes.NewReader(tc.in))
			check("HasLocation", err, tc.detectErr)
			if has {
				t.Fatal("HasLocation true with an error")
			}
		})
	}
}

func TestHasLocationReadError(t *testing.T) {
	_, err := HasLocation(iotest.ErrReader(errBroken))
	if !errors.Is(err, errBroken) {
		t.Fatalf("HasLocation of a failing reader: %v", err)
	}
	in := encodePNG(t)
	_, err = HasLocation(io.MultiReader(bytes.NewReader(in[:100]), iotest.ErrReader(errBroken)))
	if !errors.Is(err, errBroken) || errors.Is(err, ErrMalformedImage) {
		t.Fatalf("HasLocation of a PNG failing at byte 100: %v", err)
	}
	var out bytes.Buffer
	_, _, err = StripLocation(io.MultiReader(bytes.NewReader(encodeJPEG(t)[:100]), iotest.ErrReader(errBroken)), &out)
	if !errors.Is(err, errBroken) || errors.Is(err, ErrMalformedImage) {
		t.Fatalf("StripLocation of a JPEG failing at byte 100: %v", err)
	}
}

// errAfter is a writer that fails after n bytes.
type errAfter struct{ n int }

var errDiskFull = errors.New("disk full")

func (e *errAfter) Write(p []byte) (int, error) {
	if len(p) > e.n {
		k := e.n
		e.n = 0
		return k, errDiskFull
	}
	e.n -= len(p)
	return len(p), nil
}

func TestStripWriteError(t *testing.T) {
	big := func(b []byte) []byte { // enough bytes to go past the output buffer
		return append(b, bytes.Repeat([]byte{0}, 100<<10)...)
	}
	for _, in := range [][]byte{encodeJPEG(t), encodePNG(t), big([]byte("plain text"))} {
		_, _, err := StripLocation(bytes.NewReader(in), &errAfter{n: 100})
		if !errors.Is(err, errDiskFull) {
			t.Errorf("%s: StripLocation with a failing writer: %v", DetectFormat(in), err)
		}
	}
}

// TestPNGLargeIDATStreams checks that a chunk far larger than the metadata
// limit passes when it is image data.
func TestPNGLargeIDATStreams(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 3000, 3000))
	x := uint32(1)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = uint8(x)
	}
	var enc bytes.Buffer
	png.Encode(&enc, img)
	// Re-chunk: one IDAT with all the image data (Go's encoder splits it).
	in := enc.Bytes()
	var idat []byte
	rest := in[33:]
	for len(rest) >= 12 {
		n := binary.BigEndian.Uint32(rest)
		if string(rest[4:8]) == "IDAT" {
			idat = append(idat, rest[8:8+n]...)
		}
		rest = rest[12+n:]
	}
	one := append(append(append([]byte{}, in[:33]...), chunk("IDAT", idat)...), chunk("IEND", nil)...)
	if len(idat) <= maxMetaChunk {
		t.Fatalf("IDAT of %d bytes is not over the metadata limit", len(idat))
	}
	var out bytes.Buffer
	if _, changed, err := StripLocation(bytes.NewReader(one), &out); err != nil || changed || !bytes.Equal(out.Bytes(), one) {
		t.Fatalf("StripLocation = %v, %v", changed, err)
	}
}

func BenchmarkStripLocationJPEG(b *testing.B) {
	in := withSegments(encodeJPEG(b), exifSegment(tiff(binary.LittleEndian, true)))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, _, err := StripLocation(bytes.NewReader(in), &bytes.Buffer{}); err != nil {
			b.Fatal(err)
		}
	}
}
