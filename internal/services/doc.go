// Package services encodes and decodes the announcement in which a node
// tells a peer, right after they connect, which services it offers that
// peer and within which limits (doc/protocol/services.md): relay,
// presence, heads, dropbox, lease.
//
// It is a pure domain package: it reads and writes byte slices and
// streams given to it, and holds no state.
package services
