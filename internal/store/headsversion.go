package store

// HeadsVersioner is implemented by stores that can tell, without reading
// them, whether the heads may have changed: HeadsVersion returns a number
// that changes whenever a write of this process that may have changed a
// head ends (committed or not: Append, Ingest, DropLog, a purge), and
// whenever the store notices that another process wrote. Two calls that
// return the same number bracket no such write, so a caller may keep what
// it derived from Heads between them (the sync engine keeps the sorted
// offer set with its fingerprints: doc/protocol/sync.md, "Offer sets and
// interest"). It never blocks and costs no I/O.
//
// A store written by other processes at the same time implements it only
// if it notices their writes by itself, without I/O in HeadsVersion:
// PostgreSQL counts the notifications of their commits on a listening
// connection of its own, and changes the number on every call while that
// connection is not listening. What remains there is a commit whose
// notification has not arrived yet; the sync engine accepts it because the
// node pushes other processes' entries to its sessions as they are read
// (see postgres.Store.HeadsVersion). A store that cannot notice them must
// not implement it.
type HeadsVersioner interface {
	HeadsVersion() uint64
}
