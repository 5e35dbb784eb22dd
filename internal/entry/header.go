package entry

import (
	"crypto/sha256"
	"fmt"

	"github.com/kithnet/kith/internal/identity"
)

// Version is the only header version this code reads and writes.
const Version = 1

// Limits, in bytes. See doc/protocol/entry.md.
const (
	// MaxPayloadSize bounds the payload of one entry; larger things are blobs.
	MaxPayloadSize = 16 * 1024
	// MaxHeaderSize bounds an encoded signed header. The largest valid header
	// is 226 bytes; anything longer is rejected before it is parsed.
	MaxHeaderSize = 226
	// MaxSeq and MaxTimestamp keep both values inside a signed 64-bit integer.
	MaxSeq       = 1<<63 - 1
	MaxTimestamp = 1<<63 - 1
)

// Flags are bits in the header's flags field.
type Flags uint64

const (
	// FlagEndOfLog marks the last entry of a log: nothing may follow it.
	FlagEndOfLog Flags = 1 << 0
	// FlagPruneBefore says payloads of entries before this one may be dropped
	// by anyone holding the log; their headers stay.
	FlagPruneBefore Flags = 1 << 1

	knownFlags = FlagEndOfLog | FlagPruneBefore
)

// ID is an entry's content address: SHA-256 of its encoded signed header.
type ID [32]byte

// String returns the checksummed text form "ent_…".
func (id ID) String() string { return identity.Encode(identity.KindEntry, id) }

// Hex returns the lowercase hexadecimal form.
func (id ID) Hex() string { return fmt.Sprintf("%x", id[:]) }

// IsZero reports whether the id is all zero bytes (never a real id).
func (id ID) IsZero() bool { return id == ID{} }

// ParseID parses the text form "ent_…".
func ParseID(s string) (ID, error) {
	b, err := identity.Decode(identity.KindEntry, s)
	return ID(b), err
}

// LogID names a context within an author's logs. The zero value is the
// author's public log.
type LogID [32]byte

// PublicLog is the log id of an author's public log.
var PublicLog LogID

// String returns the checksummed text form "log_…".
func (l LogID) String() string { return identity.Encode(identity.KindLog, l) }

// Hex returns the lowercase hexadecimal form.
func (l LogID) Hex() string { return fmt.Sprintf("%x", l[:]) }

// ParseLogID parses the text form "log_…".
func ParseLogID(s string) (LogID, error) {
	b, err := identity.Decode(identity.KindLog, s)
	return LogID(b), err
}

// Header is the signed part of an entry. Backlink is meaningful only when
// Seq > 1; at Seq 1 it must be zero and is encoded as CBOR null.
type Header struct {
	Version     uint64
	Author      identity.PublicKey
	LogID       LogID
	Seq         uint64
	Backlink    ID
	Timestamp   uint64
	PayloadSize uint64
	PayloadHash [32]byte
	Flags       Flags
	Signature   [64]byte
}

// Entry is a header together with its exact encoding, its id and, when held,
// its payload. Payload is nil when the payload was deleted or withheld.
type Entry struct {
	Header  Header
	Raw     []byte // the encoded signed header, exactly as signed and hashed
	ID      ID
	Payload []byte

	// sigFor is the id for which the signature was found valid by this
	// package (Sign, Verify, VerifyBatch); see SignatureVerified.
	sigFor ID
	sigOK  bool
}

// SignatureVerified reports whether this package already found the
// signature valid for exactly the header and id the entry now holds, so a
// later stage (the store) need not verify it again. It is a cache, not a
// claim anyone outside this package can make: the fields are unexported.
func (e *Entry) SignatureVerified() bool {
	if !e.sigOK || e.sigFor != e.ID {
		return false
	}
	var buf [MaxHeaderSize]byte
	return string(e.Header.AppendSigned(buf[:0])) == string(e.Raw)
}

func (e *Entry) markVerified() {
	var buf [MaxHeaderSize]byte
	if string(e.Header.AppendSigned(buf[:0])) == string(e.Raw) {
		e.sigOK, e.sigFor = true, e.ID
	}
}

// HashPayload returns SHA-256 of a payload.
func HashPayload(p []byte) [32]byte { return sha256.Sum256(p) }
