package node

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// Festivals that live in a village or a space (festival.md §3, "Homes";
// doc/network.md, "Festivals"), as conversations do: every entry of a
// festival living in village V (its create, those nested in it, their
// resources, events, requests, authorizations and withdrawals) is in the
// author device's festival log of V, plaintext, wanted of the village's
// current locals only; one living in space S is sealed as S's content, in
// the author device's festival log of S, wanted of S's members only.

// FestivalVillageLog is the log id of a device's festival log of village
// v: SHA-256("kith-festival-village-log-v1\0" ‖ v).
func FestivalVillageLog(v entry.ID) entry.LogID {
	h := sha256.New()
	h.Write([]byte("kith-festival-village-log-v1\x00"))
	h.Write(v[:])
	return entry.LogID(h.Sum(nil))
}

// FestivalSpaceLog is the log id of device's festival log of the space
// whose log key is logKey: HMAC-SHA256(logKey,
// "kith-space-festival-log-v1\0" ‖ device). Without the log key it looks
// random, as a content log does (spaces.md §1).
func FestivalSpaceLog(logKey [32]byte, device identity.PublicKey) entry.LogID {
	m := hmac.New(sha256.New, logKey[:])
	m.Write([]byte("kith-space-festival-log-v1\x00"))
	m.Write(device[:])
	return entry.LogID(m.Sum(nil))
}

// festivalHomeWants is what the replication scope wants of festivals
// living in villages and spaces: the festival log of each village this
// device takes part in, of every device of its current locals; the
// festival log of each space whose log key it holds, of every device of
// its members (and of its own account). It also records those log ids, and
// the villages' own logs, so that an arriving entry of one makes the
// festivals be reduced again.
func (n *Node) festivalHomeWants(ctx context.Context, p *wantsPass) (scope.SpaceWants, error) {
	var w scope.SpaceWants
	ids := map[entry.LogID]bool{}
	for _, v := range n.wantVillageLocalsLogs(p.villages, &w, FestivalVillageLog) {
		// The village's own log too: a change of its locals changes
		// whose festival entries count (gatherHomed).
		ids[FestivalVillageLog(v)], ids[entry.LogID(v)] = true, true
	}
	for _, id := range p.spaces {
		st, _, err := n.spaceState(ctx, id)
		if errors.Is(err, ErrNoSpace) {
			continue
		} else if err != nil {
			return w, err
		}
		logKey, ok := n.rings.logKey(id)
		if !ok {
			continue
		}
		for _, a := range st.Named() {
			ds, err := n.store.Devices(ctx, a)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return w, err
			}
			for _, d := range ds {
				lid := FestivalSpaceLog(logKey, d.Device)
				ids[lid] = true
				if st.Members[a] != 0 || a == n.account {
					w.Logs = append(w.Logs, store.LogKey{Author: d.Device, LogID: lid})
				}
			}
		}
	}
	n.fests.mu.Lock()
	n.fests.homeLogs = ids
	n.fests.mu.Unlock()
	return w, nil
}

// isHomeLog reports whether log is a festival log of a village or space,
// or the log of a village with festival logs.
func (n *Node) isHomeLog(log entry.LogID) bool {
	n.fests.mu.Lock()
	defer n.fests.mu.Unlock()
	return n.fests.homeLogs[log]
}

// homed is one entry read from a home, with the home.
type homed struct {
	e    *entry.Entry
	home entry.ID
}

// gatherHomed reads the festival entries of every village and space this
// device takes part in: of a village, the festival logs of the devices of
// its locals, current or former (a former local's entries written while
// it was a local stay); of a space, the sealed festival logs of the
// devices of every account it named, opened (an entry sealed under an
// outdated epoch, keyring.md §4, or not readable here is left out and
// counted in unreadable). Each log counts its first
// MaxDecisionLogEntries entries.
func (n *Node) gatherHomed(ctx context.Context) (out []homed, unreadable map[entry.ID]int, err error) {
	unreadable = map[entry.ID]int{}
	vs, err := n.Villages(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range vs {
		if !v.Known || !v.Founded {
			continue
		}
		st, err := n.Village(ctx, v.ID)
		if errors.Is(err, ErrNoVillage) {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		lid := FestivalVillageLog(v.ID)
		for _, dev := range n.villageDevices(ctx, st) {
			if _, err := n.readLog(ctx, store.LogKey{Author: dev, LogID: lid}, func(s *store.Stored) {
				out = append(out, homed{e: s.Entry, home: v.ID})
			}); err != nil {
				return nil, nil, err
			}
		}
	}
	spaces, err := n.spacesOf(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range spaces {
		got, bad, err := n.gatherSpaceFestivals(ctx, id)
		if errors.Is(err, ErrNoSpace) {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		out, unreadable[id] = append(out, got...), bad
	}
	return out, unreadable, nil
}

// gatherSpaceFestivals opens the festival logs of one space.
func (n *Node) gatherSpaceFestivals(ctx context.Context, id entry.ID) (out []homed, unreadable int, err error) {
	st, _, err := n.keep(ctx, id, false)
	if err != nil {
		return nil, 0, err
	}
	n.rings.mu.Lock()
	defer n.rings.mu.Unlock()
	r := n.ring(id)
	logKey, ok := r.logKey()
	if !ok {
		return nil, 0, nil
	}
	for _, a := range st.Named() {
		ds, err := n.store.Devices(ctx, a)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, 0, err
		}
		for _, d := range ds {
			log := store.LogKey{Author: d.Device, LogID: FestivalSpaceLog(logKey, d.Device)}
			var es []*entry.Entry
			if _, err := n.readLog(ctx, log, func(s *store.Stored) { es = append(es, s.Entry) }); err != nil {
				return nil, 0, err
			}
			if len(es) == 0 {
				continue
			}
			x, err := n.logEpochsTo(ctx, log, es[len(es)-1].Header.Seq, r.ring)
			if err != nil {
				return nil, 0, err
			}
			for _, e := range es {
				if e.Payload == nil {
					unreadable++
					continue
				}
				if ep, err := seal.SealedEpoch(e.Payload); err != nil || x.outdated(r.ring, e.Header.Seq, ep) != nil {
					unreadable++
					continue
				}
				o, why := openConv(st, r, e)
				if why != "" {
					unreadable++
					continue
				}
				out = append(out, homed{e: o, home: id})
			}
		}
	}
	return out, unreadable, nil
}

// homeKind says whether home is a village or a space this device takes
// part in.
func (n *Node) homeKind(ctx context.Context, home entry.ID) (isVillage bool, err error) {
	if _, err := n.Village(ctx, home); err == nil {
		return true, nil
	} else if !errors.Is(err, ErrNoVillage) {
		return false, err
	}
	if _, _, err := n.spaceState(ctx, home); err == nil {
		return false, nil
	} else if !errors.Is(err, ErrNoSpace) {
		return false, err
	}
	return false, fmt.Errorf("%w: %s is neither a village nor a space held here", ErrNoFestival, home)
}

// appendHomed appends a festival payload in this device's festival log
// of its home: plaintext in a village this account is a current local of,
// sealed under the space's current epoch in a space it is a member of
// (ErrSpaceWaiting, appending nothing, while this device may not seal).
func (n *Node) appendHomed(ctx context.Context, home entry.ID, payload []byte) (*entry.Entry, error) {
	isVillage, err := n.homeKind(ctx, home)
	if err != nil {
		return nil, err
	}
	if isVillage {
		st, err := n.Village(ctx, home)
		if err != nil {
			return nil, err
		}
		if l := st.Local(n.account); l == nil || l.Status != village.Member {
			return nil, festivalErr("your account is not a local of the village %q: a festival in a village is written by its locals", st.Name)
		}
		return n.AppendRaw(ctx, FestivalVillageLog(home), payload)
	}
	st, _, err := n.keep(ctx, home, false)
	if err != nil {
		return nil, err
	}
	if st.Members[n.account] == 0 {
		return nil, festivalErr("your account is not a member of the space %q", st.Name)
	}
	n.rings.mu.Lock()
	r := n.ring(home)
	cur, heads := r.ring.Current()
	logKey, hasKey := r.logKey()
	var missing bool
	if cur != nil {
		missing = len(uncovered(st, r, cur.ID)) > 0
	}
	n.rings.mu.Unlock()
	if len(heads) == 0 || cur == nil || !hasKey || missing {
		return nil, fmt.Errorf("%w: this device may not seal in %q yet (no key of its current epoch, or one made before the latest removal); an admin's device gives a new one as soon as it is online", ErrSpaceWaiting, st.Name)
	}
	me := n.device.Public()
	log := FestivalSpaceLog(logKey, me)
	return n.appendSeqStamped(ctx, log, func(seq uint64) ([]byte, error) {
		return seal.Seal(home, cur, seal.Position{Author: seal.ID(me), LogID: seal.ID(log), Seq: seq}, n.now(), payload)
	})
}

// homeText names a home for an error message.
func homeText(home entry.ID) string {
	if home.IsZero() {
		return "no village or space (it is public)"
	}
	return "the village or space " + home.String()
}

// homeRefs returns the heads of the festival logs of home held here, this
// device's own left out, at most festival.MaxRefs (the lowest ids): what
// this node had seen of the festivals living there when it wrote.
func (n *Node) homeRefs(ctx context.Context, home entry.ID) []entry.ID {
	logs := map[entry.LogID]bool{FestivalVillageLog(home): true}
	if k, ok := n.rings.logKey(home); ok {
		if st, _, err := n.spaceState(ctx, home); err == nil {
			for _, a := range st.Named() {
				ds, _ := n.store.Devices(ctx, a)
				for _, d := range ds {
					logs[FestivalSpaceLog(k, d.Device)] = true
				}
			}
		}
	}
	// The heads of those log ids only, not every head held.
	var out []entry.ID
	for lid := range logs {
		heads, err := store.HeadsWithLogID(ctx, n.store, lid)
		if err != nil {
			return nil
		}
		for _, h := range heads {
			if h.Log.Author != n.device.Public() {
				out = append(out, h.ID)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	out = festival.SortIDs(out)
	if len(out) > festival.MaxRefs {
		out = out[:festival.MaxRefs]
	}
	return out
}

// festivalNamed is the festival an entry's payload belongs to (itself
// for a create); zero when it does not decode.
func festivalNamed(e *entry.Entry) entry.ID {
	p, err := festival.Decode(e.Payload)
	if err != nil {
		return entry.ID{}
	}
	switch p := p.(type) {
	case *festival.Create:
		return e.ID
	case *festival.Resource:
		return p.Festival
	case *festival.Event:
		return p.Festival
	case *festival.Request:
		return p.Festival
	case *festival.Authorize:
		return p.Festival
	case *festival.Withdraw:
		return p.Festival
	}
	return entry.ID{}
}
