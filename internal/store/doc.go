// Package store defines how kith keeps entries: the Store interface that
// every backend implements (SQLite in store/sqlite, memory in store/mem), the
// validation every backend applies before it writes anything (Plan), and the
// types queries return. The conformance suite in store/storetest is the
// definition of correct behaviour; every backend runs it.
//
// Validation is in this package, once, so backends cannot disagree: a backend
// hands Plan a read-only view of its state and applies the changes Plan
// returns in one transaction, or none of them.
package store
