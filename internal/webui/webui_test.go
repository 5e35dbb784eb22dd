package webui

import (
	"bytes"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec
}

// TestIndex checks / answers index.html with the security and cache
// headers.
func TestIndex(t *testing.T) {
	rec := get(t, "GET", "/")
	if rec.Code != 200 {
		t.Fatalf("GET /: %d", rec.Code)
	}
	want := "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	for k, v := range map[string]string{
		"Content-Security-Policy": want,
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-cache",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	index, err := fs.ReadFile(Files(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), index) {
		t.Error("GET / is not index.html")
	}
	// Revalidation.
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if rec := get(t, "GET", "/", "If-None-Match", etag); rec.Code != 304 {
		t.Errorf("If-None-Match: %d, want 304", rec.Code)
	}
	if rec := get(t, "HEAD", "/"); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD /: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

// TestFiles checks every embedded file is served with its content type
// and the policy, and that nothing else is.
func TestFiles(t *testing.T) {
	types := map[string]string{
		".html": "text/html; charset=utf-8",
		".css":  "text/css; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".svg":  "image/svg+xml",
	}
	n := 0
	err := fs.WalkDir(Files(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		want, ok := types[path.Ext(name)]
		if !ok {
			t.Errorf("%s: a kind of file the test does not know", name)
			return nil
		}
		rec := get(t, "GET", "/"+name)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != want || rec.Header().Get("Content-Security-Policy") != ContentSecurityPolicy || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET /%s: %d %v", name, rec.Code, rec.Header())
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("%d files: %v", n, err)
	}
	for _, p := range []string{"/nope", "/pages/", "/pages", "/../webui.go", "/thread/ent_x", "/static/index.html"} {
		if rec := get(t, "GET", p); rec.Code != 404 || rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: %d, want 404 with the policy", p, rec.Code)
		}
	}
	if rec := get(t, "POST", "/"); rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d", rec.Code)
	}
}

var (
	// src="…" and href="…" in HTML.
	htmlRef = regexp.MustCompile(`(?:src|href)="([^"]*)"`)
	// import … from '…', import '…', import('…') in JavaScript.
	jsImport = regexp.MustCompile(`(?m)(?:^\s*import\s[^;]*?from\s*|^\s*import\s*|\bimport\()\s*['"]([^'"]+)['"]`)
)

// TestReferences checks that every file index.html loads, and every
// module a script imports, is embedded.
func TestReferences(t *testing.T) {
	files := Files()
	exists := func(from, ref string) {
		t.Helper()
		if _, err := fs.Stat(files, path.Join(path.Dir(from), ref)); err != nil {
			t.Errorf("%s refers to %s, which is not embedded", from, ref)
		}
	}
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	refs := 0
	for _, m := range htmlRef.FindAllStringSubmatch(string(index), -1) {
		ref := m[1]
		if strings.HasPrefix(ref, "#") || strings.HasPrefix(ref, "data:") {
			continue
		}
		exists("index.html", ref)
		refs++
	}
	if refs < 2 {
		t.Errorf("index.html refers to %d files, want at least the script and the style", refs)
	}
	imports := 0
	err = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || path.Ext(name) != ".js" {
			return err
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		for _, m := range jsImport.FindAllStringSubmatch(string(body), -1) {
			if !strings.HasPrefix(m[1], "./") && !strings.HasPrefix(m[1], "../") {
				t.Errorf("%s imports %q: only relative imports of embedded modules work offline", name, m[1])
				continue
			}
			exists(name, m[1])
			imports++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if imports < 10 {
		t.Errorf("%d imports found: is the pattern still right?", imports)
	}
}

// TestOffline checks no file refers to anything on the network (a CDN, a
// web font): the interface works without one.
func TestOffline(t *testing.T) {
	err := fs.WalkDir(Files(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(Files(), name)
		if err != nil {
			return err
		}
		if path.Ext(name) == ".svg" {
			// A standalone SVG names its XML namespace by this URI, which
			// nothing fetches; any other address still fails.
			body = bytes.Replace(body, []byte(`xmlns="http://www.w3.org/2000/svg"`), []byte(`xmlns=""`), 1)
		}
		if path.Ext(name) == ".js" {
			// A script drawing SVG (createElementNS) names the same
			// namespace, once, as a constant.
			body = bytes.Replace(body, []byte(`const NS = 'http://www.w3.org/2000/svg';`), []byte(`const NS = '';`), 1)
		}
		for _, s := range []string{"http://", "https://", "//cdn", "@import url("} {
			if i := bytes.Index(bytes.ToLower(body), []byte(s)); i >= 0 {
				line := 1 + bytes.Count(body[:i], []byte("\n"))
				t.Errorf("%s:%d refers to %q", name, line, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestJSSyntax runs node --check on every script, as a module, when node
// is installed.
func TestJSSyntax(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node binary on PATH: JavaScript syntax not checked")
	}
	dir := t.TempDir()
	err = fs.WalkDir(Files(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || path.Ext(name) != ".js" {
			return err
		}
		body, err := fs.ReadFile(Files(), name)
		if err != nil {
			return err
		}
		// .mjs: checked as an ES module whatever node's default.
		tmp := filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".mjs")
		if err := os.WriteFile(tmp, body, 0o600); err != nil {
			return err
		}
		if out, err := exec.Command(node, "--check", tmp).CombinedOutput(); err != nil {
			t.Errorf("node --check %s: %v\n%s", name, err, out)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testID finds the data-testid values set in the files: data-testid="…"
// in HTML, {dataset: {testid: '…'}} and statusLine('…') in scripts.
var testID = regexp.MustCompile(`(?:data-testid="|testid: '|statusLine\(')([a-z-]+)`)

// TestHooksDocumented checks every data-testid is in README.md's table,
// which browser tests are written from.
func TestHooksDocumented(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = fs.WalkDir(Files(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(Files(), name)
		if err != nil {
			return err
		}
		for _, m := range testID.FindAllStringSubmatch(string(body), -1) {
			n++
			if !bytes.Contains(readme, []byte("`"+m[1]+"`")) {
				t.Errorf("%s: data-testid %q is not in README.md", name, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Errorf("%d test hooks found: is the pattern still right?", n)
	}
}
