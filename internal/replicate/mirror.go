package replicate

import (
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// PeerWanter is a Scope whose interest depends on the peer: a log is
// wanted from peer when WantsFrom says so, whatever Wants says (Wants
// still decides for logs whose peer is not known). A node uses it to
// take from its own account's other devices every log they offer
// (doc/protocol/sync.md, "Mirrors").
type PeerWanter interface {
	WantsFrom(peer identity.PublicKey, log store.LogKey) bool
}

// Acknowledger is a Scope that names the logs whose heads this side tells
// the peer it holds, with HAVE, even when the peer serves them (an
// acknowledgement: doc/protocol/sync.md, "Mirrors"): a node acknowledges
// its own account's logs to its account's other devices, so that each
// knows where the account's data is held.
type Acknowledger interface {
	Acknowledges(peer identity.PublicKey, log store.LogKey) bool
}

// wants reports whether this side wants the log from the session's peer.
func (s *session) wants(l store.LogKey) bool {
	if pw, ok := s.e.cfg.Scope.(PeerWanter); ok {
		return pw.WantsFrom(s.peer, l)
	}
	return s.e.cfg.Scope.Wants(l)
}

// acknowledges reports whether this side sends the peer HAVE for its new
// heads of the log even when the peer serves it.
func (s *session) acknowledges(l store.LogKey) bool {
	a, ok := s.e.cfg.Scope.(Acknowledger)
	return ok && a.Acknowledges(s.peer, l)
}

// peerHeads passes heads the peer holds to Config.OnPeerHeads.
func (s *session) peerHeads(its []Item) {
	if f := s.e.cfg.OnPeerHeads; f != nil && len(its) > 0 {
		f(s.peer, its)
	}
}

// sentHeads reports, for entries the peer sent (in stream order), the
// last of each log as a head the peer holds.
func (s *session) sentHeads(es []*entry.Entry) {
	if s.e.cfg.OnPeerHeads == nil || len(es) == 0 {
		return
	}
	last := map[store.LogKey]int{}
	for i, e := range es {
		last[store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}] = i
	}
	its := make([]Item, 0, len(last))
	for l, i := range last {
		its = append(its, Item{Log: l, Seq: es[i].Header.Seq, Head: es[i].ID})
	}
	s.peerHeads(its)
}
