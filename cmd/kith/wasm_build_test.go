package main

// Builds the browser peer (doc/browser.md) for the browser tests: kith's
// Go compiled to WebAssembly (cmd/kith-wasm), Go's wasm_exec.js and, when
// wanted, the page and its libp2p bundle (web/peer).

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The browser peer is built once per run of the package (linking the
// WebAssembly build costs a few CPU-seconds, and a dozen tests want it),
// into builtDir, and each test gets its own copy of the files: a test may
// add or change files in its folder without touching another's.
var (
	builtDir    string // removed by TestMain
	builtMu     sync.Mutex
	builtWasm   bool   // builtDir holds kith.wasm and wasm_exec.js
	builtPeer   bool   // builtDir holds the whole browser peer
	builtFailed string // why a build failed: every later test fails the same way
)

// buildWasm puts cmd/kith-wasm into dir as kith.wasm, with wasm_exec.js
// beside it, the way `make peer` does (built once per run: see builtDir).
func buildWasm(t *testing.T, dir string) {
	t.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if err := ensureBuiltLocked(false); err != nil {
		t.Fatal(err)
	}
	copyBuilt(t, dir, "kith.wasm", "wasm_exec.js")
}

// ensureBuiltLocked builds the WebAssembly peer (and the page and its
// bundle when peer is true) into builtDir unless it is there already.
func ensureBuiltLocked(peer bool) error {
	if builtFailed != "" {
		return fmt.Errorf("%s (an earlier test's build failed)", builtFailed)
	}
	if builtDir == "" {
		d, err := os.MkdirTemp("", "kith-e2e-peer")
		if err != nil {
			return err
		}
		builtDir = d
	}
	if !builtWasm {
		if err := buildWasmInto(builtDir); err != nil {
			builtFailed = err.Error()
			return err
		}
		builtWasm = true
	}
	if peer && !builtPeer {
		if err := buildPeerPageInto(builtDir); err != nil {
			builtFailed = err.Error()
			return err
		}
		builtPeer = true
	}
	return nil
}

// ensurePeerBuilt builds the whole browser peer into builtDir unless it is
// there already, and answers builtDir (for a test run again in a network
// namespace: inNetNS).
func ensurePeerBuilt(t *testing.T) string {
	t.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if err := ensureBuiltLocked(true); err != nil {
		t.Fatal(err)
	}
	return builtDir
}

// adoptBuilt takes dir, where another run of the package built the whole
// browser peer, as builtDir (TestMain of a test run again in a network
// namespace; "" leaves the builds to this run).
func adoptBuilt(dir string) {
	if dir != "" {
		builtDir, builtWasm, builtPeer = dir, true, true
	}
}

// copyBuilt copies the named files of builtDir into dir.
func copyBuilt(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, f := range names {
		b, err := os.ReadFile(filepath.Join(builtDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// buildWasmInto builds cmd/kith-wasm into dir as kith.wasm, with
// wasm_exec.js beside it.
func buildWasmInto(dir string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command, to build the WebAssembly peer: %v", err)
	}
	env, err := exec.Command(goBin, "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %v", err)
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
		return fmt.Errorf("build the WebAssembly peer: %v\n%s", err, out)
	}
	root := strings.TrimSpace(string(env))
	src, err := os.ReadFile(filepath.Join(root, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return fmt.Errorf("Go's wasm_exec.js: %v", err)
	}
	return os.WriteFile(filepath.Join(dir, "wasm_exec.js"), src, 0o644)
}

// peerPageFiles are the browser peer's files copied as they are from
// web/peer, as the Makefile's peer target copies them.
var peerPageFiles = []string{"index.html", "app.js", "space.js", "village.js", "blobs.js", "offline.js", "sw.js", "manifest.json", "icon.svg", "peer.css"}

// buildPeer puts the whole browser peer into dir, as `make peer` does:
// the WebAssembly build, the page, and its libp2p bundle (esbuild from
// web/peer/node_modules: `npm ci --prefix web/peer` installs it; CI does).
// Without it the test skips, or fails under KITH_REQUIRE_BROWSER=1. It is
// built once per run (see builtDir) and copied into dir.
func buildPeer(t *testing.T, dir string) {
	t.Helper()
	esbuild := filepath.Join("..", "..", "web", "peer", "node_modules", ".bin", "esbuild")
	if _, err := os.Stat(esbuild); err != nil {
		msg := "no esbuild in web/peer/node_modules: run 'npm ci --prefix web/peer' to install the browser peer's build tools"
		if os.Getenv("KITH_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	builtMu.Lock()
	defer builtMu.Unlock()
	if err := ensureBuiltLocked(true); err != nil {
		t.Fatal(err)
	}
	copyBuilt(t, dir, append([]string{"kith.wasm", "wasm_exec.js", "net.js"}, peerPageFiles...)...)
}

// buildPeerPageInto copies the page's files of web/peer into dir and
// bundles its libp2p there as net.js.
func buildPeerPageInto(dir string) error {
	src := filepath.Join("..", "..", "web", "peer")
	for _, f := range peerPageFiles {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			return err
		}
	}
	abs, err := filepath.Abs(filepath.Join(dir, "net.js"))
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join("node_modules", ".bin", "esbuild"), peerBundleArgs(abs)...)
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("bundle the browser peer's libp2p: %v\n%s", err, out)
	}
	return nil
}

// peerBundleArgs are esbuild's arguments, as in web/peer/package.json.
func peerBundleArgs(outfile string) []string {
	return []string{"net.js", "--bundle", "--format=esm", "--minify", "--legal-comments=none", "--target=es2022", "--log-level=warning", "--outfile=" + outfile}
}
