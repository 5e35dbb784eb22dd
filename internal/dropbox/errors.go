package dropbox

import "errors"

var (
	// ErrMalformed is wrapped by every error about bytes that are not
	// exactly an encoding this package defines: a breach when a peer sent
	// them.
	ErrMalformed = errors.New("malformed dropbox message")
	// ErrVersion is wrapped by the error about a message of another
	// version than 1: a newer peer's, no breach.
	ErrVersion = errors.New("dropbox message of an unknown version")
	// ErrTruncated is wrapped when a stream ends before a message is
	// whole: a failure, no breach.
	ErrTruncated = errors.New("the stream ended inside a dropbox message")
	// ErrNotForMe: no wrap of the letter opens with this device's key.
	ErrNotForMe = errors.New("the letter is not for this device")
	// ErrNotDecrypted: the letter's box does not open under its key.
	ErrNotDecrypted = errors.New("the letter does not decrypt")
)
