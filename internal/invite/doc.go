// Package invite encodes and decodes invitation codes and the two messages
// of the invite exchange (doc/protocol/invite.md). It does no I/O.
package invite
