// Package festival implements festivals (seed 001,
// doc/protocol/festival.md): nestable contexts holding resources with a
// single owner, events that need them, requests for a resource in a time
// window and the owner's authorizations. It holds the payload types with
// their canonical CBOR encoding and strict decoding, the pluggable
// authorization policies (first come first served, manual confirmation,
// hours per day, and any a program registers), and the pure reducer that
// applies a set of festival entries in the causal order of package
// causalorder and derives, for every resource and time window, who holds it.
//
// Times in payloads are stated times of the schedule; no order and no rule
// depends on an entry's claimed timestamp.
//
// It is a pure domain package: no I/O, no clocks, no randomness.
package festival
