package replicate

import (
	"errors"
	"fmt"
)

// Code is the reason a BYE gives (doc/protocol/sync.md, "Closing and
// misbehaviour").
type Code uint8

// The BYE codes. CodeMalformed through CodeFlood are misbehaviour.
const (
	CodeNormal       Code = 0 // normal close
	CodeVersion      Code = 1 // protocol version not supported
	CodeMalformed    Code = 2 // malformed message: bad framing, shape or encoding, unknown kind, out of order
	CodeLimit        Code = 3 // a limit exceeded: message size, credit, open wants, ...
	CodeInvalidEntry Code = 4 // an entry that fails verification
	CodeUnsolicited  Code = 5 // an entry of a log not wanted, or not the seq expected
	CodeFlood        Code = 6 // messages faster than the receiver allows
	CodeDuplicate    Code = 7 // another session with the same peer is kept; not misbehaviour
	CodeInternal     Code = 8 // the sender failed on its own side (its store); not the receiver's fault
	CodeBusy         Code = 9 // the sender has no budget for a session with this peer now; try again later; not misbehaviour
)

var codeNames = [...]string{"normal close", "protocol version not supported", "malformed message", "limit exceeded", "invalid entry", "unsolicited entry", "flood", "duplicate session", "internal error", "busy"}

func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code %d", uint8(c))
}

// Misbehaviour reports whether a peer that caused this code broke the
// protocol (and should be penalised), rather than closing for a reason of
// its own.
func (c Code) Misbehaviour() bool { return c >= CodeMalformed && c <= CodeFlood }

// ProtocolError is why this side closed a session: the peer broke the
// protocol (Code says how) or speaks another version.
type ProtocolError struct {
	Code Code
	Err  error // what and where: message kind, log, seq, byte offset
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("sync protocol error (%d, %s): %v", e.Code, e.Code, e.Err)
}

func (e *ProtocolError) Unwrap() error { return e.Err }

// protoErr builds a *ProtocolError from a formatted message.
func protoErr(code Code, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Err: fmt.Errorf(format, args...)}
}

// PeerClosedError is returned by Engine.Run when the peer closed the
// session with a BYE other than a normal close.
type PeerClosedError struct {
	Code Code
	Text string
}

func (e *PeerClosedError) Error() string {
	return fmt.Sprintf("peer closed the sync session (%d, %s): %q", e.Code, e.Code, e.Text)
}

// ErrDuplicateSession is returned by Engine.Run for a session closed because
// another session with the same peer is kept (see Engine.Run).
var ErrDuplicateSession = errors.New("replicate: another sync session with this peer is kept; this one was closed")

// ErrStreamEnded is returned when the stream ended without a BYE.
var ErrStreamEnded = errors.New("replicate: the stream ended without a BYE")

// ErrSelf is returned when asked to run a session with this node's own key.
var ErrSelf = errors.New("replicate: the peer is this node's own device key")
