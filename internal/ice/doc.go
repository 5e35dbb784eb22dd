// Package ice is what a node tells a browser peer on /kith/ice/1
// (doc/protocol/ice.md): where the node's STUN and TURN server is and the
// short-lived credentials to use there, or why it gives none. It encodes
// and decodes the answer's bytes and makes and checks the credentials (an
// HMAC under the node's own secret, the expiry by the node's own clock,
// given to it as an argument). It does no I/O beyond the reader it is
// given.
package ice
