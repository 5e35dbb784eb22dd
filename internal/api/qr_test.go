package api

import (
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rsc.io/qr"
)

func TestQRSVG(t *testing.T) {
	for _, text := range []string{"x", "kith1-" + strings.Repeat("abcdefgh", 40)} {
		svg, err := qrSVG(text)
		if err != nil {
			t.Fatal(err)
		}
		code, err := qr.Encode(text, qr.M)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			XMLName xml.Name `xml:"http://www.w3.org/2000/svg svg"`
			ViewBox string   `xml:"viewBox,attr"`
			Role    string   `xml:"role,attr"`
			Label   string   `xml:"aria-label,attr"`
			Rect    struct {
				Width  string `xml:"width,attr"`
				Height string `xml:"height,attr"`
				Fill   string `xml:"fill,attr"`
			} `xml:"rect"`
			Paths []struct {
				D string `xml:"d,attr"`
			} `xml:"path"`
		}
		dec := xml.NewDecoder(strings.NewReader(svg))
		dec.Strict = true
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		side := strconv.Itoa(code.Size + 2*qrQuietZone)
		if doc.ViewBox != "0 0 "+side+" "+side {
			t.Errorf("viewBox %q, want a side of %s", doc.ViewBox, side)
		}
		if doc.Rect.Width != side || doc.Rect.Height != side || doc.Rect.Fill != "#fff" {
			t.Errorf("background %+v, want white %s×%s", doc.Rect, side, side)
		}
		if doc.Role != "img" || doc.Label == "" {
			t.Errorf("role %q, aria-label %q", doc.Role, doc.Label)
		}
		if len(doc.Paths) != 1 {
			t.Fatalf("%d paths, want 1", len(doc.Paths))
		}
		// Every subpath is a run of dark modules: "Mx yhNv1h-Nz".
		run := regexp.MustCompile(`^M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
		d := doc.Paths[0].D
		drawn := map[[2]int]bool{}
		for d != "" {
			m := run.FindStringSubmatch(d)
			if m == nil || m[3] != m[4] {
				t.Fatalf("unexpected path data at %q", d)
			}
			x, _ := strconv.Atoi(m[1])
			y, _ := strconv.Atoi(m[2])
			n, _ := strconv.Atoi(m[3])
			for i := range n {
				p := [2]int{x + i - qrQuietZone, y - qrQuietZone}
				if drawn[p] || !code.Black(p[0], p[1]) {
					t.Fatalf("module %v drawn twice or not dark", p)
				}
				drawn[p] = true
			}
			d = d[len(m[0]):]
		}
		black := 0
		for y := range code.Size {
			for x := range code.Size {
				if code.Black(x, y) {
					black++
				}
			}
		}
		if len(drawn) != black {
			t.Errorf("%d dark modules drawn, the code has %d", len(drawn), black)
		}
	}
}
