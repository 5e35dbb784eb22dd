package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
)

// copyName is how a device of the account is named in 'kith status':
// "this device", its certificate's name, or its id.
func copyName(d wire.CopyDevice) string {
	switch {
	case d.ThisDevice:
		return "this device"
	case d.Name != "":
		return termText(d.Name)
	}
	return d.Device
}

// printCopies prints where the account's own data is held: "your data  2
// copies (this device, phone)", then a line for each device's entries held
// in one place only, and for each device never synced with, how to
// revoke it if it is lost.
func printCopies(w io.Writer, c wire.Copies) {
	if len(c.Devices) == 0 {
		return // a node that does not report copies
	}
	names := make([]string, 0, len(c.Complete))
	for _, d := range c.Complete {
		names = append(names, copyName(d))
	}
	word := "copies"
	if c.Count == 1 {
		word = "copy"
	}
	line := fmt.Sprintf("%d %s", c.Count, word)
	if len(names) > 0 {
		line += " (" + strings.Join(names, ", ") + ")"
	}
	fmt.Fprintf(w, "your data  %s\n", line)
	for _, s := range c.Single {
		what := "entries of your log on"
		if s.Entries == 1 {
			what = "entry of your log on"
		}
		verb := "are"
		if s.Entries == 1 {
			verb = "is"
		}
		fmt.Fprintf(w, "           %d %s %s %s only on %s\n", s.Entries, what, copyName(s.Author), verb, copyName(s.Holder))
	}
	for _, d := range c.Unsynced {
		fmt.Fprintf(w, "           %s has not synced with this device; if it is lost, revoke it: kith device revoke %s\n", copyName(d), d.Device)
	}
	printLeaseCopies(w, c.Leases) // cmd_lease.go
}
