// Package api is kith's local HTTP API: the JSON endpoints under /api/v1
// that a running node ('kith serve') offers to the command line and, later,
// to the web UI (doc/api.md). Service does the work over an open node and
// speaks the types of package wire; Server puts it behind HTTP with the
// checks a local API needs: a bearer token, loopback Host names only (no
// DNS rebinding), no cross-origin requests, and bounded request bodies.
// The endpoint file (api.json in the home) tells clients where the API
// listens and which token it takes.
package api
