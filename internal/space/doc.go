// Package space holds the membership rules of a space (DESIGN.md "Spaces
// and encryption", doc/protocol/space-membership.md): the payloads of a
// space's membership log (space.create, space.add, space.remove,
// space.role, space.leave), their strict decoder, and a pure reducer that
// derives the members of a space and their roles from any set of signed
// entries, whatever order they arrived in, resolving concurrent changes by
// "strong removal". It also says which changes start a new key epoch; the
// keys themselves are internal/seal's.
//
// It is a pure domain package: no I/O, no clock.
package space
