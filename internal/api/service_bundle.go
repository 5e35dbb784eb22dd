package api

import (
	"context"
	"io"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// Export writes a bundle of the logs of the given accounts (every log held
// when there are none) and the blobs their entries reference. Accounts are
// checked before anything is written. progress, when not nil, is called
// every 10,000 entries.
func (s *Service) Export(ctx context.Context, w io.Writer, accounts []string, progress func(wire.ExportStats)) (wire.ExportStats, error) {
	keys := make([]identity.PublicKey, 0, len(accounts))
	for _, text := range accounts {
		a, err := parseAccount("account", text)
		if err != nil {
			return wire.ExportStats{}, err
		}
		logs, err := s.n.LogsOf(ctx, a.Key())
		if err != nil {
			return wire.ExportStats{}, err
		}
		if len(logs) == 0 {
			return wire.ExportStats{}, apiError(wire.CodeNotFound, "no logs of %s are held here", a)
		}
		keys = append(keys, a.Key())
	}
	var cb func(node.ExportStats)
	if progress != nil {
		cb = func(st node.ExportStats) { progress(exportStatsOf(st)) }
	}
	st, err := s.n.Export(ctx, w, keys, cb)
	return exportStatsOf(st), err
}

// Import reads a bundle from r and stores every valid entry and blob in it.
// progress, when not nil, is called after every batch stored. An error
// about the bundle itself comes with the stats of what was stored before
// it, each of which was verified.
func (s *Service) Import(ctx context.Context, r io.Reader, progress func(wire.ImportStats)) (wire.ImportStats, error) {
	var cb func(node.ImportStats)
	if progress != nil {
		cb = func(st node.ImportStats) { progress(importStatsOf(st)) }
	}
	st, err := s.n.Import(ctx, r, cb)
	return importStatsOf(st), err
}

func exportStatsOf(st node.ExportStats) wire.ExportStats {
	return wire.ExportStats{Logs: st.Logs, Entries: st.Entries, Blobs: st.Blobs, BlobsMissing: st.BlobsMissing, Bytes: st.Bytes}
}

func importStatsOf(st node.ImportStats) wire.ImportStats {
	out := wire.ImportStats{
		EntriesNew:      st.EntriesNew,
		EntriesKnown:    st.EntriesKnown,
		EntriesForked:   st.EntriesForked,
		EntriesRejected: st.EntriesRejected,
		PayloadsRefused: st.PayloadsRefused,
		BlobsNew:        st.BlobsNew,
		BlobsKnown:      st.BlobsKnown,
		BlobsRejected:   st.BlobsRejected,
		Bytes:           st.Bytes,
	}
	for _, r := range st.Rejections {
		out.Rejections = append(out.Rejections, wire.Rejection{What: r.What, Reason: r.Reason})
	}
	return out
}
