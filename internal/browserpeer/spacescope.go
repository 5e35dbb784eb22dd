package browserpeer

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// spaces is what a peer keeps of the spaces its account takes part in:
// its decryption key, the keyrings opened with it (in memory only: the
// page keeps no epoch key, it opens the announcements again after a
// reload), and the logs the spaces make the scope want.
type spaces struct {
	mu    sync.Mutex // the key and the rings; one reading of the spaces at a time
	key   *seal.DecryptionKey
	rings map[entry.ID]*spaceRing
	// ids: the spaces of the account as last read (spacesOf), read again
	// only when stale (an entry that can change them came): reading them
	// scans every entry held, too much for each render of the page.
	ids      []entry.ID
	idsKnown bool
	stale    atomic.Bool

	publishMu sync.Mutex // one PublishSealKey at a time

	wants atomic.Pointer[spaceWants]

	wakeMu  sync.Mutex
	running bool // a KeepSpaces runs in the background
	again   bool // entries came while it ran: run it once more
}

// spaceWants is what the spaces make a browser want (spaces.md §2).
type spaceWants struct {
	logs    map[store.LogKey]bool
	authors map[identity.PublicKey]bool // accounts the spaces name: their certificate logs
}

func (w *spaceWants) wants(log store.LogKey) bool {
	return w != nil && (w.logs[log] || w.authors[log.Author])
}

func (w *spaceWants) equal(o *spaceWants) bool {
	if w == nil || o == nil {
		return w == o
	}
	if len(w.logs) != len(o.logs) || len(w.authors) != len(o.authors) {
		return false
	}
	for l := range w.logs {
		if !o.logs[l] {
			return false
		}
	}
	for a := range w.authors {
		if !o.authors[a] {
			return false
		}
	}
	return true
}

// spaceRelevant reports whether stored entries can change the spaces: a
// membership entry, an epoch announcement or sealed payload, an
// encryption key, a device certificate or revocation.
func spaceRelevant(es []*entry.Entry) bool {
	for _, e := range es {
		if len(e.Payload) == 0 {
			continue
		}
		if e.Payload[0] == 0x01 || e.Payload[0] == 0x87 { // sealed, announcement part
			return true
		}
		typ, err := content.PeekType(e.Payload)
		if err != nil {
			continue
		}
		if space.IsSpaceType(typ) || typ == sealKeyType || typ == content.TypeDeviceAdd || typ == content.TypeDeviceRevoke {
			return true
		}
	}
	return false
}

// wakeSpaces runs KeepSpaces in the background, once more if it runs
// already: opening a key may wait for the browser (WebCrypto), so it never
// runs on a sync session's goroutine.
func (p *Peer) wakeSpaces() {
	s := &p.sp
	s.stale.Store(true)
	s.wakeMu.Lock()
	if s.running {
		s.again = true
		s.wakeMu.Unlock()
		return
	}
	s.running = true
	s.wakeMu.Unlock()
	go func() {
		for {
			_ = p.KeepSpaces(context.Background())
			s.wakeMu.Lock()
			if !s.again {
				s.running = false
				s.wakeMu.Unlock()
				return
			}
			s.again = false
			s.wakeMu.Unlock()
		}
	}()
}

// KeepSpaces reads the spaces the peer's account takes part in, opens
// the epochs wrapped to this device, and makes the scope want their logs
// (spaces.md §2): of every device of every account a space names, its
// membership, keys and public logs, and, once a key of the space is held,
// the content logs of the current members' devices (and this account's);
// and the logs of those accounts' keys (their certificates). The page's
// sync engine re-evaluates when this changes.
func (p *Peer) KeepSpaces(ctx context.Context) error {
	w := &spaceWants{logs: map[store.LogKey]bool{}, authors: map[identity.PublicKey]bool{}}
	err := p.eachSpace(ctx, func(sr *spaceRead) error {
		logKey, haveKey := sr.ring.logKey()
		for _, a := range sr.st.Named() {
			w.authors[a] = true
			ds, err := p.store.Devices(ctx, a)
			if err != nil {
				continue
			}
			for _, d := range ds {
				w.logs[store.LogKey{Author: d.Device, LogID: entry.LogID(sr.st.Space)}] = true
				w.logs[store.LogKey{Author: d.Device, LogID: space.KeysLog(sr.st.Space)}] = true
				w.logs[store.LogKey{Author: d.Device, LogID: entry.PublicLog}] = true
				if haveKey && (sr.st.Members[a] != 0 || a == sr.own) {
					w.logs[store.LogKey{Author: d.Device, LogID: entry.LogID(seal.LogID(logKey, seal.ID(d.Device)))}] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if old := p.sp.wants.Swap(w); !w.equal(old) {
		p.engine.ScopeChanged()
	}
	return nil
}
