package cli

import (
	"fmt"
	"io"
	"strings"

	"rsc.io/qr"
)

// qrQuietZone is the light margin around a QR code, in modules, that the
// standard asks for.
const qrQuietZone = 4

// ANSI escapes that draw black on bright white, and reset.
const (
	ansiBlackOnWhite = "\x1b[30;107m"
	ansiReset        = "\x1b[0m"
)

// drawQR writes text as a QR code made of half-block characters, two rows
// of modules per line, with the quiet zone around it. With color, every
// line is drawn black on bright white, so the code reads the same on dark
// and light terminals; without, the dark modules are drawn in the
// terminal's text color, as on paper (for a dark text on a light
// background).
func drawQR(w io.Writer, text string, color bool) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		// Less error correction holds more.
		if code, err = qr.Encode(text, qr.L); err != nil {
			return fmt.Errorf("the code is too long for a QR code (%d bytes): %v", len(text), err)
		}
	}
	dark := func(x, y int) bool { return code.Black(x-qrQuietZone, y-qrQuietZone) }
	side := code.Size + 2*qrQuietZone
	var sb strings.Builder
	for y := 0; y < side; y += 2 {
		if color {
			sb.WriteString(ansiBlackOnWhite)
		}
		for x := 0; x < side; x++ {
			// Below the last row is light.
			sb.WriteString(halfBlock(dark(x, y), y+1 < side && dark(x, y+1)))
		}
		if color {
			sb.WriteString(ansiReset)
		}
		sb.WriteByte('\n')
	}
	_, err = io.WriteString(w, sb.String())
	return err
}

// halfBlock is the character that shows two modules, one above the
// other, with the dark ones in the text color.
func halfBlock(top, bottom bool) string {
	switch {
	case top && bottom:
		return "█"
	case top:
		return "▀"
	case bottom:
		return "▄"
	}
	return " "
}
