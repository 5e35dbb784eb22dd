package api

import (
	"context"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
)

// villageWaiting returns who the village waits on (node.Waiting).
func (s *Service) villageWaiting(ctx context.Context, id entry.ID) ([]wire.VillageWaiting, error) {
	ws, err := s.n.Waiting(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]wire.VillageWaiting, 0, len(ws))
	for _, w := range ws {
		ww := wire.VillageWaiting{Account: accText(w.Account), As: string(w.As), Reached: w.Reached,
			Tries: w.Tries, LastErr: w.LastErr, Hint: w.Hint}
		if w.Reached {
			ww.Device, ww.At = w.Device.Device().String(), w.At.UTC().Format(time.RFC3339)
		}
		out = append(out, ww)
	}
	return out, nil
}
