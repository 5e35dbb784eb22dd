package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// 'kith log': the entries of an account or a device, one section per log
// (whose log it is, by name), each in seq order, a line per entry with
// its local time and a summary of its payload. --json prints the API's
// entries, one per line.

func runLog(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 1); err != nil {
		return err
	}
	who := ""
	if len(c.args) == 1 {
		kind, b, err := identity.ParseAny(c.args[0], identity.KindAccount, identity.KindDevice)
		if err != nil {
			return usagef("%v", err)
		}
		who = identity.Encode(kind, b)
	}
	return c.withReader(func(b backend, r reader) error {
		var all []entryJSON
		q := wire.EntriesQuery{Author: who, Limit: logPage}
		for {
			page, err := b.Entries(ctx, q)
			if err != nil {
				return err
			}
			for _, j := range page.Entries {
				if !c.json {
					all = append(all, j)
					continue
				}
				line, err := json.Marshal(j)
				if err != nil {
					return err
				}
				if _, err := c.env.Stdout.Write(append(termJSON(line), '\n')); err != nil {
					return err
				}
			}
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
		if c.json {
			return nil
		}
		n := &namer{ctx: ctx, b: b, r: r, names: map[string]string{}}
		return c.printLog(c.env.Stdout, n, all)
	})
}

// logSection is one log's entries.
type logSection struct {
	title   string
	rank    int // public log 0, device certificates 1, any other log 2
	author  string
	logID   string
	entries []entryJSON
}

func (c *call) printLog(w io.Writer, n *namer, all []entryJSON) error {
	if len(all) == 0 {
		fmt.Fprintln(w, "No entries.")
		return nil
	}
	if err := n.ownDevices(); err != nil {
		return err
	}
	n.certified = map[string]certifiedDevice{}
	// Devices are named by their certificates, where the listing has them.
	for _, j := range all {
		if j.Type != nil && *j.Type == content.TypeDeviceAdd && j.Payload != nil {
			dev, _ := j.Payload["device"].(string)
			name, _ := j.Payload["name"].(string)
			if _, own := n.devices[dev]; dev != "" && !own {
				n.certified[dev] = certifiedDevice{account: j.Author, name: name}
			}
		}
	}
	byLog := map[[2]string]*logSection{}
	var sections []*logSection
	for _, j := range all {
		k := [2]string{j.Author, j.LogID}
		s := byLog[k]
		if s == nil {
			title, rank, err := n.logTitle(j)
			if err != nil {
				return err
			}
			s = &logSection{title: title, rank: rank, author: j.Author, logID: j.LogID}
			byLog[k] = s
			sections = append(sections, s)
		}
		s.entries = append(s.entries, j)
	}
	slices.SortStableFunc(sections, func(a, b *logSection) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.title, b.title), cmp.Compare(a.author, b.author), cmp.Compare(a.logID, b.logID))
	})
	for i, s := range sections {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (%d %s)\n", s.title, len(s.entries), plural(len(s.entries), "entry", "entries"))
		slices.SortFunc(s.entries, func(a, b entryJSON) int { return cmp.Compare(a.Seq, b.Seq) })
		for _, j := range s.entries {
			sum, err := n.summary(j)
			if err != nil {
				return err
			}
			typ := "-"
			if j.Type != nil {
				typ = *j.Type
			}
			fmt.Fprintf(w, "  #%-4d %s  %-14s %s\n", j.Seq, c.localTime(int64(j.Timestamp)), termText(typ), cut60(termText(strings.ReplaceAll(sum, "\n", " "))))
		}
	}
	return nil
}

// cut60 cuts a summary to 60 bytes, never in a character.
func cut60(s string) string {
	if len(s) <= 60 {
		return s
	}
	cut := 57
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// namer names accounts and devices for the log, asking once per id.
type namer struct {
	ctx     context.Context
	b       backend
	r       reader
	names   map[string]string // account id → name ("" when none)
	devices map[string]wire.Device
	self    string
	// certified holds the other devices whose certificates are listed.
	certified map[string]certifiedDevice
}

// certifiedDevice is a device of another account, as its certificate says.
type certifiedDevice struct{ account, name string }

// account returns the name of an account, or its id when it has none.
func (n *namer) account(id string) (string, error) {
	name, ok := n.names[id]
	if !ok {
		var err error
		if name, err = nameOf(n.ctx, n.r, id); err != nil && err != errNoName {
			return "", err
		}
		n.names[id] = name
	}
	if name == "" {
		return id, nil
	}
	return termText(name), nil
}

// ownDevices loads this account's devices and their names, once.
func (n *namer) ownDevices() error {
	if n.devices != nil {
		return nil
	}
	n.devices = map[string]wire.Device{}
	l, err := n.b.Devices(n.ctx)
	if err != nil {
		return err
	}
	n.self = l.Account
	for _, d := range l.Devices {
		n.devices[d.ID] = d
	}
	return nil
}

// logTitle says whose log an entry is in and which: "Ada, device
// "laptop", public log".
func (n *namer) logTitle(j entryJSON) (string, int, error) {
	if err := n.ownDevices(); err != nil {
		return "", 0, err
	}
	var who string
	switch {
	case strings.HasPrefix(j.Author, "acc_"):
		name, err := n.account(j.Author)
		if err != nil {
			return "", 0, err
		}
		who = name + ", account key"
	default:
		if d, ok := n.devices[j.Author]; ok {
			name, err := n.account(n.self)
			if err != nil {
				return "", 0, err
			}
			who = fmt.Sprintf("%s, device %q", name, termText(d.Name))
			if d.Name == "" {
				who = name + ", device " + j.Author
			}
		} else if d, ok := n.certified[j.Author]; ok {
			name, err := n.account(d.account)
			if err != nil {
				return "", 0, err
			}
			who = fmt.Sprintf("%s, device %q", name, termText(d.name))
			if d.name == "" {
				who = name + ", device " + j.Author
			}
		} else {
			who = "device " + j.Author
		}
	}
	switch {
	case j.LogID == entry.PublicLog.String():
		return who + ", public log", 0, nil
	case j.Type != nil && (*j.Type == content.TypeDeviceAdd || *j.Type == content.TypeDeviceRevoke):
		// A certificate log is one device's: its first entry names it.
		dev, _ := j.Payload["device"].(string)
		name, _ := j.Payload["name"].(string)
		if d, ok := n.devices[dev]; ok {
			name = d.Name
		}
		if name != "" {
			return fmt.Sprintf("%s, certificate of device %q", who, termText(name)), 1, nil
		}
		return who + ", certificate of device " + dev, 1, nil
	}
	return who + ", log " + j.LogID, 2, nil
}

// summary is a line about an entry's payload: what it says, in words.
func (n *namer) summary(j entryJSON) (string, error) {
	switch {
	case j.Deleted:
		return "(deleted)", nil
	case j.Withheld:
		return "(payload not held)", nil
	case j.Payload == nil:
		return "", nil
	}
	p := j.Payload
	str := func(k string) string { s, _ := p[k].(string); return s }
	typ := ""
	if j.Type != nil {
		typ = *j.Type
	}
	switch typ {
	case content.TypePost:
		s := str("text")
		if imgs, _ := p["images"].([]any); len(imgs) > 0 {
			s += fmt.Sprintf(" [%d %s]", len(imgs), plural(len(imgs), "image", "images"))
		}
		if str("reply_to") != "" {
			s = "(reply) " + s
		}
		return s, nil
	case content.TypeProfile:
		s := fmt.Sprintf("name %q", str("name"))
		if a := str("about"); a != "" {
			s += fmt.Sprintf(", about %q", a)
		}
		if str("image") != "" {
			s += ", with a picture"
		}
		return s, nil
	case content.TypeFollow, content.TypeBlock:
		name, err := n.account(str("account"))
		if err != nil {
			return "", err
		}
		on := p["following"] == true || p["blocking"] == true
		verb := map[[2]bool]string{{true, true}: "follows", {true, false}: "unfollows", {false, true}: "blocks", {false, false}: "unblocks"}[[2]bool{typ == content.TypeFollow, on}]
		return verb + " " + name, nil
	case content.TypeDelete:
		return "deletes the payload of " + str("target"), nil
	case content.TypeDeviceAdd:
		s := "adds device " + str("device")
		if nm := str("name"); nm != "" {
			s = fmt.Sprintf("adds device %q", nm)
		}
		if p["paired"] == true {
			s += " (paired)"
		}
		return s, nil
	case content.TypeDeviceRevoke:
		s := "revokes device " + str("device")
		if d, ok := n.devices[str("device")]; ok && d.Name != "" {
			s = fmt.Sprintf("revokes device %q", d.Name)
		}
		if r := str("reason"); r != "" {
			s += fmt.Sprintf(": %q", r)
		}
		return s, nil
	case content.TypeCustody:
		if p["account_key"] == true {
			return "this device holds the account key", nil
		}
		return "this device no longer holds the account key", nil
	}
	return genericSummary(p), nil
}

// genericSummary describes any other payload by its fields: text and
// names quoted, ids and numbers as they are, flags by name; long hex and
// nested values are left to --json.
func genericSummary(p map[string]any) string {
	if hex, ok := p["opaque_hex"].(string); ok {
		return fmt.Sprintf("(%d bytes, not a payload kith reads; sealed or unknown)", len(hex)/2)
	}
	var keys []string
	for k := range p {
		if k != "type" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		switch v := p[k].(type) {
		case string:
			if len(v) > 40 && isHex(v) {
				continue
			}
			if isID(v) {
				parts = append(parts, k+" "+v)
			} else {
				parts = append(parts, fmt.Sprintf("%s %q", k, v))
			}
		case bool:
			if v {
				parts = append(parts, k)
			} else {
				parts = append(parts, "not "+k)
			}
		case float64, int64, uint64, int:
			parts = append(parts, fmt.Sprintf("%s %v", k, v))
		case []any:
			parts = append(parts, fmt.Sprintf("%d %s", len(v), k))
		}
	}
	return strings.Join(parts, ", ")
}

func isHex(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// isID reports whether s looks like one of kith's ids (acc_…, ent_…).
func isID(s string) bool {
	i := strings.IndexByte(s, '_')
	return i > 0 && i <= 8 && !strings.ContainsAny(s, " \n")
}
