package bundle

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Magic starts every bundle: "KITHBNDL" then the format version (1) as two bytes.
var Magic = [10]byte{'K', 'I', 'T', 'H', 'B', 'N', 'D', 'L', 0, 1}

// Record kinds.
const (
	kindMeta  = 0
	kindEntry = 1
	kindBlob  = 2
	kindChunk = 3
	kindEnd   = 4
)

// Limits, in bytes.
const (
	// MaxRecord bounds one record body.
	MaxRecord = 70000
	// ChunkSize is the largest blob data chunk.
	ChunkSize = 65536
	// MaxProducer bounds the producer text of the meta record.
	MaxProducer = 200
)

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	if encMode, err = cbor.CoreDetEncOptions().EncMode(); err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		MaxNestedLevels:  4,
		MaxArrayElements: 16,
		MaxMapPairs:      16,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// FormatError says where a bundle is malformed.
type FormatError struct {
	Record int   // 1-based record number, 0 for the magic
	Offset int64 // byte offset of the record's length field
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Record == 0 {
		return fmt.Sprintf("bundle: %s (byte %d)", e.Msg, e.Offset)
	}
	return fmt.Sprintf("bundle: record %d at byte %d: %s", e.Record, e.Offset, e.Msg)
}

// TruncatedError reports a bundle that ends before its end record.
type TruncatedError struct {
	Offset int64
}

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("bundle: truncated at byte %d: the file ends before its end record (was the copy interrupted?)", e.Offset)
}

// Meta is the first record of a bundle.
type Meta struct {
	Created  uint64 // ms since 1970
	Producer string
}

type metaRecord struct {
	_        struct{} `cbor:",toarray"`
	Kind     uint64
	Created  uint64
	Producer string
}

type entryRecord struct {
	_       struct{} `cbor:",toarray"`
	Kind    uint64
	Header  []byte
	Payload []byte // nil encodes as null
}

type blobRecord struct {
	_    struct{} `cbor:",toarray"`
	Kind uint64
	ID   []byte
	Size uint64
}

type chunkRecord struct {
	_    struct{} `cbor:",toarray"`
	Kind uint64
	Data []byte
}

type endRecord struct {
	_       struct{} `cbor:",toarray"`
	Kind    uint64
	Entries uint64
	Blobs   uint64
	Digest  []byte
}
