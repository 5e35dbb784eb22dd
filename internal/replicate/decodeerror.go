package replicate

import (
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
)

// readError is a decoding failure at a byte offset of a message body.
type readError struct {
	off int
	msg string
}

func (e *readError) Error() string { return fmt.Sprintf("%s (byte %d)", e.msg, e.off) }

// cborWording words the errors of the CBOR reader as this package's other
// decoding errors read: "what: problem (byte N)". A head of the wrong major
// type is reported as such whatever else is wrong with it.
func cborWording(e *cborwire.Error) string {
	return fmt.Sprintf("%s (byte %d)", cborProblem(e), e.Offset)
}

func cborProblem(e *cborwire.Error) string {
	switch {
	case e.Problem == cborwire.EndOfBody:
		return e.What + ": truncated"
	case e.Problem == cborwire.Trailing:
		return fmt.Sprintf("%d trailing bytes after the message", e.Value)
	case e.Got() != e.Want:
		return fmt.Sprintf("%s: want CBOR %s, got major type %d (0x%02x)", e.What, e.Want, e.Got(), e.Initial)
	}
	switch e.Problem {
	case cborwire.Reserved:
		return fmt.Sprintf("%s: indefinite or reserved length (additional info %d)", e.What, e.Initial&0x1f)
	case cborwire.ArgumentTruncated:
		return e.What + ": truncated"
	case cborwire.NotShortest:
		return fmt.Sprintf("%s: %d is not in its shortest encoding", e.What, e.Value)
	case cborwire.OutOfRange:
		return outOfRange(e)
	case cborwire.PastEnd:
		if e.Want == cborwire.MajorText {
			return e.What + ": truncated text string"
		}
		return e.What + ": truncated byte string"
	case cborwire.InvalidUTF8:
		return e.What + ": text is not valid UTF-8"
	}
	return fmt.Sprintf("%s: CBOR problem %d", e.What, e.Problem)
}

func outOfRange(e *cborwire.Error) string {
	switch e.Want {
	case cborwire.MajorUint:
		return fmt.Sprintf("%s: %d exceeds the limit %d", e.What, e.Value, e.Max)
	case cborwire.MajorArray:
		return fmt.Sprintf("%s: array of %d elements, want %s", e.What, e.Value, countRange(e.Min, e.Max))
	case cborwire.MajorText:
		return fmt.Sprintf("%s: text of %d bytes, want %s", e.What, e.Value, countRange(e.Min, e.Max))
	}
	return fmt.Sprintf("%s: byte string of %d bytes, want %s", e.What, e.Value, countRange(e.Min, e.Max))
}

func countRange(lo, hi uint64) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d..%d", lo, hi)
}
