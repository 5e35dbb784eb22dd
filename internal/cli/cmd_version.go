package cli

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print kith's version: the module version, the commit it was built from and the Go version",
		run:     runVersion,
	})
}

// Version is what 'kith version' prints (--json), from the build
// information Go embeds in the binary.
type Version struct {
	Version    string `json:"version"`               // the module version, "(devel)" for a build from a checkout
	Commit     string `json:"commit,omitempty"`      // the VCS revision, when built from a checkout
	CommitTime string `json:"commit_time,omitempty"` // its time, RFC 3339
	Modified   bool   `json:"modified"`              // the checkout had changes not committed
	Go         string `json:"go"`
}

// buildVersion reads the binary's build information.
func buildVersion() Version {
	v := Version{Version: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Version, v.Go = bi.Main.Version, bi.GoVersion
	if v.Version == "" {
		v.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.CommitTime = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func runVersion(_ context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	v := buildVersion()
	return c.out(v, func(w io.Writer) { printVersion(w, v) })
}

func printVersion(w io.Writer, v Version) {
	fmt.Fprintf(w, "kith %s", v.Version)
	if v.Commit != "" {
		fmt.Fprintf(w, ", commit %.12s", v.Commit)
		if v.CommitTime != "" {
			fmt.Fprintf(w, " of %s", v.CommitTime)
		}
		if v.Modified {
			fmt.Fprint(w, " with changes not committed")
		}
	}
	fmt.Fprintf(w, ", built with %s\n", v.Go)
}
