package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
)

func init() {
	register(&command{
		name:    "export",
		args:    "[ACCOUNT...]",
		summary: "write a bundle (entries and their blobs) for moving data without a network; default: everything held",
		flags:   strFlag("out", "bundle file to write (default: stdout when it is not a terminal)"),
		run:     runExport,
	})
	register(&command{
		name:    "import",
		args:    "FILE",
		summary: "read a bundle, verify everything in it and store what is valid ('-' reads stdin)",
		run:     runImport,
	})
}

// progressEvery is the least time between two progress lines.
var progressEvery = time.Second

// progress prints throttled progress lines on stderr, unless --json.
type progress struct {
	c    *call
	mu   sync.Mutex
	last time.Time
	tty  bool
	used bool
}

func newProgress(c *call) *progress {
	// The first line comes after progressEvery: quick work prints no
	// progress.
	return &progress{c: c, tty: isTerminal(c.env.Stderr), last: time.Now()}
}

func (p *progress) show(format string, args ...any) {
	if p.c.json {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < progressEvery {
		return
	}
	p.last = time.Now()
	p.used = true
	if p.tty {
		fmt.Fprintf(p.c.env.Stderr, "\r\033[K"+format, args...)
	} else {
		fmt.Fprintf(p.c.env.Stderr, format+"\n", args...)
	}
}

func (p *progress) done() {
	if p.used && p.tty {
		fmt.Fprintln(p.c.env.Stderr)
	}
}

func runExport(ctx context.Context, c *call) error {
	var accounts []string
	for _, a := range c.args {
		id, err := identity.ParseAccount(a)
		if err != nil {
			return usagef("%v", err)
		}
		accounts = append(accounts, id.String())
	}
	out := c.str("out")
	if out == "" && (c.json || isTerminal(c.env.Stdout)) {
		return usagef("give --out FILE (or redirect stdout to a file)")
	}
	return c.withBackend(func(b backend) error {
		var w io.Writer = c.env.Stdout
		var f *outFile
		if out != "" {
			// Write beside the target and rename at the end, so a failed
			// export never leaves a partial bundle under the final name.
			var err error
			if f, err = createOut(out); err != nil {
				return err
			}
			defer f.abort()
			w = f
		}
		p := newProgress(c)
		start := time.Now()
		st, err := b.Export(ctx, w, accounts, func(s wire.ExportStats) {
			if s.Entries > 0 {
				p.show("exported %d entries (%.1f MB)", s.Entries, float64(s.Bytes)/1e6)
			} else {
				p.show("exported %.1f MB", float64(s.Bytes)/1e6)
			}
		})
		p.done()
		if err != nil {
			return err
		}
		if f != nil {
			// A bundle may hold everything you have: only you may read it.
			if err := f.commit(0o600); err != nil {
				return err
			}
		}
		secs := time.Since(start).Seconds()
		res := struct {
			wire.ExportStats
			Out     string  `json:"out,omitempty"`
			Seconds float64 `json:"seconds"`
		}{st, out, secs}
		if out == "" {
			// stdout carries the bundle: report on stderr.
			fmt.Fprintf(c.env.Stderr, "exported %d entries from %d logs and %d blobs (%d bytes)\n", st.Entries, st.Logs, st.Blobs, st.Bytes)
			return nil
		}
		return c.out(res, func(w io.Writer) {
			fmt.Fprintf(w, "exported %d entries from %d logs and %d blobs to %s (%d bytes, %.1fs)\n", st.Entries, st.Logs, st.Blobs, out, st.Bytes, secs)
			if st.BlobsMissing > 0 {
				fmt.Fprintf(w, "%d referenced blobs are not held here and were left out\n", st.BlobsMissing)
			}
		})
	})
}

func runImport(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	var r io.Reader = c.env.Stdin
	if c.args[0] != "-" {
		f, err := os.Open(c.args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	return c.withBackend(func(b backend) error {
		p := newProgress(c)
		start := time.Now()
		st, err := b.Import(ctx, r, func(s wire.ImportStats) {
			p.show("imported %d new, %d known, %d rejected (%.1f MB read)", s.EntriesNew, s.EntriesKnown, s.EntriesRejected, float64(s.Bytes)/1e6)
		})
		p.done()
		secs := time.Since(start).Seconds()
		res := struct {
			wire.ImportStats
			Seconds float64 `json:"seconds"`
			Error   string  `json:"error,omitempty"`
		}{st, secs, ""}
		if err != nil {
			res.Error = err.Error()
		}
		if oerr := c.out(res, func(w io.Writer) {
			fmt.Fprintf(w, "entries: %d new, %d already known, %d rejected", st.EntriesNew, st.EntriesKnown, st.EntriesRejected)
			if st.EntriesForked > 0 {
				fmt.Fprintf(w, ", %d conflicting with entries held (their logs are marked forked)", st.EntriesForked)
			}
			if st.PayloadsRefused > 0 {
				fmt.Fprintf(w, "; %d invalid payloads refused (their entries kept without them)", st.PayloadsRefused)
			}
			fmt.Fprintf(w, "\nblobs:   %d new, %d already known, %d rejected\n", st.BlobsNew, st.BlobsKnown, st.BlobsRejected)
			for _, r := range st.Rejections {
				fmt.Fprintf(w, "rejected %s: %s\n", termText(r.What), termText(r.Reason))
			}
			if n := st.EntriesRejected + st.BlobsRejected + st.PayloadsRefused - len(st.Rejections); n > 0 {
				fmt.Fprintf(w, "(%d more rejections not listed)\n", n)
			}
		}); oerr != nil {
			return oerr
		}
		if err != nil {
			return fmt.Errorf("%w; the %d entries stored before this point were each verified", err, st.EntriesNew)
		}
		if st.EntriesRejected+st.BlobsRejected+st.PayloadsRefused > 0 {
			return fmt.Errorf("%d entries, %d blobs and %d payloads were rejected; nothing invalid was stored", st.EntriesRejected, st.BlobsRejected, st.PayloadsRefused)
		}
		return nil
	})
}
