package node

import (
	"context"
	"github.com/kithnet/kith/internal/entry"

	"github.com/kithnet/kith/internal/scope"
)

// ScopeWants is what n gives its replication scope beyond follows and
// villages (scope.Config.Spaces), for a test that builds that scope.
func ScopeWants(n *Node) func(context.Context) (scope.SpaceWants, error) {
	return n.scopeWants
}

// IsFestivalHomeLog reports whether an arriving entry of log makes n
// reduce its festivals again (after ScopeWants ran).
func IsFestivalHomeLog(n *Node, log entry.LogID) bool { return n.isHomeLog(log) }
