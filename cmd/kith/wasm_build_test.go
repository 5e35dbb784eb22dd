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
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "kith.wasm"), "../kith-wasm")
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
