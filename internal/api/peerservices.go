package api

import (
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/services"
)

// limitNames name the limit keys of doc/protocol/services.md §4.
var limitNames = map[uint64]string{
	services.LimitBytes:       "bytes",
	services.LimitSeconds:     "seconds",
	services.LimitConnections: "connections",
	services.LimitEntries:     "entries",
	services.LimitLogs:        "logs",
	services.LimitAccounts:    "accounts",
	services.LimitMessages:    "messages",
}

// peerServicesOf converts what a peer announced: nil stays nil (not
// announced), empty stays empty (offers none).
func peerServicesOf(svcs []services.Service) []wire.PeerService {
	if svcs == nil {
		return nil
	}
	out := make([]wire.PeerService, 0, len(svcs))
	for _, s := range svcs {
		ps := wire.PeerService{Name: s.Name}
		for _, l := range s.Limits {
			if ps.Limits == nil {
				ps.Limits = map[string]uint64{}
			}
			name, ok := limitNames[l.Key]
			if !ok {
				name = "limit_" + strconv.FormatUint(l.Key, 10)
			}
			ps.Limits[name] = l.Value
		}
		out = append(out, ps)
	}
	return out
}
