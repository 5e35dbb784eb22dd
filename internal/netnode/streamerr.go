package netnode

import (
	"errors"
	"io"
	"net"
	"os"

	"github.com/libp2p/go-libp2p/core/network"
)

// StreamBroken reports whether err, from a Stream's Read or Write, says
// that the stream was reset (by either side) or that its connection closed
// or was lost (a keep-alive or idle timeout of the connection included;
// on the mock network, a closed pipe).
// An honest peer on a bad link, or one that stops, breaks streams so: it
// is a failure, not misbehaviour.
func StreamBroken(err error) bool {
	if err == nil {
		return false
	}
	var se *network.StreamError
	var ce *network.ConnError
	return errors.Is(err, network.ErrReset) || errors.As(err, &se) || errors.As(err, &ce) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe)
}

// StreamTimedOut reports whether err, from a Stream's Read or Write, says
// that the stream's own deadline (SetDeadline, SetReadDeadline,
// SetWriteDeadline) passed while the stream and its connection were sound:
// the peer held the stream open without sending what was due. A broken
// stream (StreamBroken) is not timed out.
func StreamTimedOut(err error) bool {
	if err == nil || StreamBroken(err) {
		return false
	}
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
