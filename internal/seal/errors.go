package seal

import "errors"

// The outcomes keyring.md names. Each is returned wrapped with detail; test
// with errors.Is.
var (
	// ErrMalformed: the bytes are not a valid encoding (truncated, oversized,
	// wrong version, a field of the wrong length, trailing bytes).
	ErrMalformed = errors.New("malformed")
	// ErrNotForMe: no wrap in the announcement opens with this device's key
	// for this space and epoch (a wrap for someone else, or for another space).
	ErrNotForMe = errors.New("no key wrap for this device in this announcement")
	// ErrEpochMismatch: a wrap opened, but the key in it does not hash to
	// the announced epoch id (an announcement that lies about its epoch).
	ErrEpochMismatch = errors.New("the wrapped key does not match the epoch id")
	// ErrUnknownEpoch: the payload is sealed under an epoch whose key this
	// device does not hold (yet); keep the entry and try again when the key arrives.
	ErrUnknownEpoch = errors.New("sealed under an epoch whose key this device does not hold")
	// ErrOutdatedEpoch: the author sealed under an epoch that an epoch it
	// had already sealed under earlier in the same log supersedes.
	ErrOutdatedEpoch = errors.New("sealed under an epoch the author had already moved past")
	// ErrNotDecrypted: the ciphertext does not decrypt under the epoch key
	// with this entry's author, log id and seq (tampered, or replayed from
	// another position).
	ErrNotDecrypted = errors.New("the ciphertext does not decrypt at this position")
	// ErrTooLarge: the plaintext does not fit the largest bucket.
	ErrTooLarge = errors.New("plaintext too large to seal")
	// ErrRotationOrder: a seal.key payload whose rotation counter does not
	// exceed the one before it in the device's log.
	ErrRotationOrder = errors.New("rotation counter does not increase")
)
