package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"rsc.io/qr"
)

// readQR turns drawQR's output back into modules: true is dark.
func readQR(t *testing.T, out string, color bool) [][]bool {
	t.Helper()
	var rows [][]bool
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if color {
			if !strings.HasPrefix(line, ansiBlackOnWhite) || !strings.HasSuffix(line, ansiReset) {
				t.Fatalf("line %q is not drawn black on white", line)
			}
			line = strings.TrimSuffix(strings.TrimPrefix(line, ansiBlackOnWhite), ansiReset)
		}
		var top, bottom []bool
		for _, r := range line {
			switch r {
			case '█':
				top, bottom = append(top, true), append(bottom, true)
			case '▀':
				top, bottom = append(top, true), append(bottom, false)
			case '▄':
				top, bottom = append(top, false), append(bottom, true)
			case ' ':
				top, bottom = append(top, false), append(bottom, false)
			default:
				t.Fatalf("unexpected character %q in %q", r, line)
			}
		}
		rows = append(rows, top, bottom)
	}
	return rows
}

func TestDrawQR(t *testing.T) {
	for _, text := range []string{"kith", strings.Repeat("KITH1-", 80)} {
		for _, color := range []bool{true, false} {
			var b bytes.Buffer
			if err := drawQR(&b, text, color); err != nil {
				t.Fatal(err)
			}
			code, err := qr.Encode(text, qr.M)
			if err != nil {
				t.Fatal(err)
			}
			rows := readQR(t, b.String(), color)
			side := code.Size + 2*qrQuietZone
			if len(rows) != side+side%2 {
				t.Fatalf("%d module rows, want %d", len(rows), side+side%2)
			}
			for y, row := range rows {
				if len(row) != side {
					t.Fatalf("row %d has %d modules, want %d", y, len(row), side)
				}
				for x, dark := range row {
					// Outside the code (quiet zone, padding row) is light.
					if want := code.Black(x-qrQuietZone, y-qrQuietZone); dark != want {
						t.Fatalf("module (%d,%d) dark=%v, want %v", x, y, dark, want)
					}
				}
			}
		}
	}
	var b bytes.Buffer
	if err := drawQR(&b, strings.Repeat("x", 3000), true); err == nil || !strings.Contains(err.Error(), "too long for a QR code (3000 bytes)") {
		t.Errorf("a text too long: %v", err)
	}
}

func TestParseTTL(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"1m", time.Minute, ""},
		{"90m", 90 * time.Minute, ""},
		{"24h", 24 * time.Hour, ""},
		{"7d", 7 * 24 * time.Hour, ""},
		{"30d", 30 * 24 * time.Hour, ""},
		{"720h", 720 * time.Hour, ""},
		{"59s", 0, "59s is not between 1m and 30d"},
		{"0d", 0, "0d is not between 1m and 30d"},
		{"-1d", 0, "-1d is not between 1m and 30d"},
		{"31d", 0, "31d is not between 1m and 30d"},
		{"9999999999999d", 0, "9999999999999d is not between 1m and 30d"},
		{"721h", 0, "721h is not between 1m and 30d"},
		{"90m500ms", 0, "90m500ms is not a whole number of seconds"},
		{"d", 0, `"d" is not a duration such as 90m, 2h or 7d`},
		{"1w", 0, `"1w" is not a duration such as 90m, 2h or 7d`},
		{"", 0, `"" is not a duration such as 90m, 2h or 7d`},
	} {
		got, err := parseTTL(c.in)
		if c.err == "" {
			if err != nil || got != c.want {
				t.Errorf("parseTTL(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
			continue
		}
		if err == nil || err.Error() != c.err {
			t.Errorf("parseTTL(%q) error %v, want %q", c.in, err, c.err)
		}
	}
}
