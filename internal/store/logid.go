package store

import (
	"context"

	"github.com/kithnet/kith/internal/entry"
)

// logIDPage is how many entries EachOfLogID reads per call to Log.
const logIDPage = 1000

// EachOfLogID calls fn with every held entry of every log whose log id is
// id (a village's or a space's logs, one per author), log by log in seq
// order, and stops at fn's first error. It reads the heads of those logs
// once (HeadsWithLogID), then each such log by seq, so its cost grows with
// the entries read, not with the logs held, where Find with Query.LogID,
// which returns arrival order, can cost a sort of every such entry per
// page.
func EachOfLogID(ctx context.Context, st Store, id entry.LogID, fn func(*Stored) error) error {
	heads, err := HeadsWithLogID(ctx, st, id)
	if err != nil {
		return err
	}
	for _, h := range heads {
		for from := uint64(1); ; {
			es, err := st.Log(ctx, h.Log, from, logIDPage)
			if err != nil {
				return err
			}
			for _, e := range es {
				if err := fn(e); err != nil {
					return err
				}
				from = e.Header.Seq + 1
			}
			if len(es) < logIDPage {
				break
			}
		}
	}
	return nil
}
