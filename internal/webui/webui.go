package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Files returns the embedded files, rooted at the static folder.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the folder is embedded above
	}
	return sub
}

// ContentSecurityPolicy is sent with every file of the web interface: the
// page loads only its own files (images also from blob: and data: URLs,
// for previews and the invite's QR code), runs no inline script, and is
// never framed.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// contentTypes names the type of each kind of file served; other files
// are application/octet-stream. The table is fixed, not the system's
// (mime.TypeByExtension reads /etc/mime.types, which may differ).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".json": "application/json",
	".txt":  "text/plain; charset=utf-8",
}

// file is one embedded file, read once.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the web interface's files: index.html at /, every other
// file at its path, and 404 for anything else (directories included). The
// interface routes with the URL's fragment (#/…), so there are no other
// paths to serve. Only GET and HEAD are answered.
func Handler() http.Handler {
	files := map[string]file{}
	err := fs.WalkDir(Files(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(Files(), name)
		if err != nil {
			return err
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		files["/"+name] = file{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		return nil
	})
	if err != nil {
		panic(err) // the files are embedded
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := r.URL.Path
		if name == "/" {
			name = "/index.html"
		}
		f, ok := files[name]
		if !ok || strings.Contains(name, "..") {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		// no-cache: revalidate every time (the ETag makes that cheap), so
		// a new binary's files are never mixed with an old one's.
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Type", f.contentType)
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
	})
}
