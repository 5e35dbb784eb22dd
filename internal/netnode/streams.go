package netnode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/multiformats/go-multistream"
)

// Stream is a bidirectional byte stream to one authenticated peer, carrying
// one protocol. Close closes both directions; CloseWrite tells the peer that
// no more bytes follow (it reads io.EOF) while reading goes on; Reset
// aborts both directions.
type Stream interface {
	io.ReadWriteCloser
	CloseWrite() error
	Reset() error
	SetDeadline(time.Time) error
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

var _ Stream = network.Stream(nil)

// ErrRefused is returned (wrapped) for a peer that is refused after a
// penalty.
var ErrRefused = errors.New("the peer is refused after a penalty")

// ErrNotSupported is returned (wrapped) by Open when the peer does not
// speak the protocol.
var ErrNotSupported = errors.New("the peer does not speak this protocol")

// errSelf is returned when asked to talk to this host itself.
var errSelf = errors.New("that is this host's own key")

// Handle calls fn, in a goroutine of its own, for every inbound stream of
// protocol. remote is the peer's key as authenticated by the connection's
// security handshake (Noise, or TLS within QUIC). fn owns the stream and
// must Close or Reset it. Streams from refused peers are reset unseen. A
// second Handle for the same protocol replaces the first.
func (h *Host) Handle(proto string, fn func(remote identity.PublicKey, s Stream)) {
	h.host.SetStreamHandler(protocol.ID(proto), func(s network.Stream) {
		remote, err := keyOf(s.Conn().RemotePeer())
		if err != nil {
			_ = s.Reset()
			return
		}
		if _, refused := h.penalties.refusedUntil(remote); refused {
			_ = s.Reset()
			return
		}
		h.markUsed(s.Conn())
		fn(remote, s)
	})
}

// Unhandle stops accepting streams of protocol.
func (h *Host) Unhandle(proto string) {
	h.host.RemoveStreamHandler(protocol.ID(proto))
}

// Open opens a stream of protocol to remote, connecting first if needed
// (as ConnectKey does, with the addresses already known).
func (h *Host) Open(ctx context.Context, remote identity.PublicKey, proto string) (Stream, error) {
	if _, err := h.connectKey(ctx, remote, nil); err != nil {
		return nil, fmt.Errorf("netnode: opening %s to %s: %w", proto, remote.Device(), err)
	}
	id, err := peerIDOf(remote)
	if err != nil {
		return nil, err
	}
	// A relayed connection with limits carries kith's streams too.
	s, err := h.host.NewStream(network.WithAllowLimitedConn(ctx, proto), id, protocol.ID(proto))
	if errors.Is(err, multistream.ErrNotSupported[protocol.ID]{}) {
		return nil, fmt.Errorf("netnode: opening %s to %s: %w (%v)", proto, remote.Device(), ErrNotSupported, err)
	}
	if err != nil {
		return nil, fmt.Errorf("netnode: opening %s to %s: %w", proto, remote.Device(), err)
	}
	h.markUsed(s.Conn())
	return s, nil
}
