package api

import (
	"context"
	"fmt"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// Service is what the API does, over an open node, in the request and
// response types of package wire. The HTTP handlers are a thin layer over
// it, and the command line calls it directly when no node is running, so a
// command prints the same thing either way. Its errors are *wire.Error
// where the cause is known (bad input, not found, not serving …) and the
// node's own errors otherwise; ErrorOf classifies both.
type Service struct {
	n *node.Node
}

// NewService returns the service of an open node.
func NewService(n *node.Node) *Service { return &Service{n: n} }

// Identity returns the node's account and device.
func (s *Service) Identity(context.Context) (wire.Identity, error) {
	return wire.Identity{
		Account:          s.n.Account().String(),
		Device:           s.n.Device().String(),
		AccountPublicKey: s.n.Account().Key().Hex(),
		DevicePublicKey:  s.n.Device().Key().Hex(),
		Home:             s.n.Home(),
	}, nil
}

// apiError returns a *wire.Error with a formatted message.
func apiError(code, format string, args ...any) *wire.Error {
	return &wire.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// withCode gives err's message the code.
func withCode(code string, err error) *wire.Error {
	return &wire.Error{Code: code, Message: err.Error()}
}

// parseAccount parses an account id from a request.
func parseAccount(what, s string) (identity.AccountID, error) {
	a, err := identity.ParseAccount(s)
	if err != nil {
		return identity.AccountID{}, apiError(wire.CodeBadRequest, "%s: %v", what, err)
	}
	return a, nil
}
