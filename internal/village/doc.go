// Package village implements villages (seed 000, doc/protocol/village.md):
// the village payload types with their canonical CBOR encoding and strict
// decoding, the pure reducer that derives a village's state (locals,
// strangers and their standing, votes, notes, exclusion proposals) from a
// set of entries, the six state components and the state commitment a local
// publishes, and the audit of a local's state chain.
//
// In this first version a local is identified by the public key that signs
// its village entries (the entry author key).
//
// It is a pure domain package: no I/O, no clocks, no randomness.
package village
