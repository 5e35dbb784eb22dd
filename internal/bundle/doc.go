// Package bundle reads and writes kith bundles (doc/protocol/bundle.md):
// files that carry entries and blobs between nodes without a network. Both
// directions stream; the reader trusts nothing and says where a file is
// wrong. Verifying the entries is the store's job; this package checks the
// framing, the blob hashes and the file digest.
package bundle
