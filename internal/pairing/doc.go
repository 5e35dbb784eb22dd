// Package pairing holds the pure rules of pairing a new device with an
// account without its recovery phrase (doc/protocol/pairing.md): the
// pairing code, CPace over ristretto255 with SHA-512 (draft-irtf-cfrg-cpace)
// keyed by the code's secret, the key confirmation that authenticates the
// certificate request and its answer, and the framed messages of the
// exchange. It does no I/O beyond the reader and writer it is given.
package pairing
