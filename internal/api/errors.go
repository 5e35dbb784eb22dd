package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/bundle"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// ErrorOf returns err as an API error: itself when it is a *wire.Error,
// else a code chosen by what err matches, with err's text as the message.
func ErrorOf(err error) *wire.Error {
	var we *wire.Error
	if errors.As(err, &we) {
		return we
	}
	var mbe *http.MaxBytesError
	var ce *content.Error
	var fe *bundle.FormatError
	var te *bundle.TruncatedError
	var hr *node.HeadsRefusedError
	var lr *node.LeaseRefusedError
	switch {
	case errors.As(err, &hr), errors.As(err, &lr):
		return withCode(wire.CodeHubRefused, err)
	case errors.As(err, &mbe):
		return apiError(wire.CodeTooLarge, "the request body is larger than %d bytes", mbe.Limit)
	case errors.Is(err, node.ErrNotServing):
		return withCode(wire.CodeNotServing, err)
	case errors.Is(err, node.ErrBadAddress), errors.Is(err, node.ErrBadInvite):
		return withCode(wire.CodeBadRequest, err)
	case errors.Is(err, node.ErrUnreachable):
		return withCode(wire.CodeUnreachable, err)
	case errors.Is(err, node.ErrInviteExpired):
		return withCode(wire.CodeInviteExpired, err)
	case errors.Is(err, node.ErrInviteRefused):
		return withCode(wire.CodeInviteRefused, err)
	case errors.Is(err, node.ErrNoAccountKey):
		return withCode(wire.CodeNoAccountKey, err)
	case errors.Is(err, node.ErrWrongPhrase), errors.Is(err, node.ErrEmptyPost), errors.Is(err, blob.ErrNotImage),
		errors.Is(err, node.ErrBlobLocation):
		return withCode(wire.CodeBadRequest, err)
	case errors.Is(err, node.ErrDeviceRevoked):
		return withCode(wire.CodeDeviceRevoked, err)
	case errors.Is(err, blob.ErrTooLarge):
		return withCode(wire.CodeTooLarge, err)
	case errors.As(err, &ce):
		return withCode(wire.CodeBadRequest, err)
	case errors.As(err, &fe), errors.As(err, &te):
		return withCode(wire.CodeBadBundle, err)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, blob.ErrNotFound), errors.Is(err, node.ErrNotAsked):
		return withCode(wire.CodeNotFound, err)
	case errors.Is(err, context.DeadlineExceeded):
		return apiError(wire.CodeFailed, "timed out: %v", err)
	}
	return withCode(wire.CodeFailed, err)
}

// notServing is the error of a network operation on a node that does not
// run its network.
func notServing() *wire.Error { return withCode(wire.CodeNotServing, node.ErrNotServing) }
