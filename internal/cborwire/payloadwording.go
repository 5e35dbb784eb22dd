package cborwire

import "fmt"

// PayloadWording writes errors for a reader of a payload map's body: one
// started after the map's one-byte head (a map of at most 23 pairs, as
// village and space payloads are), so offsets are counted from the start
// of the payload. Give it to NewReader.
func PayloadWording(e *Error) string {
	off := e.Offset + 1
	switch e.Problem {
	case EndOfBody:
		return fmt.Sprintf("byte %d: the payload ends where a value is due", off)
	case Reserved:
		return fmt.Sprintf("byte %d: indefinite length or reserved value 0x%02x", off, e.Initial)
	case ArgumentTruncated:
		return fmt.Sprintf("byte %d: the payload ends inside a %d-byte argument", off, e.Value)
	case NotShortest:
		return fmt.Sprintf("byte %d: %d is not in its shortest encoding", off, e.Value)
	case WrongType:
		return fmt.Sprintf("byte %d: want %s, got %s (0x%02x)", off, e.Want, e.Got(), e.Initial)
	case OutOfRange:
		switch e.Want {
		case MajorUint:
			return fmt.Sprintf("byte %d: %d exceeds the limit %d", off, e.Value, e.Max)
		case MajorArray:
			return fmt.Sprintf("byte %d: %d elements, want %d..%d", off, e.Value, e.Min, e.Max)
		}
		return fmt.Sprintf("byte %d: %d bytes, want %d..%d", off, e.Value, e.Min, e.Max)
	case PastEnd:
		return fmt.Sprintf("byte %d: %s of %d bytes goes past the end of the payload", off, e.Want, e.Value)
	case InvalidUTF8:
		return fmt.Sprintf("byte %d: text is not valid UTF-8", off)
	case Trailing:
		return fmt.Sprintf("byte %d: %d trailing bytes after the payload map", off, e.Value)
	}
	return fmt.Sprintf("byte %d: problem %d", off, e.Problem)
}
