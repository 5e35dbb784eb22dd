package blobsync

import (
	"fmt"

	"github.com/kithnet/kith/internal/blob"
)

// ProtocolID is the libp2p protocol id of the blob protocol.
const ProtocolID = "/kith/blob/1"

// Limits of the protocol (doc/protocol/blobsync.md, "Limits").
const (
	// MaxMessage bounds the body of one message, in bytes.
	MaxMessage = 70000
	// MaxQueryIDs bounds the ids of one QUERY.
	MaxQueryIDs = 256
	// MaxChunk bounds the bytes of one DATA message.
	MaxChunk = 65536
	// MaxErrorText bounds the text of an ERROR message, in bytes.
	MaxErrorText = 200
	// MaxRequests bounds the requests a responder answers on one stream.
	MaxRequests = 2048
	// MaxServing bounds the transfers (GET answers) a node sends at once.
	MaxServing = 8
	// ReservedServing of the MaxServing slots are kept for the peers the
	// node favours (Config.Favoured): others get ERROR 4 once
	// MaxServing − ReservedServing transfers are in progress.
	ReservedServing = 2
	// MaxServingPerPeer bounds the transfers a node sends to one peer at
	// once: one peer never holds more than this share of MaxServing.
	MaxServingPerPeer = 2
	// MaxStreamsPerPeer bounds the blob streams a node answers for one
	// peer at once; a stream beyond it gets ERROR 4 before any request is
	// read.
	MaxStreamsPerPeer = 4
	// MaxFetching bounds the streams a node fetches over at once; it
	// fetches over at most one stream per peer.
	MaxFetching = 4
)

// maxInt is the largest size or offset a message may carry: 2^63 − 1.
const maxInt = 1<<63 - 1

// kind is the first element of every message.
type kind uint64

const (
	kindQuery    kind = 0
	kindHave     kind = 1
	kindGet      kind = 2
	kindBlob     kind = 3
	kindData     kind = 4
	kindNotFound kind = 5
	kindError    kind = 6
)

// kindNames are the names doc/protocol/blobsync.md uses.
var kindNames = [...]string{"QUERY", "HAVE", "GET", "BLOB", "DATA", "NOT_FOUND", "ERROR"}

func (k kind) String() string {
	if k < kind(len(kindNames)) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", uint64(k))
}

// ERROR codes.
const (
	codeViolation   = 1 // the peer's message was malformed or not allowed
	codeTooMany     = 2 // too many requests on one stream
	codeUnavailable = 3 // the blob cannot be read here now
	codeBusy        = 4 // too many transfers in progress
)

// absent is the size HAVE reports for a blob the responder does not have
// (null on the wire).
const absent = -1

// message is one decoded message. Kind says which of the other fields are
// set.
type message struct {
	Kind kind
	// IDs: QUERY.
	IDs []blob.ID
	// Sizes: HAVE, one per queried id; absent (-1) for null.
	Sizes []int64
	// ID: GET, BLOB, NOT_FOUND.
	ID blob.ID
	// Offset: GET, BLOB.
	Offset int64
	// Size: BLOB.
	Size int64
	// Data: DATA. It may share memory with the buffer the message was read
	// into, and is valid only until the next message is read.
	Data []byte
	// Code and Text: ERROR.
	Code uint64
	Text string
}
