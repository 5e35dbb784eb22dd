// Package message is private messages (doc/protocol/messages.md): a
// conversation's secret wrapped to every participant device with the
// keyring's HPKE announcements (internal/seal), one opaque log per device
// per conversation, messages sealed with XChaCha20-Poly1305 and padded to
// size buckets with no key id in the clear, their canonical CBOR body
// (text, reply, causal refs, and in the start the participants), and the
// threading of a conversation by causal references and seq, never by time.
//
// It is a pure domain package: it reads and writes byte slices only and
// draws randomness from crypto/rand. Which devices belong to which account,
// whose announcements a node tries, and where entries are stored are the
// caller's (internal/node's) business; the functions here take keys,
// positions and bytes and return bytes and values.
package message
