package replicate

import (
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// Version is the protocol version this package speaks (HELLO).
const Version = 1

// Protocol limits (doc/protocol/sync.md, "Limits"). They bind both sides:
// a peer that exceeds one is closed with CodeLimit.
const (
	// MaxMessage bounds one message body, in bytes.
	MaxMessage = 2 << 20
	// MaxEntriesPerMessage bounds the entries of one ENTRIES.
	MaxEntriesPerMessage = 256
	// MaxListItems bounds the items of one list range of a RECONCILE.
	MaxListItems = 64
	// MaxLogsPerMessage bounds the logs of one WANT, UNWANT or HAVE.
	MaxLogsPerMessage = 1024
	// MaxCreditEntries and MaxCreditBytes bound the credit a sender may
	// hold: the sum of all CREDIT received minus what it sent.
	MaxCreditEntries = 65536
	MaxCreditBytes   = 64 << 20
	// MinCreditBytes is the least byte window a receiver grants: one
	// ENTRIES holding the largest entry must always fit.
	MinCreditBytes = 64 << 10
	// MaxFeatures and MaxFeatureLen bound the features of HELLO;
	// MaxByeText the text of BYE, in bytes.
	MaxFeatures   = 16
	MaxFeatureLen = 64
	MaxByeText    = 256
	// KeySize is the size of a log key on the wire: author ‖ log id.
	KeySize = 64
)

// Kind is the first element of every message.
type Kind uint8

// The message kinds.
const (
	KindHello     Kind = 0
	KindReconcile Kind = 1
	KindWant      Kind = 2
	KindEntries   Kind = 3
	KindCredit    Kind = 4
	KindCaughtUp  Kind = 5
	KindHave      Kind = 6
	KindUnwant    Kind = 7
	KindBye       Kind = 8
	KindWantsDone Kind = 9
)

var kindNames = [...]string{"HELLO", "RECONCILE", "WANT", "ENTRIES", "CREDIT", "CAUGHT_UP", "HAVE", "UNWANT", "BYE", "WANTS_DONE"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// Message is one protocol message.
type Message interface{ Kind() Kind }

// Hello is sent first by both sides.
type Hello struct {
	Version  uint64
	Features []string // none defined; unknown ones are ignored
}

// Reconcile is one round of set reconciliation: contiguous ranges of the key
// space from its start, each ending at Upper. The key space after the last
// range is reconciled (an implicit skip).
type Reconcile struct{ Ranges []Range }

// Mode says what a range of a Reconcile carries.
type Mode uint8

// The range modes.
const (
	// ModeSkip: nothing to do in this range.
	ModeSkip Mode = 0
	// ModeFingerprint: Fingerprint is the sender's fingerprint of the range.
	ModeFingerprint Mode = 1
	// ModeList: Items are all the sender's items in the range; the
	// receiver answers with ModeReply.
	ModeList Mode = 2
	// ModeReply: Items are the sender's items in the range that the
	// receiver's list lacked or held with another value; no answer.
	ModeReply Mode = 3
)

var modeNames = [...]string{"skip", "fingerprint", "list", "reply"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode %d", uint8(m))
}

// Range is one range of a Reconcile. Upper is an exclusive bound: a key
// prefix of 1..64 bytes, or nil for the end of the key space (only the
// last range may end there). Its lower bound is the previous range's Upper,
// or the start of the key space.
type Range struct {
	Upper       []byte
	Mode        Mode
	Fingerprint Fingerprint // ModeFingerprint
	Items       []Item      // ModeList, ModeReply
}

// Item is a log in an offer set: its key and its head.
type Item struct {
	Log  store.LogKey
	Seq  uint64
	Head entry.ID
}

// Want asks for entries of logs from a seq on, and for live pushes of the
// entries that follow. A WANT for a log already wanted restarts it there.
type Want struct{ Logs []WantLog }

// WantLog is one log of a Want.
type WantLog struct {
	Log  store.LogKey
	From uint64
}

// Entries carries entries of logs the receiver wanted, each log in seq
// order. Decoded entries are parsed (header decoded, id computed, payload
// checked against the header) but their signatures are not verified.
type Entries struct{ Entries []*entry.Entry }

// Credit allows the peer to send that many more entries and bytes of
// framed ENTRIES messages.
type Credit struct{ Entries, Bytes uint64 }

// CaughtUp says that every entry the peer wanted before its WantsDone, up
// to the head this side held when it received the WANT, has been sent.
type CaughtUp struct{}

// Have announces new heads of logs the sender offers and the peer has not
// wanted.
type Have struct{ Heads []Item }

// Unwant stops logs previously wanted.
type Unwant struct{ Logs []store.LogKey }

// Bye closes the session; Code says why.
type Bye struct {
	Code Code
	Text string
}

// WantsDone follows the WANTs that result from the reconciliation.
type WantsDone struct{}

// Kind implementations.
func (*Hello) Kind() Kind     { return KindHello }
func (*Reconcile) Kind() Kind { return KindReconcile }
func (*Want) Kind() Kind      { return KindWant }
func (*Entries) Kind() Kind   { return KindEntries }
func (*Credit) Kind() Kind    { return KindCredit }
func (*CaughtUp) Kind() Kind  { return KindCaughtUp }
func (*Have) Kind() Kind      { return KindHave }
func (*Unwant) Kind() Kind    { return KindUnwant }
func (*Bye) Kind() Kind       { return KindBye }
func (*WantsDone) Kind() Kind { return KindWantsDone }

// keyOf returns the wire key of a log: author ‖ log id.
func keyOf(l store.LogKey) [KeySize]byte {
	var k [KeySize]byte
	copy(k[:32], l.Author[:])
	copy(k[32:], l.LogID[:])
	return k
}

// logOf is the inverse of keyOf.
func logOf(k []byte) store.LogKey {
	var l store.LogKey
	copy(l.Author[:], k[:32])
	copy(l.LogID[:], k[32:KeySize])
	return l
}
