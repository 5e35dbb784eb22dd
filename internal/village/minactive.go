package village

import (
	"fmt"

	"github.com/kithnet/kith/internal/identity"
)

// MinActive is the number of active locals a founded village keeps: a
// userspec that would leave fewer is ignored (village.md §3, "Locals").
const MinActive = 2

// UserspecRefusal returns why a village.userspec of local setting mode
// would be ignored by the rule on active locals, or "": an active local
// may not turn passive while the village has MinActive active locals or
// fewer. Clients check it before publishing; the reducer applies it to
// every userspec.
func (s *State) UserspecRefusal(local identity.PublicKey, mode Mode) string {
	l := s.locals[local]
	if l == nil || !l.Active() || mode != Passive {
		return ""
	}
	if n := len(s.activeKeys()); n <= MinActive {
		return fmt.Sprintf("would leave fewer than two active locals (%d active)", n)
	}
	return ""
}
