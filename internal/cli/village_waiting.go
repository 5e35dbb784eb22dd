package cli

import (
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/api/wire"
)

// printWaiting prints who the village waits on, if anyone: whether this
// node reached them, and the hint of what to do.
func printWaiting(w io.Writer, ws []wire.VillageWaiting) {
	if len(ws) == 0 {
		return
	}
	fmt.Fprintf(w, "\nwaiting on (%d)\n", len(ws))
	for _, x := range ws {
		state := x.As + ", not reached"
		switch {
		case x.Reached:
			state = x.As + ", reached"
		case x.As == "invitee":
			state = "invitee, not joined"
		}
		fmt.Fprintf(w, "  %s  %s: %s\n", x.Account, state, termText(x.Hint))
	}
}
