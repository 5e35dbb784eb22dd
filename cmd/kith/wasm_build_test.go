package main

// Builds the browser peer (doc/browser.md) for the browser tests: kith's
// Go compiled to WebAssembly (cmd/kith-wasm), Go's wasm_exec.js and, when
// wanted, the page and its libp2p bundle (web/peer).

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildWasm builds cmd/kith-wasm into dir as kith.wasm, with wasm_exec.js
// beside it, the way `make peer` does.
func buildWasm(t *testing.T, dir string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command, to build the WebAssembly peer: %v", err)
	}
	env, err := exec.Command(goBin, "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	// KITH_WASM_NAMES=1 keeps the functions' names (a profile of the
	// page names them; the download is larger).
	ldflags := "-ldflags=-s -w"
	if os.Getenv("KITH_WASM_NAMES") == "1" {
		ldflags = "-ldflags=-w"
	}
	cmd := exec.Command(goBin, "build", "-trimpath", ldflags, "-o", filepath.Join(dir, "kith.wasm"), "../kith-wasm")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the WebAssembly peer: %v\n%s", err, out)
	}
	root := strings.TrimSpace(string(env))
	src, err := os.ReadFile(filepath.Join(root, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Fatalf("Go's wasm_exec.js: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wasm_exec.js"), src, 0o644); err != nil {
		t.Fatal(err)
	}
}

// peerPageFiles are the browser peer's files copied as they are from
// web/peer, as the Makefile's peer target copies them.
var peerPageFiles = []string{"index.html", "app.js", "space.js", "village.js", "blobs.js", "offline.js", "sw.js", "manifest.json", "icon.svg", "peer.css"}

// buildPeer builds the whole browser peer into dir, as `make peer` does:
// the WebAssembly build, the page, and its libp2p bundle (esbuild from
// web/peer/node_modules: `npm ci --prefix web/peer` installs it; CI does).
// Without it the test skips, or fails under KITH_REQUIRE_BROWSER=1.
func buildPeer(t *testing.T, dir string) {
	t.Helper()
	src := filepath.Join("..", "..", "web", "peer")
	esbuild := filepath.Join(src, "node_modules", ".bin", "esbuild")
	if _, err := os.Stat(esbuild); err != nil {
		msg := "no esbuild in web/peer/node_modules: run 'npm ci --prefix web/peer' to install the browser peer's build tools"
		if os.Getenv("KITH_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	buildWasm(t, dir)
	for _, f := range peerPageFiles {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs, err := filepath.Abs(filepath.Join(dir, "net.js"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join("node_modules", ".bin", "esbuild"), peerBundleArgs(abs)...)
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bundle the browser peer's libp2p: %v\n%s", err, out)
	}
}

// peerBundleArgs are esbuild's arguments, as in web/peer/package.json.
func peerBundleArgs(outfile string) []string {
	return []string{"net.js", "--bundle", "--format=esm", "--minify", "--legal-comments=none", "--target=es2022", "--log-level=warning", "--outfile=" + outfile}
}
