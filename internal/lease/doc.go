// Package lease holds the rules of data leases (doc/protocol/services.md
// §9): signing and checking a lease, what a holder grants or refuses, the
// holder's book of the leases it keeps (when each ends, whether it is over
// its limits) and the asker's times to renew. Every time is given by the
// caller, read from its own clock: nothing here trusts a time a peer
// claims, and nothing reads a clock.
//
// It is a pure domain package: no I/O; the node persists what it encodes.
package lease
