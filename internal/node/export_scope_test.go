package node

import (
	"context"

	"github.com/kithnet/kith/internal/scope"
)

// ScopeWants is what n gives its replication scope beyond follows and
// villages (scope.Config.Spaces), for a test that builds that scope.
func ScopeWants(n *Node) func(context.Context) (scope.SpaceWants, error) {
	return n.scopeWants
}
