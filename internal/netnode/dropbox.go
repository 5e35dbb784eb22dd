package netnode

import "github.com/kithnet/kith/internal/dropbox"

// DropboxProtocol carries a deposit of a letter at a hub, or a collection
// of the letters a hub keeps for an account (doc/protocol/services.md §8).
const DropboxProtocol = dropbox.Protocol
