// Package entry is kith's signed log entry: the header format of
// doc/protocol/entry.md (deterministic CBOR, byte for byte), its
// domain-separated signature, its content address, the rules that chain one
// entry to the next, and ZIP-215 signature verification, single and batched.
//
// It is a pure domain package: it reads and writes byte slices only.
package entry
