package api

import (
	"net/http"
	"strings"
)

// peerHandler serves the browser peer's files (doc/browser.md) from dir at
// /peer/, GET and HEAD only; nil when dir is empty. The page needs no
// token: it holds its own device key and talks to the node over libp2p,
// never through the API.
func peerHandler(dir string) http.Handler {
	if dir == "" {
		return nil
	}
	files := http.StripPrefix("/peer/", http.FileServer(http.Dir(dir)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, r.Method+" is not allowed on the browser peer's files; use GET", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == "/peer" {
			http.Redirect(w, r, "/peer/", http.StatusFound)
			return
		}
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		// The page needs no more than itself, its WebAssembly and the
		// node's WebSocket; wasm-unsafe-eval lets it compile kith.wasm; blob:
		// URLs show the pictures it keeps in IndexedDB.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws: wss:; img-src 'self' data: blob:")
		files.ServeHTTP(w, r)
	})
}
