package blob

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

// encodedImages returns a small image encoded as PNG, JPEG and GIF.
func encodedImages(t testing.TB) (pngBytes, jpegBytes, gifBytes []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 5, 3))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var p, j, g bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&g, img, nil); err != nil {
		t.Fatal(err)
	}
	return p.Bytes(), j.Bytes(), g.Bytes()
}

// webpHeader is the start of a lossless WebP of the given RIFF and chunk
// sizes.
func webpHeader(riff, chunk uint32) []byte {
	le := func(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
	b := append([]byte("RIFF"), le(riff)...)
	b = append(b, "WEBPVP8L"...)
	b = append(b, le(chunk)...)
	return append(b, 0x2f, 0, 0, 0, 0)
}

func TestCheckImage(t *testing.T) {
	pngB, jpegB, gifB := encodedImages(t)
	big := append(append([]byte{}, gifB...), bytes.Repeat([]byte{0xA5}, 1<<20)...)
	for _, tc := range []struct {
		name   string
		in     []byte
		format string
		looks  string // "" when it is an image
	}{
		{"png", pngB, "png", ""},
		{"jpeg", jpegB, "jpeg", ""},
		{"gif", gifB, "gif", ""},
		{"a big file after a GIF's header", big, "gif", ""},
		{"webp", webpHeader(30, 17), "webp", ""},
		{"text", []byte("hello, this is a note\nnot a picture\n"), "", "text"},
		{"text cut in a character", append(bytes.Repeat([]byte("é"), 255), 0xC3, 0xA9, 0xC3), "", "text"},
		{"empty", nil, "", "an empty file"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "", "a PDF document"},
		{"binary", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, "", "a file of another kind"},
		{"png signature only", pngSignature, "", "a damaged PNG"},
		{"png with a damaged header", append(append([]byte{}, pngB[:16]...), bytes.Repeat([]byte{0}, 40)...), "", "a damaged PNG"},
		{"jpeg start only", []byte{0xFF, 0xD8, 0xFF, 0xD9}, "", "a damaged JPEG"},
		{"gif header only", []byte("GIF89a"), "", "a damaged GIF"},
		{"webp with a chunk larger than the file", webpHeader(30, 40), "", "a damaged WebP"},
		{"webp of another chunk", append([]byte("RIFF\x20\x00\x00\x00WEBPJUNK\x04\x00\x00\x00"), 0, 0, 0, 0), "", "a damaged WebP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckImage(bytes.NewReader(tc.in))
			if tc.looks == "" {
				if err != nil || got != tc.format {
					t.Fatalf("CheckImage = %q, %v; want %q", got, err, tc.format)
				}
				return
			}
			var ne *NotImageError
			if !errors.As(err, &ne) || !errors.Is(err, ErrNotImage) || ne.Looks != tc.looks || got != "" {
				t.Fatalf("CheckImage = %q, %v; want a NotImageError that it looks like %q", got, err, tc.looks)
			}
			if !strings.Contains(err.Error(), "use a JPEG, PNG, GIF or WebP picture") {
				t.Errorf("the error does not say what to do: %q", err)
			}
		})
	}
}

// FuzzCheckImage checks that CheckImage never panics and that whatever it
// accepts starts with an image format's magic bytes.
func FuzzCheckImage(f *testing.F) {
	pngB, jpegB, gifB := encodedImages(f)
	for _, s := range [][]byte{pngB, jpegB, gifB, webpHeader(30, 17), []byte("text"), nil} {
		f.Add(s)
	}
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		format, err := CheckImage(bytes.NewReader(in))
		if err == nil && (format == "" || sniffImage(in) != format) {
			t.Fatalf("accepted as %q a file sniffed as %q", format, sniffImage(in))
		}
		if err != nil && !errors.Is(err, ErrNotImage) {
			t.Fatalf("error %v is not ErrNotImage", err)
		}
	})
}
