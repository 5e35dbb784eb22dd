package blobsync

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/kithnet/kith/internal/blob"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the tables in the tests")

const vectorPath = "testdata/vectors.json"

// vectorFile is the layout of testdata/vectors.json, the test vectors of
// doc/protocol/blobsync.md for other implementations.
type vectorFile struct {
	Comment string          `json:"comment"`
	Valid   []validVector   `json:"valid"`
	Invalid []invalidVector `json:"invalid"`
}

type validVector struct {
	Name    string         `json:"name"`
	Hex     string         `json:"hex"`
	Message map[string]any `json:"message"`
}

type invalidVector struct {
	Name  string `json:"name"`
	Hex   string `json:"hex"`
	Error string `json:"error"`
}

var (
	idABC   = blob.Sum([]byte("abc"))
	idEmpty = blob.Sum(nil)
)

// validMessages are the valid vectors; the names of the first seven are
// the examples of doc/protocol/blobsync.md.
var validMessages = []struct {
	name string
	m    message
}{
	{"QUERY [abc]", message{Kind: kindQuery, IDs: []blob.ID{idABC}}},
	{"HAVE [3]", message{Kind: kindHave, Sizes: []int64{3}}},
	{"HAVE [absent]", message{Kind: kindHave, Sizes: []int64{absent}}},
	{"GET abc 0", message{Kind: kindGet, ID: idABC}},
	{"BLOB abc, size 3, offset 0", message{Kind: kindBlob, ID: idABC, Size: 3}},
	{`DATA "abc"`, message{Kind: kindData, Data: []byte("abc")}},
	{`ERROR 4 "busy"`, message{Kind: kindError, Code: codeBusy, Text: "busy"}},
	{"QUERY [empty, abc]", message{Kind: kindQuery, IDs: []blob.ID{idEmpty, idABC}}},
	{"HAVE with every integer width", message{Kind: kindHave, Sizes: []int64{0, 23, 24, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, maxInt, absent}}},
	{"GET abc from offset 1", message{Kind: kindGet, ID: idABC, Offset: 1}},
	{"BLOB empty, size 0, offset 0", message{Kind: kindBlob, ID: idEmpty}},
	{"BLOB abc, size 3, offset 3", message{Kind: kindBlob, ID: idABC, Size: 3, Offset: 3}},
	{"NOT_FOUND abc", message{Kind: kindNotFound, ID: idABC}},
	{`ERROR 1 ""`, message{Kind: kindError, Code: codeViolation}},
	{`ERROR 3 "blob cannot be read: é"`, message{Kind: kindError, Code: codeUnavailable, Text: "blob cannot be read: é"}},
}

// invalidMessages are framed messages that must be rejected; hex spaces
// are for reading only.
var invalidMessages = []struct{ name, hex string }{
	{"length 0", "00000000"},
	{"length over 70000", "00011171"},
	{"ends inside the length", "0000"},
	{"ends inside the body", "00000005 8201"},
	{"not an array", "00000001 00"},
	{"empty array", "00000001 80"},
	{"indefinite array", "00000004 9f0103ff"},
	{"unknown kind", "00000002 8107"},
	{"kind as text", "00000003 826130"},
	{"kind not in shortest form", "00000005 82180181f6"},
	{"too few elements", "00000002 8102"},
	{"too many elements", "00000005 8301810300"},
	{"QUERY with no ids", "00000003 820080"},
	{"QUERY with 257 ids", "00000005 8200990101"},
	{"QUERY id of 31 bytes", "00000024 82008158 1f" + strings.Repeat("00", 31)},
	{"QUERY id as text", "00000025 82008178 20" + strings.Repeat("61", 32)},
	{"HAVE size negative", "00000004 82018120"},
	{"HAVE size over 2^63-1", "0000000c 8201811b 8000000000000000"},
	{"HAVE size as float", "00000006 820181f9 0000"},
	{"HAVE size not in shortest form", "00000006 82018119 00ff"},
	{"HAVE size undefined", "00000004 820181f7"},
	{"HAVE trailing byte", "00000005 82018103 00"},
	{"GET id null", "00000004 8302f600"},
	{"GET without offset", "00000024 8202 5820" + strings.Repeat("00", 32)},
	{"BLOB size tagged", "00000027 8403 5820" + strings.Repeat("00", 32) + "c003 00"},
	{"DATA empty", "00000003 820440"},
	{"DATA over 65536 bytes", "00000007 82045a 00010001"},
	{"DATA length past the end", "00000005 8204 43 6162"},
	{"DATA indefinite bytes", "00000006 82045f 4161ff"},
	{"NOT_FOUND 33-byte id", "00000025 8205 5821" + strings.Repeat("00", 33)},
	{"ERROR text not UTF-8", "00000005 83060161ff"},
	{"ERROR text over 200 bytes", "00000005 83060178c9"},
	{"ERROR text as bytes", "00000005 8306014161"},
	{"map", "00000003 a10000"},
}

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// view is the JSON form of m in the vectors file.
func view(m message) map[string]any {
	v := map[string]any{"kind": m.Kind.String()}
	switch m.Kind {
	case kindQuery:
		ids := []string{}
		for _, id := range m.IDs {
			ids = append(ids, id.Hex())
		}
		v["ids"] = ids
	case kindHave:
		sizes := []any{}
		for _, n := range m.Sizes {
			if n == absent {
				sizes = append(sizes, nil)
			} else {
				sizes = append(sizes, json.Number(jsonInt(n)))
			}
		}
		v["sizes"] = sizes
	case kindGet:
		v["id"], v["offset"] = m.ID.Hex(), json.Number(jsonInt(m.Offset))
	case kindBlob:
		v["id"], v["size"], v["offset"] = m.ID.Hex(), json.Number(jsonInt(m.Size)), json.Number(jsonInt(m.Offset))
	case kindData:
		v["data"] = hex.EncodeToString(m.Data)
	case kindNotFound:
		v["id"] = m.ID.Hex()
	case kindError:
		v["code"], v["text"] = json.Number(jsonInt(int64(m.Code))), m.Text
	}
	return v
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// decodeFramed reads one framed message from b and requires nothing after
// it.
func decodeFramed(b []byte) (message, error) {
	r := newFrameReader(bytes.NewReader(b))
	m, err := r.next()
	if err != nil {
		return message{}, err
	}
	if _, err := r.next(); err == nil {
		return message{}, errExtraFrame
	}
	return m, nil
}

var errExtraFrame = errorString("more than one message")

type errorString string

func (e errorString) Error() string { return string(e) }

func buildVectors(t *testing.T) vectorFile {
	f := vectorFile{Comment: "Test vectors for doc/protocol/blobsync.md. hex: one framed message (4-byte big-endian length, then the body). valid: messages that decode to message (ids in hex, data in hex, null size = absent) and that the encoder produces byte for byte. invalid: framed messages a receiver must reject; error is this implementation's message."}
	for _, v := range validMessages {
		f.Valid = append(f.Valid, validVector{Name: v.name, Hex: hex.EncodeToString(frame(encode(v.m))), Message: view(v.m)})
	}
	for _, v := range invalidMessages {
		_, err := decodeFramed(mustHex(t, v.hex))
		if err == nil {
			t.Fatalf("invalid vector %q decodes", v.name)
		}
		f.Invalid = append(f.Invalid, invalidVector{Name: v.name, Hex: strings.ReplaceAll(v.hex, " ", ""), Error: err.Error()})
	}
	return f
}

// TestVectors checks testdata/vectors.json against the code: every valid
// vector decodes to its message and re-encodes to its bytes, every invalid
// one is rejected with its error.
func TestVectors(t *testing.T) {
	built := buildVectors(t)
	want, err := json.MarshalIndent(built, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile(vectorPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(vectorPath)
	if err != nil {
		t.Fatalf("%v (run go test -run Vectors -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the vectors the code produces; if the change is intended, run go test -run Vectors -update", vectorPath)
	}

	var file vectorFile
	d := json.NewDecoder(bytes.NewReader(got))
	d.UseNumber()
	if err := d.Decode(&file); err != nil {
		t.Fatal(err)
	}
	for _, v := range file.Valid {
		b := mustHex(t, v.Hex)
		m, err := decodeFramed(b)
		if err != nil {
			t.Errorf("%s: %v", v.Name, err)
			continue
		}
		if g, w := mustJSON(t, view(m)), mustJSON(t, v.Message); g != w {
			t.Errorf("%s: decodes to %s, want %s", v.Name, g, w)
		}
		if again := frame(encode(m)); !bytes.Equal(again, b) {
			t.Errorf("%s: re-encodes to %x, want %x", v.Name, again, b)
		}
	}
	for _, v := range file.Invalid {
		_, err := decodeFramed(mustHex(t, v.Hex))
		if err == nil || err.Error() != v.Error {
			t.Errorf("%s: error %v, want %q", v.Name, err, v.Error)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestVectorsAreCanonicalCBOR checks the valid vectors with an independent
// CBOR implementation: each body is one well-formed data item that core
// deterministic encoding reproduces byte for byte.
func TestVectorsAreCanonicalCBOR(t *testing.T) {
	enc, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := cbor.DecOptions{IndefLength: cbor.IndefLengthForbidden, UTF8: cbor.UTF8RejectInvalid}.DecMode()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range validMessages {
		body := encode(v.m)
		var x any
		if err := dec.Unmarshal(body, &x); err != nil {
			t.Errorf("%s: %x does not decode as CBOR: %v", v.name, body, err)
			continue
		}
		again, err := enc.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, body) {
			t.Errorf("%s: %x is not canonical; core deterministic encoding gives %x", v.name, body, again)
		}
	}
}

// TestDocExamples checks the examples table of doc/protocol/blobsync.md
// against the vectors.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../doc/protocol/blobsync.md")
	if err != nil {
		t.Fatal(err)
	}
	_, examples, ok := strings.Cut(string(doc), "### Examples")
	if !ok {
		t.Fatal("blobsync.md has no Examples section")
	}
	examples, _, _ = strings.Cut(examples, "\n## ")
	row := regexp.MustCompile("(?m)^\\| ([^|]+) \\| `([0-9a-f ]+)` \\|$")
	rows := row.FindAllStringSubmatch(examples, -1)
	if len(rows) != 7 {
		t.Fatalf("found %d example rows, want 7", len(rows))
	}
	for i, r := range rows {
		v := validMessages[i]
		if r[1] != v.name {
			t.Errorf("example %d is %q, want %q", i+1, r[1], v.name)
		}
		if got, want := strings.ReplaceAll(r[2], " ", ""), hex.EncodeToString(frame(encode(v.m))); got != want {
			t.Errorf("example %q: the doc says %s, the code encodes %s", v.name, got, want)
		}
	}
}
