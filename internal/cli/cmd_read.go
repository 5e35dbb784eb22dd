package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

func init() {
	register(&command{
		name:    "log",
		args:    "[ACCOUNT|DEVICE]",
		summary: "list the entries of an account (all its devices) or one device; default: your account",
		run:     runLog,
	})
	register(&command{
		name:    "show",
		args:    "ENTRY_ID",
		summary: "show one entry; --raw prints the exact header and payload bytes in hex",
		flags:   boolFlag("raw", "print the exact encoded header and payload as hex"),
		run:     runShow,
	})
}

// entryJSON is the --json form of an entry.
type entryJSON struct {
	ID          string         `json:"id"`
	Author      string         `json:"author"`
	LogID       string         `json:"log_id"`
	Seq         uint64         `json:"seq"`
	Backlink    *string        `json:"backlink"`
	Timestamp   uint64         `json:"timestamp"`
	Flags       uint64         `json:"flags"`
	PayloadSize uint64         `json:"payload_size"`
	Type        *string        `json:"type"`
	Payload     map[string]any `json:"payload"`
	Deleted     bool           `json:"deleted,omitempty"`
	Withheld    bool           `json:"withheld,omitempty"`
}

// authorText names an author: the account when it is the account key, else
// the device.
func authorText(author identity.PublicKey, account identity.PublicKey) string {
	if author == account {
		return author.Account().String()
	}
	return author.Device().String()
}

func toEntryJSON(e *store.Stored, account identity.PublicKey) entryJSON {
	h := &e.Header
	j := entryJSON{
		ID:          e.ID.String(),
		Author:      authorText(h.Author, account),
		LogID:       h.LogID.String(),
		Seq:         h.Seq,
		Timestamp:   h.Timestamp,
		Flags:       uint64(h.Flags),
		PayloadSize: h.PayloadSize,
		Deleted:     e.Deleted,
		Withheld:    e.Payload == nil && !e.Deleted,
	}
	if h.Seq > 1 {
		s := h.Backlink.String()
		j.Backlink = &s
	}
	if e.Type != "" {
		t := e.Type
		j.Type = &t
	}
	if e.Payload != nil {
		if p, err := content.Decode(e.Payload); err == nil {
			j.Payload = content.ToJSON(p)
		} else {
			j.Payload = map[string]any{"opaque_hex": hex.EncodeToString(e.Payload)}
		}
	}
	return j
}

// resolveWho parses an account or device id; empty means this node's
// account. It returns the key, whether it is a device, and the id's text.
func resolveWho(n *node.Node, arg string) (who identity.PublicKey, device bool, text string, err error) {
	if arg == "" {
		return n.Account().Key(), false, n.Account().String(), nil
	}
	kind, b, err := identity.ParseAny(arg, identity.KindAccount, identity.KindDevice)
	if err != nil {
		return identity.PublicKey{}, false, "", err
	}
	return identity.PublicKey(b), kind == identity.KindDevice, identity.Encode(kind, b), nil
}

func runLog(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 1); err != nil {
		return err
	}
	arg := ""
	if len(c.args) == 1 {
		arg = c.args[0]
	}
	return c.withNode(func(n *node.Node) error {
		who, isDevice, whoText, err := resolveWho(n, arg)
		if err != nil {
			return usagef("%v", err)
		}
		account := who
		if d, err := n.Store().AccountOf(ctx, who); err == nil {
			account = d.Account
		}
		var logs []store.Head
		if isDevice {
			all, err := n.Store().Heads(ctx)
			if err != nil {
				return err
			}
			for _, h := range all {
				if h.Log.Author == who {
					logs = append(logs, h)
				}
			}
		} else {
			logs, err = n.LogsOf(ctx, who)
			if err != nil {
				return err
			}
		}
		if len(logs) == 0 {
			return fmt.Errorf("no entries of %s are held here", whoText)
		}
		enc := json.NewEncoder(c.env.Stdout)
		return n.EachEntry(ctx, logs, func(e *store.Stored) error {
			j := toEntryJSON(e, account)
			if c.json {
				return enc.Encode(j)
			}
			printEntryLine(c.env.Stdout, j)
			return nil
		})
	})
}

func printEntryLine(w io.Writer, j entryJSON) {
	ts := time.UnixMilli(int64(j.Timestamp)).UTC().Format("2006-01-02 15:04:05")
	typ := "-"
	if j.Type != nil {
		typ = *j.Type
	}
	summary := ""
	switch {
	case j.Deleted:
		summary = "(deleted)"
	case j.Withheld:
		summary = "(payload not held)"
	case j.Payload != nil:
		if t, ok := j.Payload["text"].(string); ok {
			summary = t
		} else if nm, ok := j.Payload["name"].(string); ok {
			summary = nm
		}
	}
	if len(summary) > 60 {
		cut := 57
		for cut > 0 && !utf8.RuneStart(summary[cut]) {
			cut-- // never cut a character in two
		}
		summary = summary[:cut] + "..."
	}
	fmt.Fprintf(w, "%s  %s #%d  %-13s %s  %s\n", ts, short(j.Author), j.Seq, typ, j.ID, strings.ReplaceAll(summary, "\n", " "))
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

func runShow(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := entry.ParseID(c.args[0])
	if err != nil {
		return usagef("%v", err)
	}
	return c.withNode(func(n *node.Node) error {
		e, err := n.Store().Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("entry %s is not held here", id)
		}
		if err != nil {
			return err
		}
		if c.flagBool("raw") {
			raw := map[string]any{"id": id.String(), "header_hex": hex.EncodeToString(e.Raw), "payload_hex": nil}
			if e.Payload != nil {
				raw["payload_hex"] = hex.EncodeToString(e.Payload)
			}
			return c.out(raw, func(w io.Writer) {
				fmt.Fprintf(w, "header  %x\n", e.Raw)
				if e.Payload != nil {
					fmt.Fprintf(w, "payload %x\n", e.Payload)
				} else {
					fmt.Fprintln(w, "payload (not held)")
				}
			})
		}
		// An author that certified devices is an account (e.g. of a
		// device.add), whichever account this node belongs to.
		account := n.Account().Key()
		if ds, err := n.Store().Devices(ctx, e.Header.Author); err == nil && len(ds) > 0 {
			account = e.Header.Author
		}
		j := toEntryJSON(e, account)
		return c.out(j, func(w io.Writer) {
			b, _ := json.MarshalIndent(j, "", "  ")
			fmt.Fprintln(w, string(b))
		})
	})
}
