package scope

import (
	"bytes"
	"context"
	"crypto/sha256"
	"slices"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// FoundLog is the log in which a device puts the village.found entries it
// authors: SHA-256("kith village found log v1"). A node taking part in a
// village wants this log of every participant, so an invitee fetches the
// found entry from the founder's log before it knows who founded.
var FoundLog = entry.LogID(sha256.Sum256([]byte("kith village found log v1")))

// RendezvousKey is the DHT key under which the nodes taking part in a
// village find each other: SHA-256("kith village rendezvous v1" ‖ village
// id). Who does not know the village id cannot link the key to it.
func RendezvousKey(village entry.ID) []byte {
	h := sha256.New()
	h.Write([]byte("kith village rendezvous v1"))
	h.Write(village[:])
	return h.Sum(nil)
}

// VillagesOf returns the villages keys take part in, sorted: those whose
// held found entry names one of keys as a founder, those with a held
// invitation (in the inviter's village log) of one of keys, and those in
// whose village log one of keys wrote.
func VillagesOf(ctx context.Context, st store.Store, keys []identity.PublicKey) ([]entry.ID, error) {
	mine := map[identity.PublicKey]bool{}
	for _, k := range keys {
		mine[k] = true
	}
	ids := map[entry.ID]bool{}
	for _, typ := range []string{village.TypeFound, village.TypeInvite, village.TypeAccept, village.TypeJoin} {
		err := store.EachFound(ctx, st, store.Query{Type: typ}, func(e *store.Stored) {
			if e.Payload == nil {
				return
			}
			p, err := village.Decode(e.Payload)
			if err != nil {
				return
			}
			switch p := p.(type) {
			case *village.Found:
				for _, f := range p.Founders {
					if mine[f] {
						ids[e.ID] = true
					}
				}
			case *village.Invite:
				if mine[p.Invitee] && e.Header.LogID == entry.LogID(p.Village) {
					ids[p.Village] = true
				}
			case *village.Accept:
				if mine[e.Header.Author] && e.Header.LogID == entry.LogID(p.Village) {
					ids[p.Village] = true
				}
			case *village.Join:
				if mine[e.Header.Author] && e.Header.LogID == entry.LogID(p.Village) {
					ids[p.Village] = true
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]entry.ID, 0, len(ids))
	for id := range ids {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	return out, nil
}

// villageLogs adds to sn.logs, for every village the keys take part in,
// the village log (log id = village id) and the found log of every
// participant, and the log holding the found entry; while a found entry is
// not held, every device's found log is wanted (sn.anyFound), since an
// invitation does not say who founded. Participants are the
// keys the reduced village knows (founders, locals, former locals,
// invitees); while the found entry is not held, the authors of the held
// village log entries. Blocked keys are left out.
//
// Strangers (village.md §6): in a village whose found entry is held,
// only the village logs of the keys the village knows and of the
// strangers it hears (listed by some local's vote, not vetoed) are wanted
// and offered (sn.heard). An unlisted stranger's requests stay with the
// local it contacted (the request protocol stores them there, within the
// node's budget) until a local lists it; then every local wants its log.
// The village logs of the strangers the village vetoes are offered to
// nobody (sn.refused: the individual half of the stranger id, when it is
// not a key the village knows as a local or invitee).
func (s *Scope) villageLogs(ctx context.Context, keys []identity.PublicKey, sn *snapshot) error {
	ids, err := VillagesOf(ctx, s.st, keys)
	if err != nil {
		return err
	}
	sn.villages = ids
	if len(ids) == 0 {
		// In no village: nothing below, and reading every certificate
		// held made each recomputation cost every account followed.
		return nil
	}
	mine := map[identity.PublicKey]bool{}
	for _, k := range keys {
		mine[k] = true
	}
	// Every account's certified devices, read once for all villages: a
	// village of many strangers would otherwise ask the store once per
	// stranger.
	certified, certs, err := s.certificates(ctx) // certindex.go
	if err != nil {
		return err
	}
	for _, id := range ids {
		lid := entry.LogID(id)
		sn.villageLogs[lid] = true
		var es []*entry.Entry
		parts := map[identity.PublicKey]bool{}
		for _, k := range keys {
			parts[k] = true
		}
		found, err := s.st.Get(ctx, id)
		switch {
		case err == nil:
			es = append(es, found.Entry)
			sn.logs[store.LogKey{Author: found.Header.Author, LogID: found.Header.LogID}] = true
		case err == store.ErrNotFound:
			// The invitation may come from a local who did not found
			// the village: until the found entry is held, any device's
			// found log may hold it.
			sn.anyFound = true
		default:
			return err
		}
		authors := map[identity.PublicKey]bool{}
		if err == nil {
			authors[found.Header.Author] = true
		}
		if err := store.EachOfLogID(ctx, s.st, lid, func(e *store.Stored) error {
			es = append(es, e.Entry)
			parts[e.Header.Author] = true
			authors[e.Header.Author] = true
			return nil
		}); err != nil {
			return err
		}
		// The certificates held of the authors say which account each
		// speaks for (village.md §1).
		for a := range authors {
			es = append(es, certs[content.DeviceCertLog(a)]...)
		}
		var certDevs map[identity.PublicKey]bool
		if vs, err := village.Reduce(id, es); err == nil {
			// Only the devices of the accounts the village knows;
			// strangers writing to the log do not widen the scope.
			parts = map[identity.PublicKey]bool{}
			for _, k := range keys {
				parts[k] = true
			}
			var accounts []identity.PublicKey
			for _, l := range vs.Locals {
				accounts = append(accounts, l.Key)
			}
			for _, inv := range vs.Invitations {
				accounts = append(accounts, inv.Invitee)
			}
			devicesOf := func(acc identity.PublicKey) ([]identity.PublicKey, error) {
				ds := slices.Clone(certified[acc])
				for _, d := range vs.Devices(acc) {
					if !slices.Contains(ds, d) {
						ds = append(ds, d)
					}
				}
				return ds, nil
			}
			for _, acc := range accounts {
				// Every log the account key wrote: its devices'
				// certificates and revocations.
				if !sn.blocked[acc] {
					sn.extraAuthors[acc] = true
				}
				ds, err := devicesOf(acc)
				if err != nil {
					return err
				}
				for _, d := range ds {
					parts[d] = true
				}
			}
			for _, l := range vs.Locals {
				if l.Status != village.Member || mine[l.Key] || sn.blocked[l.Key] {
					continue
				}
				ds, err := devicesOf(l.Key)
				if err != nil {
					return err
				}
				for _, d := range ds {
					if !mine[d] && !sn.blocked[d] && vs.Current(d) && !slices.Contains(sn.villageLocals, d) {
						sn.villageLocals = append(sn.villageLocals, d)
					}
				}
			}
			// A stranger is an account (village.md §6): its devices are
			// those its requests held here came from and those its
			// certificates held name. A heard stranger's certificate logs
			// are wanted, so that a local who never met it learns its
			// devices from the local it contacted.
			heard := map[identity.PublicKey]bool{}
			for _, sg := range vs.Strangers {
				sacc := identity.PublicKey(sg.ID[:32])
				if sg.Heard() && !sn.blocked[sacc] {
					sn.extraAuthors[sacc] = true
				}
				if !sg.Heard() && sg.Standing != village.Vetoed {
					continue
				}
				ds, err := devicesOf(sacc)
				if err != nil {
					return err
				}
				for _, d := range sg.Devices {
					if !slices.Contains(ds, d) {
						ds = append(ds, d)
					}
				}
				for _, k := range ds {
					if sg.Standing == village.Vetoed && !parts[k] {
						sn.refused[store.LogKey{Author: k, LogID: lid}] = true
					}
					heard[k] = heard[k] || sg.Heard()
				}
			}
			admitted := map[identity.PublicKey]bool{}
			for k := range parts {
				admitted[k] = true
			}
			for k, ok := range heard {
				if ok {
					admitted[k] = true
				}
			}
			sn.heard[lid] = admitted
			certDevs = admitted
		}
		// The certificate logs (of any author) of the found entry's author
		// and of the devices whose village logs are wanted: not of an
		// unlisted stranger's device, whose certificate comes with its
		// requests (a device could certify itself for any number of
		// throwaway accounts).
		if found != nil {
			sn.certLogs[content.DeviceCertLog(found.Header.Author)] = true
		}
		if certDevs == nil {
			certDevs = parts
		}
		for k := range certDevs {
			if !sn.blocked[k] {
				sn.certLogs[content.DeviceCertLog(k)] = true
			}
		}
		for k := range parts {
			if sn.blocked[k] {
				continue
			}
			sn.logs[store.LogKey{Author: k, LogID: lid}] = true
			sn.logs[store.LogKey{Author: k, LogID: FoundLog}] = true
		}
	}
	return nil
}

// Certificates reads every device certificate and revocation held, once
// for all villages (a village of many strangers would otherwise ask the
// store once per stranger): the devices each account certified (revoked
// ones too, as Scope.devices gives them; a stored device.add payload is a
// valid certificate, the store keeps an invalid one's header only), and
// the entries by certificate log.
func Certificates(ctx context.Context, st store.Store) (map[identity.PublicKey][]identity.PublicKey, map[entry.LogID][]*entry.Entry, error) {
	devices := map[identity.PublicKey][]identity.PublicKey{}
	byLog := map[entry.LogID][]*entry.Entry{}
	for _, typ := range []string{content.TypeDeviceAdd, content.TypeDeviceRevoke} {
		err := store.EachFound(ctx, st, store.Query{Type: typ}, func(e *store.Stored) {
			byLog[e.Header.LogID] = append(byLog[e.Header.LogID], e.Entry)
			if typ != content.TypeDeviceAdd {
				return
			}
			acc := e.Header.Author
			if dev, ok := certifiedDevice(e); ok && !slices.Contains(devices[acc], dev) {
				devices[acc] = append(devices[acc], dev)
			}
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return devices, byLog, nil
}

// Villages returns the villages this node takes part in (its account's
// devices: founder, invitee or local), sorted.
func (s *Scope) Villages() []entry.ID { return slices.Clone(s.snap.Load().villages) }

// VillageLocals returns the current locals of the villages this node takes
// part in, its own keys and blocked keys left out: the devices it keeps
// live connections to.
func (s *Scope) VillageLocals() []identity.PublicKey {
	return slices.Clone(s.snap.Load().villageLocals)
}

// Admits reports whether an entry of a wanted log may be stored
// (replicate.Admitter). In the log of a village this node takes part in
// whose found entry it holds, an author the village neither knows (as
// founder, local, former local or invitee) nor hears (a listed stranger
// not vetoed) is a stranger in the inbox: only its village.request
// entries are admitted (village.md §6). Every other entry is admitted.
func (s *Scope) Admits(e *entry.Entry) bool {
	known, ok := s.snap.Load().heard[e.Header.LogID]
	if !ok || known[e.Header.Author] {
		return true
	}
	if e.Payload == nil {
		return false
	}
	typ, err := content.PeekType(e.Payload)
	return err == nil && typ == village.TypeRequest
}

// Unlisted reports whether log is the village log of a stranger the
// village does not hear (village.md §6): in a village this node takes part
// in whose found entry it holds, an author the village neither knows
// (founder, local, former local, invitee) nor hears (listed by a local's
// vote, not vetoed). What the node keeps of such logs is bounded.
func (s *Scope) Unlisted(log store.LogKey) bool { return s.snap.Load().unlisted(log) }
