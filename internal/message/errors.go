package message

import (
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/seal"
)

// The outcomes messages.md names. Each is returned wrapped with detail;
// test with errors.Is. All but ErrWrongLog and ErrNotRenewal are internal/seal's (the
// announcement is seal's format and a node treats both alike), so
// errors.Is works with either package's name.
var (
	// ErrMalformed: the bytes are not a valid encoding, or break a rule of
	// the body (a start by someone else than the creator, …).
	ErrMalformed = seal.ErrMalformed
	// ErrNotForMe: no wrap of the announcement part opens for this device.
	ErrNotForMe = seal.ErrNotForMe
	// ErrEpochMismatch: a wrap opened but its key material does not hash
	// to the announced epoch id.
	ErrEpochMismatch = seal.ErrEpochMismatch
	// ErrWrongLog: the entry is not in its author's log of this
	// conversation (a copied announcement part, or a message looked up in
	// the wrong conversation).
	ErrWrongLog = errors.New("not in its author's log of this conversation")
	// ErrNotRenewal: a renewal's key material opened but its tag does not
	// bind it to this conversation and a candidate maker (messages.md
	// §11): a bad binding.
	ErrNotRenewal = errors.New("not a key renewal of this conversation")
	// ErrSecondRenewal: a device made two generations with one number;
	// the one with the smaller id is kept (messages.md §11).
	ErrSecondRenewal = errors.New("a second renewal by one device at one number")
	// ErrNotDecrypted: the ciphertext does not decrypt with this
	// conversation's key at this position (tampered or moved).
	ErrNotDecrypted = seal.ErrNotDecrypted
	// ErrTooLarge: the body does not fit the largest bucket, or too many
	// recipients for one announcement.
	ErrTooLarge = seal.ErrTooLarge
)

// FieldError is a body that breaks a rule of messages.md §3: which field
// (empty for the body as a whole) and what is wrong, with the byte offset
// in the body. It wraps ErrMalformed.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("message: %s", e.Msg)
	}
	return fmt.Sprintf("message: field %q: %s", e.Field, e.Msg)
}

// Unwrap makes errors.Is(err, ErrMalformed) true.
func (e *FieldError) Unwrap() error { return ErrMalformed }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}
