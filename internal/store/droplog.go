package store

import "context"

// LogDropper is implemented by stores that can forget a whole log: the
// node drops the village logs of strangers it keeps within a budget
// (doc/protocol/village.md §6). Every backend of this repository
// implements it; storetest checks it.
type LogDropper interface {
	// DropLog deletes every entry of the log, its fork evidence and its
	// head, as if it had never been stored: the log can be stored again
	// from seq 1. The payloads' tombstones and device certificates the
	// log's entries made stay. Dropping a log that is not held is not an
	// error. The dropped entries' cursors stay taken: what is stored
	// afterwards gets larger ones (Stored.Cursor). It returns the number
	// of entries and the bytes (encoded headers plus held payloads)
	// deleted.
	DropLog(ctx context.Context, log LogKey) (entries int, bytes int64, err error)
}
