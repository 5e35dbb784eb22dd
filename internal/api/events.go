package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// events answers GET /api/v1/events, a stream of Server-Sent Events
// (doc/api.md): hello, then entry, space, peers, sync and resync events as they
// come, and a ": ping" comment every ping interval. It ends when the
// client goes, the server closes (Close) or the node closes; in setup
// mode, it sends resync and ends once setup created the account (the
// client reconnects to the node's stream).
func (s *Server) events(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	rc := http.NewResponseController(w)
	var ch <-chan node.Event
	var inited <-chan struct{}
	hello := wire.Hello{}
	if s.n != nil {
		evs, cancel := s.n.Subscribe(s.r.evBuffer)
		defer cancel()
		ch = evs
		hello = wire.Hello{Account: s.n.Account().String(), Initialized: true}
	} else {
		inited = s.r.inited
	}
	select {
	case <-s.r.closing:
		return apiError(wire.CodeFailed, "the node is stopping")
	default:
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	st := &stream{w: w, rc: rc}
	st.send(wire.EventHello, hello)
	if st.err != nil {
		return nil
	}
	ctx := r.Context()
	p := &eventPump{
		st: st, events: ch, inited: inited, closing: s.r.closing, ping: s.r.ping,
		entry:    func(ev node.Event) wire.EntryEvent { return s.entryEvent(ctx, ev) },
		space:    func(ev node.Event) (wire.SpaceEvent, bool) { return s.spaceEvent(ctx, ev) },
		decision: func(ev node.Event) (wire.ConversationChanged, bool) { return s.decisionEvent(ev) },
		peers:    s.peerList,
		sync:     func() wire.SyncTotals { return syncTotals(s.n.SyncTotals()) },
	}
	p.run(ctx.Done())
	if !errors.Is(st.err, context.Canceled) {
		s.log.Debug("event stream ended", "err", st.err)
	}
	return nil
}

// stream writes the events of one answer, flushing each; err is the first
// write error, after which it writes nothing.
type stream struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	err error
}

func (st *stream) send(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		st.err = err
		return
	}
	st.write(fmt.Sprintf("event: %s\ndata: %s\n\n", name, b))
}

func (st *stream) write(text string) {
	if st.err != nil {
		return
	}
	if _, err := st.w.Write([]byte(text)); err != nil {
		st.err = err
		return
	}
	st.err = st.rc.Flush()
}

// entryEvent describes a stored entry.
func (s *Server) entryEvent(ctx context.Context, ev node.Event) wire.EntryEvent {
	e := ev.Entry
	out := wire.EntryEvent{ID: e.ID.String(), Local: ev.Local}
	author := e.Header.Author
	switch d, err := s.n.Store().AccountOf(ctx, author); {
	case err == nil: // a device
		out.Author, out.Account = author.Device().String(), d.Account.Account().String()
	case isAccount(ctx, s.n.Store(), author): // an account key, e.g. of a device.add
		out.Author, out.Account = author.Account().String(), author.Account().String()
	default: // a device whose certificate is unknown
		out.Author, out.Account = author.Device().String(), author.Device().String()
	}
	if typ := payloadType(e); typ != "" {
		out.Type = &typ
	}
	return out
}

// spaceEvent describes a stored entry that is a message of a space whose
// log key this device holds (node.SpaceOf): which space, and who wrote
// it; never its text.
func (s *Server) spaceEvent(ctx context.Context, ev node.Event) (wire.SpaceEvent, bool) {
	id, ok := s.n.SpaceOf(ev.Entry)
	if !ok {
		return wire.SpaceEvent{}, false
	}
	out := wire.SpaceEvent{Space: id.String(), ID: ev.Entry.ID.String(), Local: ev.Local}
	if d, err := s.n.Store().AccountOf(ctx, ev.Entry.Header.Author); err == nil {
		out.Account = d.Account.Account().String()
	} else {
		out.Account = ev.Entry.Header.Author.Device().String()
	}
	return out, true
}

// isAccount reports whether key certified devices: it is an account key.
func isAccount(ctx context.Context, st store.Store, key identity.PublicKey) bool {
	ds, err := st.Devices(ctx, key)
	return err == nil && len(ds) > 0
}

// payloadType returns the type of an entry's payload; "" when it has none
// or is not a typed payload.
func payloadType(e *entry.Entry) string {
	if e.Payload == nil {
		return ""
	}
	typ, err := content.PeekType(e.Payload)
	if err != nil {
		return ""
	}
	return typ
}

// peerList is the data of a peers event: GET /api/v1/peers's answer, an
// empty list while the network does not run.
func (s *Server) peerList() wire.PeerList {
	out := wire.PeerList{Peers: []wire.Peer{}}
	for _, p := range s.n.Peers() {
		out.Peers = append(out.Peers, peerOf(p))
	}
	return out
}

func syncTotals(t node.SyncTotals) wire.SyncTotals {
	return wire.SyncTotals{
		Sessions:        t.Sessions,
		CaughtUp:        t.CaughtUp,
		EntriesExpected: t.EntriesExpected,
		EntriesReceived: t.EntriesReceived,
		EntriesSent:     t.EntriesSent,
	}
}
