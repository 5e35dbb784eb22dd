package client

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
)

var errorBodies = []struct {
	status     int
	body       string
	code, want string
}{
	{404, `{"error":{"code":"not_found","message":"entry x is not held here"}}`, "not_found", "entry x is not held here"},
	{500, `{"error":{"code":"","message":"m"}}`, "failed", `the node answered 500 Internal Server Error: "{\"error\"`},
	{502, `<html>bad gateway</html>`, "failed", `the node answered 502 Bad Gateway: "<html>bad gateway</html>"`},
	{400, strings.Repeat("x", 300), "failed", strings.Repeat("x", 200) + "…"},
	{404, ``, "failed", `the node answered 404 Not Found: ""`},
}

func TestDecodeError(t *testing.T) {
	for _, c := range errorBodies {
		e := decodeError(c.status, []byte(c.body))
		if e.Code != c.code || !strings.Contains(e.Message, c.want) {
			t.Errorf("decodeError(%d, %q) = %+v, want %s containing %q", c.status, c.body, e, c.code, c.want)
		}
	}
}

func FuzzDecodeError(f *testing.F) {
	for _, c := range errorBodies {
		f.Add(c.status, []byte(c.body))
	}
	f.Add(500, []byte(`{"error":null}`))
	f.Add(418, []byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := decodeError(status, body)
		if e == nil || e.Code == "" {
			t.Fatalf("decodeError(%d, %q) = %+v", status, body, e)
		}
	})
}

var importSeeds = []string{
	`{"progress":{"entries_new":1}}` + "\n" + `{"result":{"entries_new":2,"bytes_read":9}}` + "\n",
	`{"result":{"entries_new":4},"error":{"code":"bad_bundle","message":"truncated"}}`,
	`{"error":{"code":"failed","message":"boom"}}` + "\n",
	`{"progress":{}}` + "\n",
	"\n\n" + `{"result":{}}`,
	`{}`,
	`not json`,
	``,
}

func TestReadImportAnswer(t *testing.T) {
	var seen []int
	st, err := readImportAnswer(strings.NewReader(importSeeds[0]), func(p wire.ImportStats) { seen = append(seen, p.EntriesNew) })
	if err != nil || st.EntriesNew != 2 || st.Bytes != 9 || len(seen) != 1 || seen[0] != 1 {
		t.Errorf("progress then result: %+v, %v, progress %v", st, err, seen)
	}
	// The final line without a line break, after empty lines.
	if st, err := readImportAnswer(strings.NewReader(importSeeds[4]), nil); err != nil || st.EntriesNew != 0 {
		t.Errorf("final line without newline: %+v, %v", st, err)
	}
	st, err = readImportAnswer(strings.NewReader(importSeeds[1]), nil)
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != "bad_bundle" || we.Message != "truncated" || st.EntriesNew != 4 {
		t.Errorf("result with error: %+v, %v", st, err)
	}
	for _, c := range []struct{ in, want string }{
		{importSeeds[2], "boom"},
		{importSeeds[3], "the node's answer to the import ended before its result"},
		{importSeeds[5], "line 1 of the node's answer to the import has no progress, result or error"},
		{importSeeds[6], "line 1 of the node's answer to the import is not JSON"},
		{importSeeds[7], "ended before its result"},
		{strings.Repeat("x", wire.MaxImportLine+1) + "\n", "line 1 of the node's answer to the import: a line is longer than 1048576 bytes"},
	} {
		_, err := readImportAnswer(strings.NewReader(c.in), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("readImportAnswer(%.40q) = %v, want %q", c.in, err, c.want)
		}
	}
	// Lines may arrive in pieces.
	if st, err := readImportAnswer(iotest.OneByteReader(strings.NewReader(importSeeds[0])), nil); err != nil || st.EntriesNew != 2 {
		t.Errorf("one byte at a time: %+v, %v", st, err)
	}
}

func FuzzReadImportAnswer(f *testing.F) {
	for _, s := range importSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = readImportAnswer(bytes.NewReader(b), func(wire.ImportStats) {})
	})
}

func TestReadLine(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader(strings.Repeat("a", 40)+"\nb"), 16)
	l, err := readLine(br, 40)
	if err != nil || string(l) != strings.Repeat("a", 40) {
		t.Errorf("long line across buffers: %q, %v", l, err)
	}
	l, err = readLine(br, 40)
	if !errors.Is(err, io.EOF) || string(l) != "b" {
		t.Errorf("last line: %q, %v", l, err)
	}
	br = bufio.NewReaderSize(strings.NewReader(strings.Repeat("a", 41)+"\n"), 16)
	if _, err := readLine(br, 40); err == nil || err.Error() != "a line is longer than 40 bytes" {
		t.Errorf("too long a line: %v", err)
	}
}

func TestExportOutcome(t *testing.T) {
	h := http.Header{}
	h.Set(wire.ExportStatsTrailer, `{"logs":1,"entries":2,"blobs":0,"blobs_missing":1,"bytes":10}`)
	st, err := exportOutcome(h, 10)
	if err != nil || st != (wire.ExportStats{Logs: 1, Entries: 2, BlobsMissing: 1, Bytes: 10}) {
		t.Errorf("complete export: %+v, %v", st, err)
	}
	if _, err := exportOutcome(h, 9); err == nil || err.Error() != "the node wrote a bundle of 10 bytes but 9 arrived" {
		t.Errorf("short export: %v", err)
	}
	h.Set(wire.ExportErrorTrailer, `{"code":"failed","message":"disk gone"}`)
	st, err = exportOutcome(h, 5)
	var we *wire.Error
	if !errors.As(err, &we) || we.Message != "disk gone" || st.Bytes != 5 {
		t.Errorf("failed export: %+v, %v", st, err)
	}
	for _, c := range []struct {
		name, value, want string
	}{
		{wire.ExportErrorTrailer, "nonsense", `the export failed; the node's report is unreadable: "nonsense"`},
		{wire.ExportStatsTrailer, "[", `the node's final report of the export is unreadable: "["`},
	} {
		h := http.Header{}
		h.Set(c.name, c.value)
		if _, err := exportOutcome(h, 0); err == nil || err.Error() != c.want {
			t.Errorf("%s: %q: %v", c.name, c.value, err)
		}
	}
	if _, err := exportOutcome(http.Header{}, 3); err == nil || !strings.Contains(err.Error(), "without the node's final report") {
		t.Errorf("no trailer: %v", err)
	}
}

func TestVerifyingBody(t *testing.T) {
	data := []byte("the blob's bytes")
	id := blob.Sum(data)
	read := func(r io.Reader, size int64) ([]byte, error) {
		v := &verifyingBody{rc: io.NopCloser(r), id: id, size: size, h: sha256.New()}
		return io.ReadAll(v)
	}
	if got, err := read(bytes.NewReader(data), int64(len(data))); err != nil || !bytes.Equal(got, data) {
		t.Errorf("good blob: %q, %v", got, err)
	}
	if _, err := read(bytes.NewReader(append([]byte{}, data[:len(data)-1]...)), int64(len(data))); err == nil || !strings.Contains(err.Error(), "arrived damaged: 15 bytes") {
		t.Errorf("short blob: %v", err)
	}
	bad := bytes.Clone(data)
	bad[0] = 'T'
	if _, err := read(bytes.NewReader(bad), int64(len(data))); err == nil || !strings.Contains(err.Error(), "arrived damaged: 16 bytes hashing to") {
		t.Errorf("wrong blob: %v", err)
	}
	if _, err := read(iotest.TimeoutReader(bytes.NewReader(data)), int64(len(data))); err == nil || !strings.Contains(err.Error(), "the transfer broke off after") {
		t.Errorf("broken transfer: %v", err)
	}
}
