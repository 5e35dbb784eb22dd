package content

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is. Every error this package returns is an
// *Error; the sentinel, when there is one, is its Err.
var (
	// ErrNotCBORMap: the bytes are not a CBOR map with a text "type". In an
	// encrypted context that is expected (ciphertext); callers store such a
	// payload as opaque rather than reject it.
	ErrNotCBORMap = errors.New("not a CBOR map with a text \"type\"")
	// ErrTooLarge: the payload exceeds MaxPayloadSize.
	ErrTooLarge = errors.New("payload too large")
	// ErrEncoding: the payload claims a type but is not well-formed,
	// canonical CBOR within the data model and limits of payloads.md.
	ErrEncoding = errors.New("not a canonical payload encoding")
	// ErrUnknownType: Encode was given an *Unknown.
	ErrUnknownType = errors.New("unknown payload type")
)

// Error says what is wrong with a payload: which type, which field, what.
// Its text is "TYPE: field FIELD: MSG", or "TYPE: MSG" when no one field is
// at fault; TYPE is "payload" when the type is not known yet.
type Error struct {
	Type  string // the payload type, or "payload"
	Field string // the CBOR key of the field at fault, or ""
	Msg   string
	Err   error // a sentinel above, or nil
}

// Error formats the error as described on the type.
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Type + ": " + e.Msg
	}
	return e.Type + ": field " + e.Field + ": " + e.Msg
}

// Unwrap returns the sentinel, if any.
func (e *Error) Unwrap() error { return e.Err }

func fieldErr(typ, field, format string, args ...any) *Error {
	return &Error{Type: typ, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func typeErr(typ string, sentinel error, format string, args ...any) *Error {
	return &Error{Type: typ, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}
