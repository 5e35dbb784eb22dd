// Package browserpeer is the part of kith a browser runs as a peer of its
// own (doc/browser.md): a device whose key stays in the browser, an
// in-memory store (internal/store/mem) that the page fills from IndexedDB
// and whose new entries it writes back, the sync protocol's engine
// (internal/replicate) over a stream the page's libp2p opens, and the
// scope of a browser: it wants its own account's logs and those of the
// accounts it follows, and offers what it holds.
//
// It knows nothing of JavaScript: cmd/kith-wasm adapts it to the page
// (syscall/js is imported there only), so it is built and tested as
// ordinary Go too. It signs through a function it is given, so the device
// key can be a non-extractable WebCrypto key.
package browserpeer
