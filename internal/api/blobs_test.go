package api_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/node"
)

// gpsPNG returns a small PNG with an eXIf chunk holding a GPS IFD pointer,
// and the same PNG without it.
func gpsPNG(t *testing.T) (plain, withGPS []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	plain = buf.Bytes()
	le := binary.LittleEndian
	tiff := le.AppendUint32([]byte("II*\x00"), 8)
	tiff = le.AppendUint16(tiff, 1)
	tiff = le.AppendUint16(tiff, 0x8825)
	tiff = le.AppendUint16(tiff, 4)
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint32(tiff, 26)
	tiff = le.AppendUint32(tiff, 0)
	tiff = le.AppendUint16(tiff, 0)
	tiff = le.AppendUint32(tiff, 0)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(tiff)))
	chunk = append(append(chunk, "eXIf"...), tiff...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	const afterIHDR = 33
	withGPS = slices.Concat(plain[:afterIHDR], chunk, plain[afterIHDR:])
	return plain, withGPS
}

func TestAddBlob(t *testing.T) {
	f := newFixture(t)
	data := bytes.Repeat([]byte("blob\x00\xff"), 5000)
	var added wire.BlobAdded
	resp, b := f.request("POST", "/api/v1/blobs", bytes.NewReader(data), "Content-Type", "application/octet-stream")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	mustJSON(t, b, &added)
	if added != (wire.BlobAdded{ID: blob.Sum(data).String(), Size: int64(len(data))}) {
		t.Errorf("added = %+v", added)
	}
	plain, withGPS := gpsPNG(t)
	for _, c := range []struct {
		query   string
		want    []byte
		removed bool
	}{
		{"", withGPS, false},
		{"?publish=false", withGPS, false},
		{"?publish=true", plain, true},
	} {
		resp, b := f.request("POST", "/api/v1/blobs"+c.query, bytes.NewReader(withGPS))
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d: %s", c.query, resp.StatusCode, b)
		}
		mustJSON(t, b, &added)
		if added != (wire.BlobAdded{ID: blob.Sum(c.want).String(), Size: int64(len(c.want)), LocationRemoved: c.removed}) {
			t.Errorf("%s: added = %+v", c.query, added)
		}
	}
	f.expectError("POST", "/api/v1/blobs?publish=yes", "x", 400, wire.CodeBadRequest, `query parameter publish="yes" is not true or false`)
	f.expectError("POST", "/api/v1/blobs?public=true", "x", 400, wire.CodeBadRequest, `unknown query parameter "public"`)
}

func TestAddBlobTooLarge(t *testing.T) {
	f := newFixtureWith(t, node.Options{BlobMaxSize: 1000})
	want := "blob is larger than the size limit of 1000 bytes"
	// Announced by Content-Length: refused before reading.
	f.expectError("POST", "/api/v1/blobs", strings.Repeat("x", 1001), 413, wire.CodeTooLarge, "blob of 1001 bytes is larger than the size limit of 1000 bytes")
	// Streamed without a length: refused at the first byte over.
	for _, q := range []string{"", "?publish=true"} {
		req, err := http.NewRequest("POST", f.srv.URL+"/api/v1/blobs"+q, io.MultiReader(strings.NewReader(strings.Repeat("y", 1001))))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+f.token)
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ContentLength >= 0 && req.ContentLength != 0 {
			t.Fatalf("the request had a length")
		}
		wantError(t, resp, readAll(t, resp), 413, wire.CodeTooLarge, want)
	}
	// Exactly the limit is fine.
	resp, b := f.request("POST", "/api/v1/blobs", strings.NewReader(strings.Repeat("z", 1000)))
	if resp.StatusCode != 200 {
		t.Errorf("a blob of exactly the limit: %d %s", resp.StatusCode, b)
	}
	// Nothing of the refused ones was stored.
	n := 0
	if err := f.n.Blobs().List(func(blob.ID, int64) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("%d blobs stored (%v), want 1", n, err)
	}
}

func TestGetBlob(t *testing.T) {
	f := newFixture(t)
	plain, _ := gpsPNG(t)
	html := []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
	text := []byte("just some text\n")
	for _, c := range []struct {
		data []byte
		ct   string
	}{
		{plain, "image/png"},
		{html, "application/octet-stream"},
		{text, "text/plain; charset=utf-8"},
		{[]byte("<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'></svg>"), "application/octet-stream"},
		{[]byte("<svg xmlns='http://www.w3.org/2000/svg'></svg>"), "text/plain; charset=utf-8"}, // shown as text, never run
		{[]byte{}, "text/plain; charset=utf-8"},
	} {
		id, _, _, err := f.n.AddBlob(bytes.NewReader(c.data), false)
		if err != nil {
			t.Fatal(err)
		}
		resp, b := f.request("GET", "/api/v1/blobs/"+id.String(), nil)
		if resp.StatusCode != 200 || !bytes.Equal(b, c.data) {
			t.Fatalf("GET %s: status %d, %d bytes, want %d", id, resp.StatusCode, len(b), len(c.data))
		}
		h := resp.Header
		if h.Get("Content-Type") != c.ct || h.Get("ETag") != `"`+id.Hex()+`"` || h.Get("Content-Security-Policy") != "sandbox; default-src 'none'" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: headers %v, want Content-Type %q", id, h, c.ct)
		}
		if resp.ContentLength != int64(len(c.data)) {
			t.Errorf("GET %s: Content-Length %d", id, resp.ContentLength)
		}
	}
	id, _, _, err := f.n.AddBlob(bytes.NewReader(plain), false)
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/blobs/" + id.String()
	resp, b := f.request("GET", path, nil, "If-None-Match", `"`+id.Hex()+`"`)
	if resp.StatusCode != 304 || len(b) != 0 {
		t.Errorf("If-None-Match: status %d, %d bytes", resp.StatusCode, len(b))
	}
	resp, b = f.request("HEAD", path, nil)
	if resp.StatusCode != 200 || len(b) != 0 || resp.ContentLength != int64(len(plain)) {
		t.Errorf("HEAD: status %d, %d bytes, length %d", resp.StatusCode, len(b), resp.ContentLength)
	}
	resp, b = f.request("GET", path, nil, "Range", "bytes=1-3")
	if resp.StatusCode != 206 || !bytes.Equal(b, plain[1:4]) || resp.Header.Get("Content-Range") != "bytes 1-3/"+itoa(len(plain)) || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("Range: status %d, body %q, headers %v", resp.StatusCode, b, resp.Header)
	}
	resp, b = f.request("GET", path, nil, "Range", "bytes=9999-")
	if resp.StatusCode != 416 {
		t.Errorf("unsatisfiable range: status %d (%s)", resp.StatusCode, b)
	}

	missing := blob.Sum([]byte("nothing")).String()
	f.expectError("GET", "/api/v1/blobs/"+missing, "", 404, wire.CodeNotFound, "blob "+missing+" is not held here")
	f.expectError("GET", "/api/v1/blobs/"+missing, "", 404, wire.CodeNotFound, "is not held here", "Range", "bytes=0-1")
	f.expectError("GET", "/api/v1/blobs/"+f.n.Account().String(), "", 400, wire.CodeBadRequest, "blob: expected a blob id")
}

func TestGetCorruptBlob(t *testing.T) {
	f := newFixture(t)
	data := bytes.Repeat([]byte("0123456789"), 20000)
	id, _, _, err := f.n.AddBlob(bytes.NewReader(data), false)
	if err != nil {
		t.Fatal(err)
	}
	bad := slices.Clone(data)
	bad[len(bad)-1] = 'X'
	if err := os.WriteFile(f.n.Blobs().Path(id), bad, 0o600); err != nil {
		t.Fatal(err)
	}
	// The whole blob: the last byte is held back and the connection cut,
	// so what arrives is short (some of what was buffered is lost too),
	// never complete and wrong.
	req, err := http.NewRequest("GET", f.srv.URL+"/api/v1/blobs/"+id.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(got) >= len(data) || !bytes.Equal(got, data[:len(got)]) {
		t.Errorf("corrupt blob: read %d bytes, err %v; want fewer than %d good bytes and an error", len(got), err, len(data))
	}
	// A range is refused after verifying.
	f.expectError("GET", "/api/v1/blobs/"+id.String(), "", 500, wire.CodeFailed, "is corrupt on disk", "Range", "bytes=0-9")
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := jsonUnmarshal(b, v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
}
