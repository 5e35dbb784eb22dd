//go:build js && wasm

// Command kith-wasm is kith's own Go compiled to WebAssembly for a browser
// peer (doc/browser.md): entries, payloads, identity, the sync protocol and
// a browser's store and scope (internal/browserpeer), behind a small
// JavaScript API set on globalThis.kith. It is the only package that
// imports syscall/js.
//
// Build: GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o kith.wasm ./cmd/kith-wasm
// and load it with Go's lib/wasm/wasm_exec.js.
package main

import "syscall/js"

func main() {
	api := js.Global().Get("Object").New()
	for name, fn := range pureAPI() {
		api.Set(name, js.FuncOf(fn))
	}
	api.Set("newPeer", js.FuncOf(newPeer))
	api.Set("readIntroduction", js.FuncOf(readIntroduction))
	api.Set("readICE", js.FuncOf(readICE))     // ice.go
	api.Set("fetchBlob", js.FuncOf(fetchBlob)) // blobs.go
	api.Set("blobID", js.FuncOf(blobID))
	api.Set("prepareImage", js.FuncOf(prepareImage))
	api.Set("serveBlobs", js.FuncOf(serveBlobs))
	js.Global().Set("kith", api)
	if ready := js.Global().Get("kithReady"); ready.Type() == js.TypeFunction {
		ready.Invoke(api)
	}
	select {}
}
