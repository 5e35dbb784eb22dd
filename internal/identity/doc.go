// Package identity holds kith's keys and names: Ed25519 key pairs for accounts
// and devices, the 24-word recovery phrase and the SLIP-0010 derivation of the
// account key, passphrase-encrypted key files, and the typed, checksummed text
// form of every 32-byte identifier (accounts, devices, entries, blobs).
//
// It is a pure domain package: no network, no store. Key files are the only
// thing it reads or writes, and only through the functions in keyfile.go.
package identity
