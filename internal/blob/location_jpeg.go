package blob

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// JPEG markers (ITU T.81, table B.1) that matter here.
const (
	jpegTEM  = 0x01
	jpegRST0 = 0xD0
	jpegRST7 = 0xD7
	jpegSOI  = 0xD8
	jpegEOI  = 0xD9
	jpegSOS  = 0xDA
	jpegAPP1 = 0xE1
)

// xmpExtID starts the APP1 segments that continue an XMP packet too large
// for one segment ("extended XMP"); a 32-byte GUID, the 4-byte full length
// and a 4-byte offset follow it. The main packet starts with
// "http://ns.adobe.com/xap/1.0/\x00".
var xmpExtID = []byte("http://ns.adobe.com/xmp/extension/\x00")

const xmpExtHeader = 32 + 4 + 4

// isExifSegment reports whether an APP1 payload is EXIF. The identifier is
// "Exif\0\0"; the check is on the first four bytes only, so that variants
// written by careless software are removed as well.
func isExifSegment(p []byte) bool { return bytes.HasPrefix(p, []byte("Exif")) }

// isXMPSegment reports whether an APP1 payload is XMP: any Adobe namespace
// identifier, or an XMP packet without the usual identifier.
func isXMPSegment(p []byte) bool {
	return bytes.HasPrefix(p, []byte("http://ns.adobe.com/")) ||
		bytes.HasPrefix(p, []byte("XMP\x00")) ||
		bytes.Contains(p, []byte("<x:xmpmeta")) || bytes.Contains(p, []byte("<?xpacket"))
}

// jpegWalker reads a JPEG marker by marker (ITU T.81 annex B). Segments are
// at most 65535 bytes by construction (a 16-bit length), so one buffer of
// that size is all the memory it needs; the entropy-coded data after SOS is
// copied through without being held.
type jpegWalker struct {
	br      *bufio.Reader
	w       io.Writer
	mode    walkMode
	off     int64 // bytes consumed from br
	seg     []byte
	extXMP  markerScanner // extended XMP spans segments
	changed bool
	werr    error
	fill    int // 0xFF fill bytes before the current marker
}

// walkJPEG copies the JPEG in br to w, without EXIF and XMP in modeStrip; in
// modeDetect it returns errFoundLocation at the first GPS data found.
func walkJPEG(br *bufio.Reader, w io.Writer, mode walkMode) (changed bool, err error) {
	j := &jpegWalker{br: br, w: w, mode: mode, seg: make([]byte, 0xFFFF)}
	if err := j.run(); err != nil {
		return false, err
	}
	return j.changed, nil
}

func (j *jpegWalker) write(p ...byte) {
	if j.werr == nil {
		_, j.werr = j.w.Write(p)
	}
}

func (j *jpegWalker) writeErr() error {
	if j.werr != nil {
		return fmt.Errorf("writing JPEG: %w", j.werr)
	}
	return nil
}

// readErr turns a read error into one that says where the file ended.
func (j *jpegWalker) readErr(err error, inside string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return malformed(FormatJPEG, j.off, "file ends inside %s (truncated?)", inside)
	}
	return fmt.Errorf("reading JPEG at byte %d: %w", j.off, err)
}

func (j *jpegWalker) readByte(inside string) (byte, error) {
	b, err := j.br.ReadByte()
	if err != nil {
		return 0, j.readErr(err, inside)
	}
	j.off++
	return b, nil
}

// marker reads the next marker: 0xFF, optional 0xFF fill bytes (counted in
// j.fill), then the marker code, which it returns.
func (j *jpegWalker) marker() (byte, error) {
	j.fill = 0
	b, err := j.readByte("a marker")
	if err != nil {
		return 0, err
	}
	if b != 0xFF {
		return 0, malformed(FormatJPEG, j.off-1, "expected a marker (0xFF), found 0x%02X", b)
	}
	for {
		if b, err = j.readByte("a marker"); err != nil {
			return 0, err
		}
		if b != 0xFF {
			return b, nil
		}
		j.fill++
	}
}

// writeMarker writes marker m and the fill bytes that preceded it, so that
// what is kept is kept byte for byte.
func (j *jpegWalker) writeMarker(m byte) {
	for ; j.fill > 0; j.fill-- {
		j.write(0xFF)
	}
	j.write(0xFF, m)
}

func (j *jpegWalker) run() error {
	soi := make([]byte, 2)
	if _, err := io.ReadFull(j.br, soi); err != nil {
		return j.readErr(err, "the start-of-image marker")
	}
	j.off = 2
	if soi[0] != 0xFF || soi[1] != jpegSOI {
		return malformed(FormatJPEG, 0, "no start-of-image marker")
	}
	j.write(soi...)
	var m byte
	pending := false // m holds the marker that ended a scan
	for {
		if !pending {
			var err error
			if m, err = j.marker(); err != nil {
				return err
			}
		}
		pending = false
		at := j.off - 2 - int64(j.fill)
		switch {
		case m == jpegEOI:
			j.writeMarker(m)
			// Whatever follows the image (an appended video, the other
			// images of a multi-picture file, a vendor trailer) may carry
			// metadata of its own and is not part of this image: drop it,
			// and in modeDetect refuse to vouch for it.
			if _, err := j.br.Peek(1); err == nil {
				if j.mode == modeDetect {
					return errTrailer(FormatJPEG, j.off)
				}
				j.changed = true
			}
			return j.writeErr()
		case m == jpegTEM || jpegRST0 <= m && m <= jpegRST7:
			j.writeMarker(m) // standalone markers: no length, no payload
			continue
		case m == jpegSOI:
			return malformed(FormatJPEG, at, "a second start-of-image marker")
		case m == 0x00:
			return malformed(FormatJPEG, at, "0xFF00 (stuffed byte) outside scan data")
		}
		var lb [2]byte
		if _, err := io.ReadFull(j.br, lb[:]); err != nil {
			return j.readErr(err, fmt.Sprintf("the length of segment 0xFF%02X", m))
		}
		j.off += 2
		n := int(lb[0])<<8 | int(lb[1])
		if n < 2 {
			return malformed(FormatJPEG, at, "segment 0xFF%02X has length %d, less than the 2 bytes of the length itself", m, n)
		}
		payload := j.seg[:n-2]
		if _, err := io.ReadFull(j.br, payload); err != nil {
			return j.readErr(err, fmt.Sprintf("segment 0xFF%02X of %d bytes", m, n))
		}
		j.off += int64(len(payload))
		if m == jpegSOS {
			j.writeMarker(m)
			j.write(lb[0], lb[1])
			j.write(payload...)
			var err error
			if m, err = j.copyScan(); err != nil {
				return err
			}
			j.fill = 0 // copyScan copied them
			pending = true
			continue
		}
		keep, err := j.segment(m, payload, at)
		if err != nil {
			return err
		}
		if keep {
			j.writeMarker(m)
			j.write(lb[0], lb[1])
			j.write(payload...)
		} else {
			j.changed = true
		}
		if err := j.writeErr(); err != nil {
			return err
		}
	}
}

// segment decides whether a segment stays. In modeDetect it looks for GPS
// data in what would be removed, and returns errFoundLocation if found.
func (j *jpegWalker) segment(m byte, p []byte, at int64) (keep bool, err error) {
	if m != jpegAPP1 {
		return true, nil
	}
	switch {
	case isExifSegment(p):
		if j.mode == modeDetect {
			gps, err := exifHasGPS(p[min(len(p), 6):])
			if err != nil {
				return false, malformed(FormatJPEG, at, "EXIF segment: %v", err)
			}
			if gps {
				return false, errFoundLocation
			}
		}
		return false, nil
	case isXMPSegment(p):
		if j.mode == modeDetect {
			if bytes.HasPrefix(p, xmpExtID) {
				_, _ = j.extXMP.Write(p[min(len(p), len(xmpExtID)+xmpExtHeader):])
				if j.extXMP.found {
					return false, errFoundLocation
				}
			} else if hasGPSText(p) {
				return false, errFoundLocation
			}
		}
		return false, nil
	}
	return true, nil
}

// copyScan copies entropy-coded data, in which 0xFF is followed by 0x00
// (a stuffed data byte), by a restart marker, or by fill bytes, until it
// reaches another marker, which it consumes and returns.
func (j *jpegWalker) copyScan() (byte, error) {
	for {
		chunk, err := j.br.ReadSlice(0xFF)
		j.off += int64(len(chunk))
		if errors.Is(err, bufio.ErrBufferFull) {
			j.write(chunk...)
			continue
		}
		if err != nil {
			return 0, j.readErr(err, "scan data (no end-of-image marker)")
		}
		j.write(chunk[:len(chunk)-1]...)
		for {
			b, err := j.readByte("scan data (no end-of-image marker)")
			if err != nil {
				return 0, err
			}
			if b == 0xFF { // fill byte: copied, look at the next one
				j.write(0xFF)
				continue
			}
			if b == 0x00 || jpegRST0 <= b && b <= jpegRST7 {
				j.write(0xFF, b)
				break
			}
			return b, j.writeErr()
		}
		if err := j.writeErr(); err != nil {
			return 0, err
		}
	}
}
