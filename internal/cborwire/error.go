package cborwire

import "fmt"

// Problem is what is wrong with an item. A Reader checks an item in the
// order of these constants and reports the first problem it finds. The
// item's initial byte, and so its major type (Error.Got), is known for
// every problem but EndOfBody, so a Wording may put a wrong major type
// first instead.
type Problem uint8

// The problems a Reader reports.
const (
	// EndOfBody: the body ends where an item is due.
	EndOfBody Problem = iota + 1
	// Reserved: additional information 28 to 31, an indefinite length or
	// a reserved value.
	Reserved
	// ArgumentTruncated: the body ends inside the head's argument; Value
	// is the argument's size in bytes (1, 2, 4 or 8).
	ArgumentTruncated
	// NotShortest: the argument, Value, has a shorter encoding.
	NotShortest
	// WrongType: a well-formed head of another major type than Want
	// (Got), or of a simple value or float; Value is its argument.
	WrongType
	// OutOfRange: the integer, string length or element count Value is
	// outside Min..Max.
	OutOfRange
	// PastEnd: a string of Value bytes is longer than what is left of
	// the body.
	PastEnd
	// InvalidUTF8: a text string of Value bytes is not valid UTF-8.
	InvalidUTF8
	// Trailing: Value bytes are left after the last item.
	Trailing
)

// Error is a failure to read an item. Offset and Initial locate it; the
// other fields say what was asked for and what was found.
type Error struct {
	Offset  int    // the byte of the body where the item (for Trailing: the rest) starts
	What    string // the caller's name for the item ("" for Trailing)
	Problem Problem
	Want    Major  // the major type asked for (unset for Trailing)
	Initial byte   // the byte at Offset; 0 for EndOfBody
	Value   uint64 // see the Problem constants
	Min     uint64 // the bounds of an OutOfRange
	Max     uint64

	words Wording
}

// Got is the major type of the item's initial byte.
func (e *Error) Got() Major { return Major(e.Initial >> 5) }

// Error returns the text the Reader's Wording writes for e.
func (e *Error) Error() string {
	if e.words != nil {
		return e.words(e)
	}
	return plainWording(e)
}

// Wording writes the text of an Error. A protocol passes its own to
// NewReader to keep the error texts its documentation names.
type Wording func(e *Error) string

// plainWording is the Wording of a Reader made without one: "byte N: what:
// problem".
func plainWording(e *Error) string {
	return fmt.Sprintf("byte %d: %s", e.Offset, plainProblem(e))
}

func plainProblem(e *Error) string {
	switch e.Problem {
	case EndOfBody:
		return fmt.Sprintf("%s: the body ends where an item is due", e.What)
	case Reserved:
		return fmt.Sprintf("%s: indefinite length or reserved value 0x%02x", e.What, e.Initial)
	case ArgumentTruncated:
		return fmt.Sprintf("%s: the body ends inside a %d-byte argument", e.What, e.Value)
	case NotShortest:
		return fmt.Sprintf("%s: %d is not in its shortest encoding", e.What, e.Value)
	case WrongType:
		return fmt.Sprintf("%s: want %s, got %s (0x%02x)", e.What, e.Want, e.Got(), e.Initial)
	case OutOfRange:
		switch e.Want {
		case MajorUint:
			return fmt.Sprintf("%s: %d exceeds the limit %d", e.What, e.Value, e.Max)
		case MajorArray:
			return fmt.Sprintf("%s: %d elements, want %d..%d", e.What, e.Value, e.Min, e.Max)
		}
		return fmt.Sprintf("%s: %d bytes, want %d..%d", e.What, e.Value, e.Min, e.Max)
	case PastEnd:
		return fmt.Sprintf("%s: %s of %d bytes goes past the end of the body", e.What, e.Want, e.Value)
	case InvalidUTF8:
		return fmt.Sprintf("%s: text is not valid UTF-8", e.What)
	case Trailing:
		return fmt.Sprintf("%d trailing bytes after the last item", e.Value)
	}
	return fmt.Sprintf("%s: problem %d", e.What, e.Problem)
}
