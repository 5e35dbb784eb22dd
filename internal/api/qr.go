package api

import (
	"fmt"
	"strconv"
	"strings"

	"rsc.io/qr"
)

// qrQuietZone is the light margin around a QR code, in modules, that the
// standard asks for.
const qrQuietZone = 4

// qrSVG draws text as a QR code in an SVG document: a white square with
// the quiet zone, and one path of the dark modules, one module per user
// unit of the viewBox. The error correction is that of the terminal's QR
// code (kith invite): M, or L when M cannot hold the text.
func qrSVG(text string) (string, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		// Less error correction holds more.
		if code, err = qr.Encode(text, qr.L); err != nil {
			return "", fmt.Errorf("the code is too long for a QR code (%d bytes): %v", len(text), err)
		}
	}
	side := strconv.Itoa(code.Size + 2*qrQuietZone)
	var d strings.Builder
	// Each run of dark modules in a row is one rectangle, one module high.
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; {
			if !code.Black(x, y) {
				x++
				continue
			}
			run := 1
			for code.Black(x+run, y) {
				run++
			}
			fmt.Fprintf(&d, "M%d %dh%dv1h-%dz", x+qrQuietZone, y+qrQuietZone, run, run)
			x += run
		}
	}
	var sb strings.Builder
	sb.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + side + ` ` + side + `"`)
	sb.WriteString(` shape-rendering="crispEdges" role="img" aria-label="QR code of the invite">`)
	sb.WriteString(`<rect width="` + side + `" height="` + side + `" fill="#fff"/>`)
	sb.WriteString(`<path fill="#000" d="` + d.String() + `"/>`)
	sb.WriteString(`</svg>`)
	return sb.String(), nil
}
