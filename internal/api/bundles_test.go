package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// export fetches GET /api/v1/export?query and returns the bundle and the
// trailers.
func (f *fixture) export(query string) (*http.Response, []byte) {
	f.t.Helper()
	return f.request("GET", "/api/v1/export"+query, nil)
}

func TestExport(t *testing.T) {
	f := newFixture(t)
	for _, text := range []string{"one", "two"} {
		f.call("POST", "/api/v1/posts", wire.PostRequest{Text: text}, nil)
	}
	img, _, _, err := f.n.AddBlob(bytes.NewReader(picture("a picture")), false)
	if err != nil {
		t.Fatal(err)
	}
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "pic", Images: []string{img.String()}}, nil)

	for _, q := range []string{"", "?account=" + f.n.Account().String()} {
		resp, b := f.export(q)
		if resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte("KITHBNDL")) {
			t.Fatalf("export%s: status %d, starts %q", q, resp.StatusCode, b[:min(8, len(b))])
		}
		if resp.Header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="kith-`) {
			t.Errorf("export headers %v", resp.Header)
		}
		var st wire.ExportStats
		if err := json.Unmarshal([]byte(resp.Trailer.Get(wire.ExportStatsTrailer)), &st); err != nil {
			t.Fatalf("stats trailer %q: %v", resp.Trailer.Get(wire.ExportStatsTrailer), err)
		}
		if st != (wire.ExportStats{Logs: 2, Entries: 4, Blobs: 1, Bytes: int64(len(b))}) {
			t.Errorf("export%s stats = %+v (%d bytes)", q, st, len(b))
		}
		if e := resp.Trailer.Get(wire.ExportErrorTrailer); e != "" {
			t.Errorf("error trailer %q", e)
		}
		// The bundle imports into another node.
		g := newFixture(t)
		im := g.importBundle(bytes.NewReader(b))
		if im.final.Result == nil || im.final.Error != nil || im.final.Result.EntriesNew != 4 || im.final.Result.BlobsNew != 1 {
			t.Errorf("import of the export: %+v", im.final)
		}
	}
	other, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stranger := other.Account().String()
	other.Close()
	f.expectError("GET", "/api/v1/export?account="+stranger, "", 404, wire.CodeNotFound, "no logs of "+stranger+" are held here")
	f.expectError("GET", "/api/v1/export?account="+f.n.Account().String()+"&account="+f.n.Device().String(), "", 400, wire.CodeBadRequest, "account: expected an account id")
	f.expectError("GET", "/api/v1/export?accounts=x", "", 400, wire.CodeBadRequest, `unknown query parameter "accounts"`)
	// A JSON error carries no trailer declaration.
	resp, _ := f.export("?account=" + stranger)
	if resp.Header.Get("Trailer") != "" {
		t.Errorf("error answer declares trailers %q", resp.Header.Get("Trailer"))
	}
}

// importAnswer is the parsed answer of POST /api/v1/import.
type importAnswer struct {
	progress []wire.ImportStats
	final    wire.ImportLine
}

func (f *fixture) importBundle(body io.Reader) importAnswer {
	f.t.Helper()
	req, err := http.NewRequestWithContext(f.t.Context(), "POST", f.srv.URL+"/api/v1/import", body)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		b, _ := io.ReadAll(resp.Body)
		f.t.Fatalf("import: status %d, Content-Type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	var a importAnswer
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, wire.MaxImportLine)
	done := false
	for sc.Scan() {
		if done {
			f.t.Fatalf("a line after the final one: %s", sc.Text())
		}
		var l wire.ImportLine
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			f.t.Fatalf("line %q: %v", sc.Text(), err)
		}
		switch {
		case l.Progress != nil && l.Result == nil && l.Error == nil:
			a.progress = append(a.progress, *l.Progress)
		case l.Result != nil && l.Progress == nil:
			a.final, done = l, true
		default:
			f.t.Fatalf("line %q is neither progress nor final", sc.Text())
		}
	}
	if err := sc.Err(); err != nil || !done {
		f.t.Fatalf("import answer: %v, final line seen %v", err, done)
	}
	return a
}

func TestImport(t *testing.T) {
	a := newFixture(t)
	for _, text := range []string{"one", "two", "three"} {
		a.call("POST", "/api/v1/posts", wire.PostRequest{Text: text}, nil)
	}
	_, bundle := a.export("")

	b := newFixture(t)
	got := b.importBundle(bytes.NewReader(bundle))
	want := wire.ImportStats{EntriesNew: 4, Bytes: int64(len(bundle))}
	if got.final.Error != nil || !reflect.DeepEqual(*got.final.Result, want) {
		t.Errorf("import = %+v / %+v, want %+v", got.final.Result, got.final.Error, want)
	}
	if len(got.progress) != 1 || !reflect.DeepEqual(got.progress[0], want) {
		t.Errorf("progress lines %+v, want one with %+v", got.progress, want)
	}
	got = b.importBundle(bytes.NewReader(bundle))
	if r := got.final.Result; got.final.Error != nil || r.EntriesNew != 0 || r.EntriesKnown != 4 {
		t.Errorf("second import = %+v", got.final)
	}
	// A truncated bundle: what came before the cut is stored, the final
	// line says what went wrong.
	c := newFixture(t)
	got = c.importBundle(bytes.NewReader(bundle[:len(bundle)-10]))
	if r := got.final.Result; r == nil || r.EntriesNew != 4 || got.final.Error == nil || got.final.Error.Code != wire.CodeBadBundle || !strings.Contains(got.final.Error.Message, "truncated") {
		t.Errorf("truncated import = %+v / %+v", got.final.Result, got.final.Error)
	}
	// Not a bundle at all.
	got = c.importBundle(strings.NewReader("this is not a bundle"))
	if r := got.final.Result; r == nil || !reflect.DeepEqual(*r, wire.ImportStats{}) || got.final.Error == nil || got.final.Error.Code != wire.CodeBadBundle || !strings.Contains(got.final.Error.Message, "bundle") {
		t.Errorf("import of garbage = %+v / %+v", got.final.Result, got.final.Error)
	}
	c.expectError("POST", "/api/v1/import?dry=1", "", 400, wire.CodeBadRequest, `unknown query parameter "dry"`)
}
