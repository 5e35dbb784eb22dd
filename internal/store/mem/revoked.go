package mem

import (
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// dropRevoked puts r in effect and forgets every entry of its device that
// r does not keep (store.DropRevoked). The caller holds s.mu.
func (s *Store) dropRevoked(r *store.Revoked) {
	s.inEffect[r.Device] = r.Clone()
	dropped := map[entry.ID]bool{}
	for k, l := range s.logs {
		if k.Author != r.Device {
			continue
		}
		cut := uint64(0)
		if kp, ok := r.Logs[k.LogID]; ok {
			cut = min(kp.Seq, uint64(len(l.entries)))
			if cut > 0 && !r.Keeps(k.LogID, cut, l.entries[cut-1].e.ID) {
				cut--
			}
		}
		if cut == uint64(len(l.entries)) {
			continue
		}
		s.digest = s.digest.Sub(l.head)
		for _, rec := range l.entries[cut:] {
			delete(s.byID, rec.e.ID)
			rec.dropped = true
			dropped[rec.e.ID] = true
		}
		l.entries = l.entries[:cut]
		keptForks := s.forks[:0]
		for _, f := range s.forks {
			if f.Log != k || f.Seq <= cut {
				keptForks = append(keptForks, f)
			}
		}
		s.forks = keptForks
		for seq := range s.forkAt[k] {
			if seq > cut {
				delete(s.forkAt[k], seq)
			}
		}
		if cut == 0 {
			delete(s.logs, k)
			delete(s.forkAt, k)
			continue
		}
		last := l.entries[cut-1].e
		l.head.Seq, l.head.ID = last.Header.Seq, last.ID
		l.head.Ended = last.Header.Flags&entry.FlagEndOfLog != 0
		l.head.Forked = len(s.forkAt[k]) > 0
		s.digest = s.digest.Add(l.head)
	}
	for k, t := range s.tombs {
		if t.Author == r.Device && dropped[t.By] {
			delete(s.tombs, k)
		}
	}
}
