package blob

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// pngWalker reads a PNG chunk by chunk (PNG specification, 3rd edition,
// section 5). Metadata chunks are read into memory (at most maxMetaChunk
// bytes) to be inspected; all other chunks are copied through as a stream
// while their CRC is computed.
type pngWalker struct {
	br      *bufio.Reader
	w       *errWriter
	mode    walkMode
	off     int64
	meta    bytes.Buffer
	changed bool
	// inflateBudget is what is left of maxInflatedTotal for this file.
	inflateBudget int64
}

// errWriter remembers the first error of the writer it wraps, so that a
// failed copy can be blamed on the right side.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// walkPNG copies the PNG in br to w, without location metadata in modeStrip;
// in modeDetect it returns errFoundLocation at the first GPS data found.
func walkPNG(br *bufio.Reader, w io.Writer, mode walkMode) (changed bool, err error) {
	p := &pngWalker{br: br, w: &errWriter{w: w}, mode: mode, inflateBudget: maxInflatedTotal}
	if err := p.run(); err != nil {
		return false, err
	}
	return p.changed, nil
}

func (p *pngWalker) readErr(err error, inside string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return malformed(FormatPNG, p.off, "file ends inside %s (truncated?)", inside)
	}
	return fmt.Errorf("reading PNG at byte %d: %w", p.off, err)
}

func (p *pngWalker) writeErr() error {
	if p.w.err != nil {
		return fmt.Errorf("writing PNG: %w", p.w.err)
	}
	return nil
}

func (p *pngWalker) run() error {
	var sig [8]byte
	if _, err := io.ReadFull(p.br, sig[:]); err != nil {
		return p.readErr(err, "the signature")
	}
	if !bytes.Equal(sig[:], pngSignature) {
		return malformed(FormatPNG, 0, "bad signature")
	}
	p.off = 8
	_, _ = p.w.Write(sig[:])
	for {
		at := p.off
		var hdr [8]byte
		if _, err := io.ReadFull(p.br, hdr[:]); err != nil {
			if err == io.EOF {
				return malformed(FormatPNG, at, "file ends without an IEND chunk (truncated?)")
			}
			return p.readErr(err, "a chunk header")
		}
		p.off += 8
		length := binary.BigEndian.Uint32(hdr[:4])
		typ := string(hdr[4:])
		for i := 4; i < 8; i++ {
			if c := hdr[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
				return malformed(FormatPNG, at, "chunk type %q is not four ASCII letters", hdr[4:])
			}
		}
		if length > 1<<31-1 {
			return malformed(FormatPNG, at, "%s chunk has length %d, over the PNG maximum of 2^31-1", typ, length)
		}
		crc := crc32.NewIEEE()
		crc.Write(hdr[4:])
		what := fmt.Sprintf("the %s chunk of %d bytes", typ, length)

		if isPNGMeta(typ) {
			if length > maxMetaChunk {
				return malformed(FormatPNG, at, "%s chunk of %d bytes is over the limit of %s for metadata chunks", typ, length, humanSize(maxMetaChunk))
			}
			p.meta.Reset()
			n, err := io.CopyN(&p.meta, p.br, int64(length)+4)
			p.off += n
			if err != nil {
				return p.readErr(err, what)
			}
			b := p.meta.Bytes()
			data, sum := b[:length], b[length:]
			crc.Write(data)
			if crc.Sum32() != binary.BigEndian.Uint32(sum) {
				return malformed(FormatPNG, at, "%s chunk has a bad CRC (damaged file)", typ)
			}
			keep, err := p.inspect(typ, data, at)
			if err != nil {
				return err
			}
			if keep {
				_, _ = p.w.Write(hdr[:])
				_, _ = p.w.Write(b)
			} else {
				p.changed = true
			}
			if err := p.writeErr(); err != nil {
				return err
			}
			continue
		}

		_, _ = p.w.Write(hdr[:])
		n, err := io.CopyN(io.MultiWriter(p.w, crc), p.br, int64(length))
		p.off += n
		if err != nil {
			if p.w.err != nil {
				return p.writeErr()
			}
			return p.readErr(err, what)
		}
		var sum [4]byte
		if _, err := io.ReadFull(p.br, sum[:]); err != nil {
			return p.readErr(err, what)
		}
		p.off += 4
		if crc.Sum32() != binary.BigEndian.Uint32(sum[:]) {
			return malformed(FormatPNG, at, "%s chunk has a bad CRC (damaged file)", typ)
		}
		_, _ = p.w.Write(sum[:])
		if err := p.writeErr(); err != nil {
			return err
		}
		if typ == "IEND" {
			// Whatever follows IEND is not part of the image and may be
			// anything, including metadata: drop it, and in modeDetect
			// refuse to vouch for it.
			if _, err := p.br.Peek(1); err == nil {
				if p.mode == modeDetect {
					return errTrailer(FormatPNG, p.off)
				}
				p.changed = true
			}
			return nil
		}
	}
}

// isPNGMeta reports whether chunks of type typ are inspected: EXIF and the
// three kinds of text chunk.
func isPNGMeta(typ string) bool {
	switch typ {
	case "eXIf", "tEXt", "zTXt", "iTXt":
		return true
	}
	return false
}

// inspect decides whether a metadata chunk stays. In modeDetect it returns
// errFoundLocation if the chunk holds GPS data.
func (p *pngWalker) inspect(typ string, data []byte, at int64) (keep bool, err error) {
	if typ == "eXIf" {
		if p.mode == modeDetect {
			gps, err := exifHasGPS(data)
			if err != nil {
				return false, malformed(FormatPNG, at, "eXIf chunk: %v", err)
			}
			if gps {
				return false, errFoundLocation
			}
		}
		return false, nil
	}
	meta, gps, err := pngTextLocation(typ, data, p.mode, &p.inflateBudget)
	if p.mode == modeStrip {
		// Drop what is EXIF or XMP, what mentions GPS, and what cannot be
		// read (and so not be checked).
		return !meta && !gps && err == nil, nil
	}
	switch {
	case err != nil:
		return false, malformed(FormatPNG, at, "%s chunk: %v", typ, err)
	case gps:
		return false, errFoundLocation
	}
	return true, nil
}

// pngTextLocation examines a tEXt, zTXt or iTXt chunk. meta says it is XMP
// or EXIF by its keyword (and is dropped by StripLocation whatever it
// holds); gps says it holds GPS data. In modeStrip, a chunk found to be meta
// is not examined further. Decompressed text counts against *budget.
func pngTextLocation(typ string, data []byte, mode walkMode, budget *int64) (meta, gps bool, err error) {
	kw, rest, ok := bytes.Cut(data, []byte{0})
	if !ok || len(kw) == 0 || len(kw) > 79 {
		return false, false, fmt.Errorf("no keyword of 1 to 79 bytes ending in a zero byte")
	}
	lkw := strings.ToLower(string(kw))
	const rawProfile = "raw profile type " // ImageMagick's hex-encoded profiles
	profile, isRaw := strings.CutPrefix(lkw, rawProfile)
	meta = lkw == "xml:com.adobe.xmp" || isRaw && (profile == "exif" || profile == "app1" || profile == "xmp")
	if meta && mode == modeStrip {
		return true, false, nil
	}

	text, err := pngTextReader(typ, rest, budget)
	if err != nil {
		return meta, false, err
	}
	if !isRaw {
		gps, err = scanGPSText(text)
		return meta, gps, err
	}
	b, err := readRawProfile(text)
	if err != nil {
		return meta, false, err
	}
	if profile == "exif" || profile == "app1" {
		gps, err = exifHasGPS(b)
		return meta, gps, err
	}
	return meta, hasGPSText(b), nil
}

// pngTextReader returns the text of a chunk after its keyword, decompressed
// if it is compressed. The reader fails after maxTextInflated bytes, or when
// the file's decompression budget runs out.
func pngTextReader(typ string, rest []byte, budget *int64) (io.Reader, error) {
	switch typ {
	case "tEXt":
		return bytes.NewReader(rest), nil
	case "zTXt":
		if len(rest) < 1 || rest[0] != 0 {
			return nil, fmt.Errorf("unknown compression method")
		}
		return inflate(rest[1:], budget)
	}
	// iTXt: compression flag, compression method, language tag, 0,
	// translated keyword, 0, text.
	if len(rest) < 2 {
		return nil, fmt.Errorf("too short")
	}
	flag, method := rest[0], rest[1]
	_, rest, ok1 := bytes.Cut(rest[2:], []byte{0})
	_, rest, ok2 := bytes.Cut(rest, []byte{0})
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("language tag or translated keyword not terminated")
	}
	switch {
	case flag == 0:
		return bytes.NewReader(rest), nil
	case flag == 1 && method == 0:
		return inflate(rest, budget)
	}
	return nil, fmt.Errorf("unknown compression flag %d or method %d", flag, method)
}

func inflate(b []byte, budget *int64) (io.Reader, error) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("compressed text: %v", err)
	}
	return &budgetReader{r: zr, budget: budget}, nil
}

// budgetReader stops with an error when the bytes read from it exceed what
// is left of *budget, and deducts what it reads. Decompressing text is the
// one place where a small file costs much work; the budget bounds it per
// file, not only per chunk.
type budgetReader struct {
	r      io.Reader
	budget *int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if *b.budget <= 0 {
		return 0, fmt.Errorf("the file's compressed text decompresses to more than %s in total", humanSize(maxInflatedTotal))
	}
	if int64(len(p)) > *b.budget {
		p = p[:*b.budget]
	}
	n, err := b.r.Read(p)
	*b.budget -= int64(n)
	return n, err
}

// scanGPSText streams text (at most maxTextInflated bytes) through a
// markerScanner.
func scanGPSText(text io.Reader) (bool, error) {
	var m markerScanner
	n, err := io.Copy(&m, io.LimitReader(text, maxTextInflated+1))
	if err != nil {
		return false, fmt.Errorf("compressed text: %v", err)
	}
	if n > maxTextInflated {
		return false, fmt.Errorf("text is longer than %s", humanSize(maxTextInflated))
	}
	return m.found, nil
}

// readRawProfile decodes ImageMagick's "Raw profile type …" text:
// "\n" name "\n" length (padded with spaces) "\n" hex digits broken into
// lines.
func readRawProfile(text io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(text, maxTextInflated+1))
	if err != nil {
		return nil, fmt.Errorf("compressed text: %v", err)
	}
	if len(b) > maxTextInflated {
		return nil, fmt.Errorf("text is longer than %s", humanSize(maxTextInflated))
	}
	b = bytes.TrimLeft(b, "\n")
	_, b, ok := bytes.Cut(b, []byte("\n")) // profile name
	if !ok {
		return nil, fmt.Errorf("raw profile has no length line")
	}
	b = bytes.TrimLeft(b, " ")
	var want int
	for len(b) > 0 && '0' <= b[0] && b[0] <= '9' {
		want = want*10 + int(b[0]-'0')
		if want > maxTextInflated {
			return nil, fmt.Errorf("raw profile claims more than %s", humanSize(maxTextInflated))
		}
		b = b[1:]
	}
	out := make([]byte, 0, min(want, len(b)/2))
	var hi byte
	half := false
	for _, c := range b {
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		case c == '\n' || c == '\r' || c == ' ' || c == '\t':
			continue
		default:
			return nil, fmt.Errorf("raw profile holds %q, not a hexadecimal digit", c)
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half || len(out) != want {
		return nil, fmt.Errorf("raw profile claims %d bytes but holds %d hexadecimal digits", want, 2*len(out)+btoi(half))
	}
	return out, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
