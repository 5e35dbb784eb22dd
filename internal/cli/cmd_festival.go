package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/client"
	"github.com/kithnet/kith/internal/api/wire"
)

// The festival commands (doc/api.md, "Festivals"): resources, events that
// need them, and the owners' authorizations. Festivals, resources and
// events are named by name (or id); times are UTC, written
// 2026-07-04T20:00:00Z or "2026-07-04 20:00".

// festivalBackend is what the festival commands need of the backend.
type festivalBackend interface {
	Festivals(ctx context.Context) (wire.FestivalList, error)
	CreateFestival(ctx context.Context, req wire.FestivalCreate) (wire.FestivalEntry, error)
	OpenFestival(ctx context.Context, id string, req wire.FestivalOpen) (wire.FestivalEntry, error)
	LeaveFestival(ctx context.Context, ref string) (wire.FestivalEntry, error)
	Festival(ctx context.Context, ref string) (wire.Festival, error)
	AddFestivalResource(ctx context.Context, ref string, req wire.FestivalResourceNew) (wire.FestivalEntry, error)
	AddFestivalEvent(ctx context.Context, ref string, req wire.FestivalEventNew) (wire.FestivalEntry, error)
	RequestFestivalResource(ctx context.Context, ref string, req wire.FestivalRequestNew) (wire.FestivalEntry, error)
	AuthorizeFestivalRequest(ctx context.Context, ref string, req wire.FestivalAuthorizeNew) (wire.FestivalEntry, error)
	WithdrawFestivalEntry(ctx context.Context, ref string, req wire.FestivalWithdrawNew) (wire.FestivalEntry, error)
}

var (
	_ festivalBackend = (*api.Service)(nil)
	_ festivalBackend = (*client.Client)(nil)
)

func (c *call) withFestivals(f func(b festivalBackend) error) error {
	return c.withBackend(func(b backend) error {
		fb, ok := b.(festivalBackend)
		if !ok {
			return fmt.Errorf("this node's API has no festivals")
		}
		return f(fb)
	})
}

func init() {
	register(&command{
		name:    "festival create",
		args:    "NAME",
		summary: "found a festival (public; --in nests it in a festival you opened; --village or --space makes it live there)",
		help: "Prints the festival id, and what others give 'kith festival open' to join it.\n" +
			"A festival nested in another (--in) is opened by its id once the outer one is.\n" +
			"A festival in a village (--village) goes to the village's locals, one in a space (--space) is sealed for its members:\n" +
			"they need no opening, and what is nested in them lives there too.",
		flags: flags(strFlag("text", "what it is about"), strFlag("in", "the festival to nest it in (name or ent_…)"),
			strFlag("village", "the village it lives in (name or ent_…)"), strFlag("space", "the space it lives in, sealed (name or ent_…)")),
		run: runFestivalCreate,
	})
	register(&command{
		name:    "festival open",
		args:    "FESTIVAL_REF",
		summary: "open a festival: replicate its logs (and nothing else of the people in it)",
		help: "FESTIVAL_REF is what 'kith festival create' printed (ent_…/dev_…), the id of a festival nested in one you opened,\n" +
			"or the id alone of a public festival: it is then looked for in the DHT, under its rendezvous key.",
		run: runFestivalOpen,
	})
	register(&command{
		name:    "festival leave",
		args:    "FESTIVAL",
		summary: "stop replicating a festival (and those nested in it you opened)",
		run:     runFestivalLeave,
	})
	register(&command{
		name:    "festival list",
		summary: "list the festivals you opened and those nested in them",
		run:     runFestivalList,
	})
	register(&command{
		name:    "festival show",
		args:    "FESTIVAL",
		summary: "show a festival: the programme by day, the resources and their bookings, requests waiting for you, conflicts",
		run:     runFestivalShow,
	})
	register(&command{
		name:    "festival resource",
		args:    "FESTIVAL NAME --kind KIND",
		summary: "announce a resource you own (a room, a stage, equipment, a skill, a location)",
		help: "--policy decides its requests: first-come (default: the first request in the causal order gets the time),\n" +
			"manual (you decide each with 'kith festival authorize'), hours-per-day (--param N: at most N hours a person a day).\n" +
			"A location needs --at LAT,LON, --address or --url.",
		flags: flags(strFlag("kind", "room, stage, equipment, skill, location, …"), strFlag("text", "a description"),
			strFlag("policy", "first-come (default), manual or hours-per-day"), multi("param", "a parameter of the policy; repeatable"),
			strFlag("capacity", "how many people it holds"), multi("available", "START/END when it is available; repeatable (default: always)"),
			strFlag("at", "LAT,LON in degrees"), strFlag("address", "a street address"), strFlag("url", "a virtual place")),
		run: runFestivalResource,
	})
	register(&command{
		name:    "festival event",
		args:    "FESTIVAL NAME --from START --to END",
		summary: "announce an event; --needs books resources for its time",
		flags: flags(strFlag("from", "when it starts (UTC)"), strFlag("to", "when it ends (UTC)"), strFlag("text", "a description"),
			multi("needs", "a resource it needs (name or ent_…); repeatable")),
		run: runFestivalEvent,
	})
	register(&command{
		name:    "festival request",
		args:    "FESTIVAL EVENT RESOURCE --from START --to END",
		summary: "ask for a resource for one of your events at another time (setting up, another day)",
		flags:   flags(strFlag("from", "start (UTC)"), strFlag("to", "end (UTC)")),
		run:     runFestivalRequest,
	})
	register(&command{
		name:    "festival authorize",
		args:    "FESTIVAL REQUEST RESOURCE grant|deny",
		summary: "decide a request for a resource you own (REQUEST: the event's name or the request's id)",
		flags:   strFlag("reason", "why, for the requester"),
		run:     runFestivalAuthorize,
	})
	register(&command{
		name:    "festival withdraw",
		args:    "FESTIVAL TARGET",
		summary: "withdraw your resource, cancel your event (by name), or withdraw a request or festival (by id)",
		flags:   strFlag("reason", "why"),
		run:     runFestivalWithdraw,
	})
}

// festivalFailed makes the backend's error say what to do next.
func festivalFailed(err error, festival string) error {
	var we *wire.Error
	if errors.As(err, &we) && we.Code == wire.CodeNotFound && strings.Contains(we.Message, "no such festival held here") {
		return fmt.Errorf("%s\nopen it first with 'kith festival open', or see 'kith festival list'", we.Message)
	}
	return err
}

// festivalTimeArg reads a time: RFC 3339, or "2006-01-02 15:04" in UTC.
func festivalTimeArg(what, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", usagef("%s: give a time, e.g. 2026-07-04T20:00:00Z or \"2026-07-04 20:00\" (UTC)", what)
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format(time.RFC3339), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339), nil
		}
	}
	return "", usagef("%s: %q is not a time like 2026-07-04T20:00:00Z or \"2026-07-04 20:00\" (UTC)", what, s)
}

func (c *call) festivalEntry(do func(b festivalBackend) (wire.FestivalEntry, error), done string) error {
	return c.withFestivals(func(b festivalBackend) error {
		e, err := do(b)
		if err != nil {
			return festivalFailed(err, "")
		}
		return c.out(e, func(w io.Writer) {
			if e.ID != "" {
				fmt.Fprintln(w, e.ID)
			}
			if done != "" {
				fmt.Fprintln(c.env.Stderr, done)
			}
		})
	})
}

func runFestivalCreate(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	req := wire.FestivalCreate{Name: c.args[0], Text: c.str("text"), Parent: c.str("in"), Village: c.str("village"), Space: c.str("space")}
	if strings.TrimSpace(req.Name) == "" {
		return usagef("NAME: a festival needs a name")
	}
	return c.withFestivals(func(b festivalBackend) error {
		e, err := b.CreateFestival(ctx, req)
		if err != nil {
			return festivalFailed(err, req.Parent)
		}
		return c.out(e, func(w io.Writer) {
			fmt.Fprintln(w, e.Festival)
			switch {
			case e.Ref != "":
				fmt.Fprintf(c.env.Stderr, "others join with: kith festival open %s\n", e.Ref)
			case req.Village != "":
				fmt.Fprintln(c.env.Stderr, "it reaches the village's locals: they need not open it")
			case req.Space != "":
				fmt.Fprintln(c.env.Stderr, "sealed for the space's members: they need not open it")
			default:
				fmt.Fprintf(c.env.Stderr, "others in the outer festival join with: kith festival open %s\n", e.Festival)
			}
		})
	})
}

func runFestivalOpen(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, founder, _ := strings.Cut(strings.TrimSpace(c.args[0]), "/")
	return c.withFestivals(func(b festivalBackend) error {
		e, err := b.OpenFestival(ctx, id, wire.FestivalOpen{Founder: founder})
		if err != nil {
			return err
		}
		return c.out(e, func(w io.Writer) {
			fmt.Fprintln(w, e.Festival)
			fmt.Fprintln(c.env.Stderr, "opened: its entries come while a node that holds them is connected ('kith festival show' shows what arrived)")
		})
	})
}

func runFestivalLeave(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	return c.festivalEntry(func(b festivalBackend) (wire.FestivalEntry, error) { return b.LeaveFestival(ctx, c.args[0]) },
		"left: nothing more of it is replicated; what is held stays")
}

func runFestivalList(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	return c.withFestivals(func(b festivalBackend) error {
		l, err := b.Festivals(ctx)
		if err != nil {
			return err
		}
		return c.out(l, func(w io.Writer) {
			if len(l.Festivals) == 0 {
				fmt.Fprintln(w, "no festivals; create one with 'kith festival create NAME', or open one with 'kith festival open REF'")
				return
			}
			for _, f := range l.Festivals {
				line := termText(f.Name)
				switch {
				case f.Cancelled:
					line += "  (cancelled)"
				case !f.Opened:
					line += "  (nested; not opened: kith festival open " + f.ID + ")"
				}
				fmt.Fprintf(w, "%s  %s\n", f.ID, line)
				if f.Ref != "" {
					fmt.Fprintf(w, "    share: kith festival open %s\n", f.Ref)
				}
			}
		})
	})
}

// clock is "20:00" of an RFC 3339 time; day its "Sat 2026-07-04".
func clock(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("15:04")
}

func day(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("Mon 2006-01-02")
}

func spanText(sp wire.Span) string {
	if day(sp.Start) == day(sp.End) {
		return day(sp.Start) + " " + clock(sp.Start) + "–" + clock(sp.End) + " UTC"
	}
	return day(sp.Start) + " " + clock(sp.Start) + "–" + day(sp.End) + " " + clock(sp.End) + " UTC"
}

func runFestivalShow(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	return c.withFestivals(func(b festivalBackend) error {
		v, err := b.Festival(ctx, c.args[0])
		if err != nil {
			return festivalFailed(err, c.args[0])
		}
		return c.out(v, func(w io.Writer) { printFestival(w, v) })
	})
}

func printFestival(w io.Writer, v wire.Festival) {
	head := termText(v.Name)
	if v.Cancelled {
		head += " (cancelled)"
	}
	fmt.Fprintf(w, "%s, by %s\n", head, termText(v.Creator.Name))
	if v.ParentName != "" {
		fmt.Fprintf(w, "nested in %s\n", termText(v.ParentName))
	}
	if v.Text != "" {
		fmt.Fprintln(w, termText(v.Text))
	}
	if v.Ref != "" {
		fmt.Fprintf(w, "share: kith festival open %s\n", v.Ref)
	}
	fmt.Fprintln(w, "\nProgramme")
	if len(v.Programme) == 0 {
		fmt.Fprintln(w, "  no events yet; add one with 'kith festival event'")
	}
	cur := ""
	for _, e := range v.Programme {
		if d := day(e.Span.Start); d != cur {
			cur = d
			fmt.Fprintf(w, "  %s\n", d)
		}
		line := fmt.Sprintf("    %s–%s  %s", clock(e.Span.Start), clock(e.Span.End), termText(e.Name))
		if len(e.Places) > 0 {
			line += "  @ " + termText(strings.Join(e.Places, ", "))
		}
		line += "  (" + termText(e.Author.Name) + ")"
		if e.Cancelled {
			line += "  cancelled"
		}
		fmt.Fprintln(w, line)
		for _, q := range e.Requests {
			s := q.Status
			if q.Status == "granted" && q.Confirmed {
				s = "confirmed"
			}
			line := fmt.Sprintf("      %s: %s", termText(q.ResName), s)
			if q.Span != e.Span {
				line += " for " + spanText(q.Span)
			}
			if q.Reason != "" && q.Status != "granted" {
				line += " — " + termText(q.Reason)
			}
			fmt.Fprintln(w, line)
		}
	}
	fmt.Fprintln(w, "\nResources")
	if len(v.Resources) == 0 {
		fmt.Fprintln(w, "  none yet; announce one with 'kith festival resource'")
	}
	for _, r := range v.Resources {
		line := fmt.Sprintf("  %s  %s, %s, owned by %s", termText(r.Name), r.Kind, r.Policy, termText(r.Owner.Name))
		if r.Withdrawn {
			line += "  (withdrawn)"
		}
		if r.Unchecked {
			line += "  (its policy is not known here: decisions unchecked)"
		}
		fmt.Fprintln(w, line)
		if r.Lat != nil {
			fmt.Fprintf(w, "    at %s, %s\n", strconv.FormatFloat(*r.Lat, 'f', -1, 64), strconv.FormatFloat(*r.Lon, 'f', -1, 64))
		}
		if r.Address != "" {
			fmt.Fprintf(w, "    %s\n", termText(r.Address))
		}
		if r.URL != "" {
			fmt.Fprintf(w, "    %s\n", termText(r.URL))
		}
		for _, a := range r.Windows {
			fmt.Fprintf(w, "    available %s\n", spanText(a))
		}
		for _, bk := range r.Bookings {
			conf := "not confirmed by the owner yet"
			if bk.Confirmed {
				conf = "confirmed"
			}
			fmt.Fprintf(w, "    booked %s by %q (%s), %s\n", spanText(bk.Span), termText(bk.EventName), termText(bk.Holder.Name), conf)
		}
	}
	if len(v.Waiting) > 0 {
		fmt.Fprintln(w, "\nWaiting for your decision (kith festival authorize FESTIVAL EVENT RESOURCE grant|deny)")
		for _, q := range v.Waiting {
			line := fmt.Sprintf("  %q asks for %s %s (%s)", termText(q.EventName), termText(q.ResName), spanText(q.Span), termText(q.Requester.Name))
			if q.Reason != "" {
				line += " — " + termText(q.Reason)
			}
			fmt.Fprintln(w, line)
		}
	}
	if len(v.Conflicts) > 0 {
		fmt.Fprintln(w, "\nConflicts")
		for _, q := range v.Conflicts {
			fmt.Fprintf(w, "  %q (%s), %s: %s\n", termText(q.EventName), termText(q.Requester.Name), q.Status, termText(q.Reason))
		}
	}
	if len(v.Ignored) > 0 {
		fmt.Fprintf(w, "\n%d %s not applied (kith festival show --json says why)\n", len(v.Ignored), plural(len(v.Ignored), "entry", "entries"))
	}
	if v.Skipped > 0 {
		fmt.Fprintf(w, "\n%d %s beyond what this node reads of a festival were left out\n", v.Skipped, plural(v.Skipped, "entry", "entries"))
	}
}

func runFestivalResource(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	req := wire.FestivalResourceNew{Kind: c.str("kind"), Name: c.args[1], Text: c.str("text"), Policy: c.str("policy"),
		Address: c.str("address"), URL: c.str("url")}
	if req.Kind == "" {
		return usagef("--kind: say what it is: room, stage, equipment, skill, location, …")
	}
	for _, p := range *c.multi["param"] {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return usagef("--param: %q is not a whole number", p)
		}
		req.Params = append(req.Params, n)
	}
	if s := c.str("capacity"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return usagef("--capacity: %q is not a whole number", s)
		}
		req.Capacity = n
	}
	for _, a := range *c.multi["available"] {
		from, to, ok := strings.Cut(a, "/")
		if !ok {
			return usagef("--available: write START/END, e.g. 2026-07-04T12:00:00Z/2026-07-05T02:00:00Z")
		}
		s, err := festivalTimeArg("--available", from)
		if err != nil {
			return err
		}
		e, err := festivalTimeArg("--available", to)
		if err != nil {
			return err
		}
		req.Windows = append(req.Windows, wire.Span{Start: s, End: e})
	}
	if at := c.str("at"); at != "" {
		la, lo, ok := strings.Cut(at, ",")
		lat, err1 := strconv.ParseFloat(strings.TrimSpace(la), 64)
		lon, err2 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
		if !ok || err1 != nil || err2 != nil {
			return usagef("--at: write LAT,LON in degrees, e.g. 52.52,13.405")
		}
		req.Lat, req.Lon = &lat, &lon
	}
	return c.festivalEntry(func(b festivalBackend) (wire.FestivalEntry, error) {
		return b.AddFestivalResource(ctx, c.args[0], req)
	}, "announced; you own it. See its bookings with 'kith festival show'")
}

func runFestivalEvent(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	from, err := festivalTimeArg("--from", c.str("from"))
	if err != nil {
		return err
	}
	to, err := festivalTimeArg("--to", c.str("to"))
	if err != nil {
		return err
	}
	req := wire.FestivalEventNew{Name: c.args[1], Text: c.str("text"), Start: from, End: to, Needs: *c.multi["needs"]}
	return c.festivalEntry(func(b festivalBackend) (wire.FestivalEntry, error) {
		return b.AddFestivalEvent(ctx, c.args[0], req)
	}, "announced; its bookings are decided by the resources' owners ('kith festival show' shows them)")
}

func runFestivalRequest(ctx context.Context, c *call) error {
	if err := c.wantArgs(3, 3); err != nil {
		return err
	}
	from, err := festivalTimeArg("--from", c.str("from"))
	if err != nil {
		return err
	}
	to, err := festivalTimeArg("--to", c.str("to"))
	if err != nil {
		return err
	}
	req := wire.FestivalRequestNew{Event: c.args[1], Resource: c.args[2], Start: from, End: to}
	return c.festivalEntry(func(b festivalBackend) (wire.FestivalEntry, error) {
		return b.RequestFestivalResource(ctx, c.args[0], req)
	}, "asked; the owner's node decides ('kith festival show' shows it)")
}

func runFestivalAuthorize(ctx context.Context, c *call) error {
	if err := c.wantArgs(4, 4); err != nil {
		return err
	}
	d := c.args[3]
	if d != "grant" && d != "deny" {
		return usagef("the decision is grant or deny, not %q", d)
	}
	req := wire.FestivalAuthorizeNew{Request: c.args[1], Resource: c.args[2], Decision: d, Reason: c.str("reason")}
	return c.festivalEntry(func(b festivalBackend) (wire.FestivalEntry, error) {
		return b.AuthorizeFestivalRequest(ctx, c.args[0], req)
	}, "decided")
}

func runFestivalWithdraw(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	req := wire.FestivalWithdrawNew{Target: c.args[1], Reason: c.str("reason")}
	return c.festivalEntry(func(b festivalBackend) (wire.FestivalEntry, error) {
		return b.WithdrawFestivalEntry(ctx, c.args[0], req)
	}, "withdrawn")
}
