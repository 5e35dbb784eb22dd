// Package seal is the cryptography of encrypted spaces (doc/protocol/keyring.md):
// a device's signed, rotatable encryption key (a seal.key payload), epoch
// keys wrapped to every member device with HPKE, the announcement that
// carries those wraps, the sealed payload (AEAD ciphertext under an epoch
// key, padded to size buckets, with the author's real time inside), and the
// opaque log id of a space log.
//
// It is a pure domain package: it reads and writes byte slices only and
// draws randomness from crypto/rand. Who may announce an epoch and who is a
// member is the membership reducer's business (internal/space); this package
// checks only what the bytes themselves prove.
package seal
