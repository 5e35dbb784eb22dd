package blob

import (
	"encoding/json"
	"strings"
	"testing"
)

// Test vectors: SHA-256 of "" and "abc" (FIPS 180-2), and their text forms.
// The text forms are repeated in doc/protocol/blob.md.
const (
	emptyHex  = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	emptyText = "blob_4oymiquy7qobjgx36tejs35zeqt24qpemsnzgtfeswmrw6csxbk5jbdlou"
	abcHex    = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	abcText   = "blob_xj4bnp4pahh6uqkbidpf3lrceoyagyndsylxvhfucd7wd4qacww57hxkbe"
)

func TestIDVectors(t *testing.T) {
	for _, tc := range []struct {
		in       string
		hex, txt string
	}{
		{"", emptyHex, emptyText},
		{"abc", abcHex, abcText},
	} {
		id := Sum([]byte(tc.in))
		if got := id.Hex(); got != tc.hex {
			t.Errorf("Sum(%q).Hex() = %s, want %s", tc.in, got, tc.hex)
		}
		if got := id.String(); got != tc.txt {
			t.Errorf("Sum(%q).String() = %s, want %s", tc.in, got, tc.txt)
		}
		if id.IsZero() {
			t.Errorf("Sum(%q).IsZero() = true", tc.in)
		}
		back, err := ParseID(tc.txt)
		if err != nil || back != id {
			t.Errorf("ParseID(%s) = %s, %v; want %s", tc.txt, back.Hex(), err, tc.hex)
		}
		back, err = ParseHex(tc.hex)
		if err != nil || back != id {
			t.Errorf("ParseHex(%s) = %s, %v; want %s", tc.hex, back.Hex(), err, tc.hex)
		}
	}
	if !(ID{}).IsZero() {
		t.Error("ID{}.IsZero() = false")
	}
}

func TestParseID(t *testing.T) {
	abc := Sum([]byte("abc"))
	for _, tc := range []struct {
		name, in string
		want     ID
		errHas   string // "" means no error
	}{
		{"canonical", abcText, abc, ""},
		{"upper case", strings.ToUpper(abcText), abc, ""},
		{"spaces", "  " + abcText + "\n", abc, ""},
		{"empty", "", ID{}, "has no \"blob_\" prefix"},
		{"entry id", "ent_" + abcText[5:], ID{}, "expected a blob id (blob_…), got an entry id"},
		{"unknown prefix", "xyz_" + abcText[5:], ID{}, "unknown prefix \"xyz_\""},
		{"cut off", abcText[:40], ID{}, "has 35 characters after \"blob_\", want 58"},
		{"typo", abcText[:10] + "a" + abcText[11:], ID{}, "checksum does not match"},
		{"bad alphabet", abcText[:10] + "1" + abcText[11:], ID{}, "outside a-z and 2-7"},
		{"hex is not the text form", abcHex, ID{}, "has no \"blob_\" prefix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseID(tc.in)
			if tc.errHas == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseID(%q) = %s, %v; want %s", tc.in, got.Hex(), err, tc.want.Hex())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("ParseID(%q) error = %v, want it to contain %q", tc.in, err, tc.errHas)
			}
			if !got.IsZero() {
				t.Fatalf("ParseID(%q) returned %s with an error", tc.in, got.Hex())
			}
		})
	}
}

func TestParseHex(t *testing.T) {
	for _, tc := range []struct {
		in     string
		errHas string
	}{
		{abcHex, ""},
		{strings.ToUpper(abcHex), "character 1 ('B') is not a lowercase hexadecimal digit"},
		{abcHex[:63], "has 63 characters, want 64"},
		{abcHex + "0", "has 65 characters, want 64"},
		{abcHex[:10] + "g" + abcHex[11:], "character 11 ('g')"},
		{"", "has 0 characters"},
	} {
		_, err := ParseHex(tc.in)
		if tc.errHas == "" {
			if err != nil {
				t.Errorf("ParseHex(%q): %v", tc.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("ParseHex(%q) error = %v, want it to contain %q", tc.in, err, tc.errHas)
		}
	}
}

func TestIDJSON(t *testing.T) {
	type doc struct {
		Blob ID `json:"blob"`
	}
	b, err := json.Marshal(doc{Sum([]byte("abc"))})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"blob":"` + abcText + `"}`; string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var d doc
	if err := json.Unmarshal(b, &d); err != nil || d.Blob != Sum([]byte("abc")) {
		t.Fatalf("round trip = %s, %v", d.Blob.Hex(), err)
	}
	if err := json.Unmarshal([]byte(`{"blob":"`+abcHex+`"}`), &d); err == nil {
		t.Fatal("hex accepted as a blob id in JSON")
	}
}
