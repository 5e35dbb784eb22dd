// Package bundle reads and writes kith bundles (doc/protocol/bundle.md):
// files that carry entries and blobs between nodes without a network. Both
// directions stream; the reader trusts nothing and says where a file is
// wrong. This package checks the framing, the blob hashes and the file
// digest, decodes entry headers and checks payloads against them; an entry
// record that is well framed but invalid is reported as rejected and reading
// goes on. Verifying signatures and chains is the store's job.
package bundle
