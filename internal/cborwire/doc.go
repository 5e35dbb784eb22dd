// Package cborwire writes and strictly reads the small subset of CBOR
// (RFC 8949) that kith's wire protocols use: unsigned integers, byte
// strings, UTF-8 text strings, arrays of definite length, and null, every
// head in its shortest form (core deterministic encoding).
//
// The Append functions write exactly that subset. A Reader accepts exactly
// that subset and nothing else, so every message a protocol builds from
// these items has one encoding; it checks every head and bound, never
// panics, and reports a failure as an *Error that says what went wrong, at
// which byte, and with which values. How an Error reads is up to the
// protocol (Wording): each protocol keeps the error texts its documentation
// and test vectors name.
//
// It is a pure domain package: it reads and writes byte slices only.
package cborwire
