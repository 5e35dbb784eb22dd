package node

import (
	"errors"

	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
)

// streamBreach reports whether err, which ended reading a peer's message
// in the certificate exchange, the invite exchange or the request protocol
// of villages, is the peer's breach of the protocol, to be penalised: a
// malformed message (invite.ErrMessage: a length out of bounds, a body
// that is not the message's canonical CBOR, a field out of bounds), or a
// stream held open without the message until this node's deadline. A
// stream reset, a connection closed or lost, or a stream that ends before
// its message is complete is a failure, not a breach: an honest peer on a
// bad link, or one that stops, does that (doc/protocol/invite.md,
// "Failures and breaches").
func streamBreach(err error) bool {
	return errors.Is(err, invite.ErrMessage) || netnode.StreamTimedOut(err)
}
