package api

import (
	"encoding/json"
	"net/http"
	"strings"
)

// peerNodeFile is where the page that a node serves finds that node's
// addresses (doc/browser.md, "Build and serve").
const peerNodeFile = "/peer/node.json"

// PeerNode is what /peer/node.json answers: the account of the node that
// serves the page and the addresses a browser can dial it at (WebSocket
// and WebRTC-direct, with /p2p/), none while its network is stopped.
type PeerNode struct {
	Account string   `json:"account"`
	Addrs   []string `json:"addrs"`
}

// peerHandler serves the browser peer's files (doc/browser.md) from dir at
// /peer/, GET and HEAD only, and at /peer/node.json the node's own browser
// addresses from self (so that the page it serves connects to it without
// being told); nil when dir is empty. The page needs no token: it holds its
// own device key and talks to the node over libp2p, never through the API.
func peerHandler(dir string, self func() PeerNode) http.Handler {
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
		if r.URL.Path == peerNodeFile {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_ = json.NewEncoder(w).Encode(self())
			return
		}
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		// The page needs no more than itself, its WebAssembly and the
		// node's WebSocket; wasm-unsafe-eval lets it compile kith.wasm; blob:
		// URLs show the pictures it keeps in IndexedDB.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; frame-ancestors 'none'")
		files.ServeHTTP(w, r)
	})
}
