package browserpeer

import (
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/replicate"
)

// RefusedError is how a sync session ends when the peer broke the
// protocol (replicate.Code.Misbehaviour): it says, for the person, what the
// peer sent and that nothing of it was kept. It unwraps to the
// *replicate.ProtocolError, whose text (kind, log, seq, byte) follows in
// parentheses.
type RefusedError struct {
	Err *replicate.ProtocolError
}

// refusedWhat says in words what a peer sent that earned each code.
var refusedWhat = map[replicate.Code]string{
	replicate.CodeMalformed:    "bytes that are not kith's sync protocol",
	replicate.CodeLimit:        "a message larger than the protocol allows",
	replicate.CodeInvalidEntry: "an entry that does not verify (its signature or its chain is wrong)",
	replicate.CodeUnsolicited:  "entries this browser did not ask for",
	replicate.CodeFlood:        "messages faster than this browser takes them",
}

func (e *RefusedError) Error() string {
	what := refusedWhat[e.Err.Code]
	if what == "" {
		what = "something the protocol does not allow"
	}
	return fmt.Sprintf("it sent %s; this browser refused it and kept nothing of it. If this goes on, connect to another node. (%v)", what, e.Err)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// explainSync is the error a sync session ends with, as the person reads
// it: a peer's breach of the protocol as a RefusedError, anything else as
// it is.
func explainSync(err error) error {
	var pe *replicate.ProtocolError
	if errors.As(err, &pe) && pe.Code.Misbehaviour() {
		return &RefusedError{Err: pe}
	}
	return err
}
