// Package dropbox is the dropbox service of hubs (doc/protocol/services.md
// §8) and the hubs payload an account names its hubs and dropboxes with
// (doc/protocol/payloads.md §10): the sealed letter a sender leaves for a
// recipient who does not follow it yet, the deposit and collect messages,
// and the rules by which a hub decides what it keeps, refuses and drops.
//
// It is a pure domain package: it reads and writes byte slices and streams
// given to it, draws randomness from crypto/rand and takes the hub's clock
// as an argument. Storing letters on disk and the network are the node's.
package dropbox
