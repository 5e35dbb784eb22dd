// Package causalorder computes the causal order in which reducers apply
// entries (doc/protocol/village.md §3, "Order"): a topological order of the
// graph whose edges run from an entry to its backlink and to the entries it
// references, ties broken by entry id. No timestamp takes part. Villages
// and conversations both use it.
//
// It is a pure domain package: no I/O, no clocks, no randomness.
package causalorder
