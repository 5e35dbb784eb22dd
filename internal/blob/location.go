package blob

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Format is an image format that StripLocation and HasLocation understand.
type Format int

// The formats. FormatOther is everything else (including other image
// formats): it is copied unchanged and never reported to carry a location.
const (
	FormatOther Format = iota
	FormatJPEG
	FormatPNG
)

// String returns "jpeg", "png" or "other".
func (f Format) String() string {
	switch f {
	case FormatJPEG:
		return "jpeg"
	case FormatPNG:
		return "png"
	}
	return "other"
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// DetectFormat returns the format of a file that starts with head, judged by
// its magic bytes: FF D8 FF for JPEG, the 8-byte signature for PNG. Eight
// bytes of head are enough.
func DetectFormat(head []byte) Format {
	switch {
	case len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		return FormatJPEG
	case bytes.HasPrefix(head, pngSignature):
		return FormatPNG
	}
	return FormatOther
}

// ErrMalformedImage is matched (errors.Is) by the errors StripLocation and
// HasLocation return for a file that starts like a JPEG or PNG but is not a
// well-formed one, and by those of HasLocation for one whose metadata cannot
// be read or that has data after the end of the image. Such a file should be
// refused: whether it carries a location cannot be told.
var ErrMalformedImage = errors.New("malformed image")

// Limits on what the parsers hold in memory.
const (
	// maxMetaChunk is the largest PNG metadata chunk (eXIf, tEXt, zTXt,
	// iTXt) that is read into memory to be inspected. Other chunks (pixel
	// data) are streamed and need no limit.
	maxMetaChunk = 4 << 20
	// maxTextInflated bounds the decompressed text of one zTXt or iTXt
	// chunk (a small chunk can inflate a thousandfold).
	maxTextInflated = 8 << 20
	// maxInflatedTotal bounds the decompressed text of all the chunks of
	// one PNG.
	maxInflatedTotal = 32 << 20
	// maxIFDs bounds how many EXIF directories are visited.
	maxIFDs = 32
)

// StripLocation copies the file read from r to w without location metadata
// and returns its format and whether anything was removed.
//
// For a JPEG it drops every APP1 segment holding EXIF or XMP (both can hold
// GPS coordinates) and anything after the end-of-image marker (appended
// videos, secondary images); all other segments and the compressed image
// data are copied byte for byte. For a PNG it drops eXIf chunks, XMP and
// raw-EXIF text chunks, any other text chunk that mentions GPS coordinates
// or cannot be read, and anything after IEND; all other chunks are copied
// byte for byte. Checksums of PNG chunks are verified. Any other format is
// copied unchanged.
//
// The file is processed as a stream with bounded memory. A JPEG or PNG that
// is not well formed gives an error matching ErrMalformedImage; an error
// reading r or writing w is returned wrapped. On error, w may have received
// part of the output and must be discarded.
func StripLocation(r io.Reader, w io.Writer) (Format, bool, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(len(pngSignature)) // a short head is judged as it is; read errors resurface below
	f := DetectFormat(head)
	bw := bufio.NewWriterSize(w, 32<<10)
	var changed bool
	var err error
	switch f {
	case FormatJPEG:
		changed, err = walkJPEG(br, bw, modeStrip)
	case FormatPNG:
		changed, err = walkPNG(br, bw, modeStrip)
	default:
		if _, err = io.Copy(bw, br); err != nil {
			err = fmt.Errorf("copying file: %w", err)
		}
	}
	if err != nil {
		return f, false, err
	}
	if err := bw.Flush(); err != nil {
		return f, false, fmt.Errorf("writing %s: %w", f, err)
	}
	return f, changed, nil
}

// HasLocation reports whether the file read from r is a JPEG or PNG that
// carries GPS coordinates: an EXIF structure (JPEG APP1, PNG eXIf or a PNG
// "Raw profile type exif" text chunk) with a GPS directory (tag 0x8825), or
// XMP (or any PNG text) mentioning GPS coordinates (exif:GPS…,
// GPSLatitude, GPSLongitude). Other formats report false.
//
// An error means it could not tell: the file is not well formed, its
// metadata cannot be parsed, or data follows the end of the image (all
// matching ErrMalformedImage), or it could not be read. Callers that
// validate should refuse the file then, as they refuse one that carries a
// location. A file that StripLocation returned without error always reports
// (false, nil).
func HasLocation(r io.Reader) (bool, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(len(pngSignature))
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("reading file: %w", err)
	}
	switch DetectFormat(head) {
	case FormatJPEG:
		_, err = walkJPEG(br, io.Discard, modeDetect)
	case FormatPNG:
		_, err = walkPNG(br, io.Discard, modeDetect)
	default:
		return false, nil
	}
	if err == errFoundLocation {
		return true, nil
	}
	return false, err
}

// walkMode says what a walker does with metadata: strip it, or stop with
// errFoundLocation at the first location.
type walkMode int

const (
	modeStrip walkMode = iota
	modeDetect
)

// errFoundLocation stops a walker in modeDetect.
var errFoundLocation = errors.New("location found")

// malformed returns an error matching ErrMalformedImage.
func malformed(f Format, off int64, format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d: %s", ErrMalformedImage, f, off, fmt.Sprintf(format, args...))
}

// errTrailer is HasLocation's answer for data after the end of an image:
// it is not inspected, and StripLocation removes it.
func errTrailer(f Format, off int64) error {
	return malformed(f, off, "data follows the end of the image (an appended video or image?) and may carry a location; strip the file first")
}

// exifHasGPS reports whether the EXIF (TIFF) structure b has a GPS
// directory: tag 0x8825 in IFD0, in a later IFD of the chain, or in the EXIF
// sub-IFD (tag 0x8769). b may start with the "Exif\0\0" header of a JPEG
// APP1 segment. Offsets that point outside b are an error, since what they
// point at cannot be checked.
func exifHasGPS(b []byte) (bool, error) {
	if bytes.HasPrefix(b, []byte("Exif\x00\x00")) {
		b = b[6:]
	}
	if len(b) < 8 {
		return false, fmt.Errorf("EXIF data of %d bytes is too short for a TIFF header", len(b))
	}
	var bo binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return false, fmt.Errorf("EXIF data has byte order mark %q, want \"II\" or \"MM\"", b[:2])
	}
	if bo.Uint16(b[2:]) != 42 {
		return false, fmt.Errorf("EXIF data has TIFF magic number %d, want 42", bo.Uint16(b[2:]))
	}
	const (
		tagExifIFD = 0x8769
		tagGPSIFD  = 0x8825
	)
	size := uint64(len(b))
	type ifd struct {
		off   uint64
		chain bool // in the IFD0, IFD1, … chain (follow its next pointer)
	}
	todo := []ifd{{uint64(bo.Uint32(b[4:])), true}}
	seen := map[uint64]bool{}
	for len(todo) > 0 {
		d := todo[0]
		todo = todo[1:]
		if seen[d.off] {
			continue // a loop: already checked
		}
		seen[d.off] = true
		if len(seen) > maxIFDs {
			return false, fmt.Errorf("EXIF data has more than %d directories", maxIFDs)
		}
		if d.off < 8 || d.off+2 > size {
			return false, fmt.Errorf("EXIF directory offset %d is outside the %d bytes of EXIF data", d.off, size)
		}
		n := uint64(bo.Uint16(b[d.off:]))
		end := d.off + 2 + 12*n
		if end > size {
			return false, fmt.Errorf("EXIF directory at %d has %d entries, more than fit in the %d bytes of EXIF data", d.off, n, size)
		}
		for e := d.off + 2; e < end; e += 12 {
			switch bo.Uint16(b[e:]) {
			case tagGPSIFD:
				return true, nil
			case tagExifIFD:
				if d.chain {
					todo = append(todo, ifd{uint64(bo.Uint32(b[e+8:])), false})
				}
			}
		}
		// The next-IFD pointer; some writers omit it after the last IFD.
		if d.chain && end+4 <= size {
			if next := uint64(bo.Uint32(b[end:])); next != 0 {
				todo = append(todo, ifd{next, true})
			}
		}
	}
	return false, nil
}

// gpsMarkers are the (lowercase) strings whose presence in XMP or other
// metadata text means it holds GPS coordinates: the exif:GPS… properties of
// XMP, and the property names under any namespace prefix (e.g. drone
// makers' "GpsLatitude").
var gpsMarkers = [][]byte{[]byte("exif:gps"), []byte("gpslatitude"), []byte("gpslongitude")}

const maxMarkerLen = len("gpslongitude")

// markerScanner looks for gpsMarkers, case-insensitively, in text written to
// it in pieces; a marker split between two writes is found.
type markerScanner struct {
	window []byte // last maxMarkerLen-1 bytes of the previous write, then the current piece
	found  bool
}

func (m *markerScanner) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && !m.found {
		piece := p[:min(len(p), 4096)]
		p = p[len(piece):]
		for _, c := range piece {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			m.window = append(m.window, c)
		}
		for _, mk := range gpsMarkers {
			if bytes.Contains(m.window, mk) {
				m.found = true
			}
		}
		if keep := maxMarkerLen - 1; len(m.window) > keep {
			m.window = append(m.window[:0], m.window[len(m.window)-keep:]...)
		}
	}
	return n, nil
}

// hasGPSText reports whether b mentions GPS coordinates.
func hasGPSText(b []byte) bool {
	var m markerScanner
	_, _ = m.Write(b)
	return m.found
}
