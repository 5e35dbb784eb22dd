package blob

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // image.DecodeConfig of GIFs
	_ "image/jpeg" // and of JPEGs
	_ "image/png"  // and of PNGs
	"io"
	"unicode/utf8"
)

// ImageKinds names the picture formats a post or a profile may show, for
// messages: "JPEG, PNG, GIF or WebP".
const ImageKinds = "JPEG, PNG, GIF or WebP"

// ErrNotImage is matched (errors.Is) by the *NotImageError of CheckImage.
var ErrNotImage = errors.New("not an image")

// NotImageError is CheckImage's error: the file is not a picture that
// browsers show. Looks says what it seems to be instead ("text", "a damaged
// PNG", "an empty file", "a file of another kind").
type NotImageError struct {
	Looks  string
	Detail string // why a damaged image is refused; "" otherwise
}

func (e *NotImageError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("not an image kith can show: %s (%s); use a %s picture", e.Looks, e.Detail, ImageKinds)
	}
	return fmt.Sprintf("not an image kith can show: it is %s; use a %s picture", e.Looks, ImageKinds)
}

// Is makes errors.Is(err, ErrNotImage) true.
func (e *NotImageError) Is(target error) bool { return target == ErrNotImage }

// sniffLen is how much of a file CheckImage looks at for its kind.
const sniffLen = 512

// CheckImage reads the start of a file from r and returns its format
// ("jpeg", "png", "gif" or "webp"), or a *NotImageError when it is not one
// of those: judged by its magic bytes and, for JPEG, PNG and GIF, by
// decoding the image's header (its size and colours, not its pixels) with
// the standard library. A WebP must have a well-formed RIFF header whose
// first chunk is VP8, VP8L or VP8X. Memory stays bounded: only the header is
// read.
func CheckImage(r io.Reader) (string, error) {
	br := bufio.NewReaderSize(r, sniffLen)
	head, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	format := sniffImage(head)
	switch format {
	case "":
		return "", &NotImageError{Looks: looksLike(head)}
	case "webp":
		if !webpHeaderOK(head) {
			return "", &NotImageError{Looks: "a damaged WebP", Detail: "its RIFF header is malformed"}
		}
		return format, nil
	}
	cfg, got, err := image.DecodeConfig(br)
	if err != nil {
		return "", &NotImageError{Looks: "a damaged " + upper(format), Detail: err.Error()}
	}
	if got != format {
		return "", &NotImageError{Looks: "a damaged " + upper(format), Detail: "it decodes as " + got}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return "", &NotImageError{Looks: "a damaged " + upper(format), Detail: fmt.Sprintf("it is %d×%d pixels", cfg.Width, cfg.Height)}
	}
	return format, nil
}

// sniffImage returns the image format of a file starting with head, by its
// magic bytes, or "".
func sniffImage(head []byte) string {
	switch {
	case len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		return "jpeg"
	case bytes.HasPrefix(head, pngSignature):
		return "png"
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return "gif"
	case len(head) >= 12 && bytes.HasPrefix(head, []byte("RIFF")) && string(head[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}

// webpHeaderOK reports whether head starts a WebP file: RIFF, a size of at
// least the first chunk's header, WEBP, and a first chunk VP8, VP8L or VP8X
// that fits in the RIFF size.
func webpHeaderOK(head []byte) bool {
	if len(head) < 20 {
		return false
	}
	riff := binary.LittleEndian.Uint32(head[4:8])
	switch string(head[12:16]) {
	case "VP8 ", "VP8L", "VP8X":
	default:
		return false
	}
	chunk := binary.LittleEndian.Uint32(head[16:20])
	return riff >= 12 && chunk > 0 && uint64(chunk) <= uint64(riff)-12
}

// looksLike names what a file that is no image seems to be.
func looksLike(head []byte) string {
	switch {
	case len(head) == 0:
		return "an empty file"
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "a PDF document"
	case isText(head):
		return "text"
	}
	return "a file of another kind"
}

// isText reports whether head reads as UTF-8 text without control
// characters other than white space (a multi-byte character cut at the end
// of head is allowed).
func isText(head []byte) bool {
	for i := 0; i < len(head); {
		r, n := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && n <= 1 {
			if len(head)-i < utf8.UTFMax && !utf8.FullRune(head[i:]) {
				return true
			}
			return false
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' || r == 0x7F {
			return false
		}
		i += n
	}
	return true
}

func upper(format string) string {
	switch format {
	case "jpeg":
		return "JPEG"
	case "webp":
		return "WebP"
	}
	return string(bytes.ToUpper([]byte(format)))
}
