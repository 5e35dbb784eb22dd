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
// A store written by other processes at the same time (PostgreSQL) does
// not implement it unless it learns of their writes before a read.
type HeadsVersioner interface {
	HeadsVersion() uint64
}
