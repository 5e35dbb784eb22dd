// Package conversation implements conversations that end in a decision
// (seed 003, doc/protocol/conversation.md): the conversation payload types
// with their canonical CBOR encoding and strict decoding, the consensus
// methods (built in, and CEL expressions over the tally), and the pure
// reducer that applies a conversation's entries in the causal order of
// package causalorder and records the outcome the moment the method holds.
//
// A participant is identified by the key that signs its entries, or by the
// account an Input.Account function maps it to.
//
// It is a pure domain package: no I/O, no clocks, no randomness.
package conversation
