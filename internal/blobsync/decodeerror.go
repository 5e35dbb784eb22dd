package blobsync

import (
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
)

// errorf returns a decoding error about the item at byte at of a message
// body.
func errorf(at int, format string, args ...any) error {
	return fmt.Errorf("byte %d: %s", at, fmt.Sprintf(format, args...))
}

// cborWording words the errors of the CBOR reader as
// doc/protocol/blobsync.md's test vectors have them: "byte N: problem". An
// item of a major type the protocol never uses is reported as such
// whatever else is wrong with it.
func cborWording(e *cborwire.Error) string {
	return fmt.Sprintf("byte %d: %s", e.Offset, cborProblem(e))
}

func cborProblem(e *cborwire.Error) string {
	switch e.Problem {
	case cborwire.EndOfBody:
		return "the message ends where a value is due"
	case cborwire.Trailing:
		return fmt.Sprintf("the message array is followed by %d more bytes", e.Value)
	}
	switch e.Got() {
	case 7:
		return fmt.Sprintf("unexpected simple value or float 0x%02x", e.Initial)
	case 1, 5, 6:
		return fmt.Sprintf("unexpected CBOR major type %d (only unsigned integers, byte and text strings, arrays and null occur)", e.Got())
	}
	switch e.Problem {
	case cborwire.Reserved:
		return fmt.Sprintf("indefinite length or reserved value 0x%02x", e.Initial)
	case cborwire.ArgumentTruncated:
		return fmt.Sprintf("the message ends inside a %d-byte integer", e.Value)
	case cborwire.NotShortest:
		return fmt.Sprintf("%d is not in its shortest encoding", e.Value)
	case cborwire.WrongType:
		return fmt.Sprintf("%s: want %s, got %s", e.What, withArticle(e.Want), withArticle(e.Got()))
	case cborwire.OutOfRange:
		return outOfRange(e)
	case cborwire.PastEnd:
		return fmt.Sprintf("%s of %d bytes goes past the end of the message", e.What, e.Value)
	case cborwire.InvalidUTF8:
		return e.What + " is not valid UTF-8"
	}
	return fmt.Sprintf("%s: CBOR problem %d", e.What, e.Problem)
}

func outOfRange(e *cborwire.Error) string {
	switch {
	case e.Want == cborwire.MajorUint:
		return fmt.Sprintf("%s %d is over the limit of %d", e.What, e.Value, e.Max)
	case e.Want == cborwire.MajorArray:
		return fmt.Sprintf("%s has %d elements, at most %d allowed", e.What, e.Value, e.Max)
	case e.Want == cborwire.MajorText:
		return fmt.Sprintf("%s has %d bytes, at most %d allowed", e.What, e.Value, e.Max)
	case e.Min == e.Max:
		return fmt.Sprintf("%s has %d bytes, want %d", e.What, e.Value, e.Min)
	}
	return fmt.Sprintf("%s has %d bytes, want %d to %d", e.What, e.Value, e.Min, e.Max)
}

// withArticle is the name of m with its indefinite article.
func withArticle(m cborwire.Major) string {
	switch m {
	case cborwire.MajorUint, cborwire.MajorArray:
		return "an " + m.String()
	case cborwire.MajorBytes, cborwire.MajorText:
		return "a " + m.String()
	}
	return m.String()
}
