package scope

import (
	"context"
	"crypto/sha256"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// FestivalFoundLog is the log in which a device puts the festival.create
// entries of the festivals it founds that are nested in no other:
// SHA-256("kith festival found log v1"). A festival's id is its create
// entry's id, so the create cannot be in the festival's own log
// (doc/network.md, "Festivals").
var FestivalFoundLog = entry.LogID(sha256.Sum256([]byte("kith festival found log v1")))

// FestivalLog returns the log in which a device writes its entries of
// festival f (resources, events, requests, authorizations, withdrawals,
// and the creates of the festivals nested in f): SHA-256("kith festival
// log v1" ‖ f).
func FestivalLog(f entry.ID) entry.LogID {
	h := sha256.New()
	h.Write([]byte("kith festival log v1"))
	h.Write(f[:])
	var id entry.LogID
	h.Sum(id[:0])
	return id
}

// FestivalRendezvousKey is the DHT key under which the nodes that opened
// a public festival find each other: SHA-256("kith festival rendezvous
// v1" ‖ festival id) (doc/network.md, "Festivals").
func FestivalRendezvousKey(f entry.ID) []byte {
	h := sha256.New()
	h.Write([]byte("kith festival rendezvous v1"))
	h.Write(f[:])
	return h.Sum(nil)
}

// FestivalWants is what a node wants of the festivals it opened: the
// festival log of every author for each festival, and the found logs
// holding the creates of the festivals nested in none.
type FestivalWants struct {
	Festivals []entry.ID
	Founders  []store.LogKey // FestivalFoundLog of the founders' devices
	// Unfounded: a festival nested in none was opened by its id alone
	// and its create is not held: every device's festival found log is
	// wanted until it is.
	Unfounded bool
}

// festivalLogs adds to sn what the opened festivals want: their logs of
// any author (sn.festivalLogs), the founders' found logs, and the
// certificate logs of the devices that wrote in them (held festival logs
// only: a device that writes a first entry in an opened festival makes
// the node recompute the scope, FestivalRelevant). Nothing else of the
// people in a festival is wanted: not their public logs, not their other
// festivals' logs. Blocked authors are left out by wants.
func (s *Scope) festivalLogs(ctx context.Context, sn *snapshot) error {
	if s.cfg.Festivals == nil {
		return nil
	}
	w, err := s.cfg.Festivals(ctx)
	if err != nil {
		return err
	}
	for _, f := range w.Festivals {
		sn.festivalLogs[FestivalLog(f)] = true
	}
	sn.anyFestivalFound = w.Unfounded
	for _, l := range w.Founders {
		if l.LogID != FestivalFoundLog || sn.blocked[l.Author] {
			continue
		}
		sn.logs[l] = true
		sn.certLogs[content.DeviceCertLog(l.Author)] = true
	}
	if len(sn.festivalLogs) == 0 {
		return nil
	}
	heads, err := s.st.Heads(ctx)
	if err != nil {
		return err
	}
	for _, h := range heads {
		if sn.festivalLogs[h.Log.LogID] && !sn.blocked[h.Log.Author] {
			sn.certLogs[content.DeviceCertLog(h.Log.Author)] = true
		}
	}
	return nil
}

// FestivalLogWanted reports whether log is the log of a festival this
// node opened: the node recomputes the scope when a device's first entry
// in one arrives (its certificate log is wanted from then on); later
// entries, however many, cannot change the scope.
func (s *Scope) FestivalLogWanted(log entry.LogID) bool { return s.snap.Load().festivalLogs[log] }

// FestivalUnfounded reports whether some festival opened by its id alone
// has no create held yet: an entry of a festival found log may then be
// it, and the node recomputes the scope when one arrives.
func (s *Scope) FestivalUnfounded() bool { return s.snap.Load().anyFestivalFound }
