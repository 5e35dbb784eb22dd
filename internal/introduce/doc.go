// Package introduce is the answer a node gives a browser peer on
// /kith/introduce/1 (doc/protocol/introduce.md): the browser peers it may
// reach through the node's signalling relay. It encodes and decodes the
// answer's bytes; it does no I/O of its own beyond the reader and writer
// it is given.
package introduce
