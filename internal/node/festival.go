package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
)

// Festivals (doc/protocol/festival.md, doc/network.md "Festivals"). A
// festival nested in none stands alone and is public: its create entry is
// in the founder's festival found log, every entry of it in the festival
// log of its author (scope.FestivalLog), and a festival nested in it is
// created in the parent's log. This node replicates only the festivals it
// opened (festivals.json in the home). Festivals living in a village or a
// space (festival.Create.Home) are not written by this node yet.

var (
	// ErrNoFestival: the festival is not held here (open it first).
	ErrNoFestival = errors.New("no such festival held here")
	// ErrFestivalRule: the festival's rules would ignore the entry
	// (festival.md §3); nothing was appended.
	ErrFestivalRule = errors.New("the festival's rules do not allow this")
)

func festivalErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFestivalRule, fmt.Sprintf(format, args...))
}

// festivalsFile lists the festivals this node opened.
const festivalsFile = "festivals.json"

// festivalBook is the festivals this node opened, in the home, and the
// last reduced state of them.
type festivalBook struct {
	mu     sync.Mutex
	loaded bool
	opened []openedFestival
	// state: the reduced state of the opened festivals, nil when an
	// entry of theirs came since (festivalview.go).
	state *festivalSnapshot
	// changes counts the drops of state: a reduction that began before
	// one read the store before that change, so it is not kept.
	changes uint64
	wake    chan struct{} // the owner's loop (festivalauto.go) has work
	// published: the authorizations the owner's loop published.
	published map[dueKey]bool
	// homeLogs: the festival log ids of the villages and spaces this
	// device takes part in (festivalhome.go).
	homeLogs map[entry.LogID]bool
}

// openedFestival is one record of festivals.json.
type openedFestival struct {
	ID entry.ID `json:"-"`
	// Founder: the device whose found log holds the create entry; zero
	// for a festival nested in another (its create is in the parent's
	// log).
	Founder identity.PublicKey `json:"-"`
	Parent  entry.ID           `json:"-"`
	Text    struct {
		ID      string `json:"id"`
		Founder string `json:"founder,omitempty"`
		Parent  string `json:"parent,omitempty"`
	} `json:"festival"`
}

func (n *Node) festivalsPath() string { return filepath.Join(n.home, festivalsFile) }

// openedFestivals returns the festivals this node opened.
func (n *Node) openedFestivals() ([]openedFestival, error) {
	b := &n.fests
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := n.loadFestivalsLocked(); err != nil {
		return nil, err
	}
	return slices.Clone(b.opened), nil
}

func (n *Node) loadFestivalsLocked() error {
	b := &n.fests
	if b.loaded {
		return nil
	}
	data, err := os.ReadFile(n.festivalsPath())
	if errors.Is(err, fs.ErrNotExist) {
		b.loaded = true
		return nil
	}
	if err != nil {
		return err
	}
	var recs []openedFestival
	if err := json.Unmarshal(data, &recs); err != nil {
		return fmt.Errorf("%s: %v (remove the file to forget the festivals opened, then open them again)", n.festivalsPath(), err)
	}
	for i := range recs {
		r := &recs[i]
		if r.ID, err = entry.ParseID(r.Text.ID); err != nil {
			return fmt.Errorf("%s: %v", n.festivalsPath(), err)
		}
		if r.Text.Founder != "" {
			d, err := identity.ParseDevice(r.Text.Founder)
			if err != nil {
				return fmt.Errorf("%s: %v", n.festivalsPath(), err)
			}
			r.Founder = d.Key()
		}
		if r.Text.Parent != "" {
			if r.Parent, err = entry.ParseID(r.Text.Parent); err != nil {
				return fmt.Errorf("%s: %v", n.festivalsPath(), err)
			}
		}
	}
	b.opened, b.loaded = recs, true
	return nil
}

// setOpened writes the list of opened festivals and makes the running
// network want their logs as they now are.
func (n *Node) setOpened(change func([]openedFestival) []openedFestival) error {
	b := &n.fests
	b.mu.Lock()
	if err := n.loadFestivalsLocked(); err != nil {
		b.mu.Unlock()
		return err
	}
	next := change(slices.Clone(b.opened))
	for i := range next {
		r := &next[i]
		r.Text.ID = r.ID.String()
		r.Text.Founder, r.Text.Parent = "", ""
		if !(r.Founder == identity.PublicKey{}) {
			r.Text.Founder = r.Founder.Device().String()
		}
		if !r.Parent.IsZero() {
			r.Text.Parent = r.Parent.String()
		}
	}
	data, err := json.MarshalIndent(next, "", "  ")
	if err == nil {
		err = atomicfile.WritePrivate(n.festivalsPath(), data)
	}
	if err == nil {
		b.opened, b.state = next, nil
		b.changes++
	}
	b.mu.Unlock()
	if err != nil {
		return err
	}
	if nw := n.net.Load(); nw != nil {
		n.rescope(nw.ctx, nw)
	}
	n.festivalsChanged()
	return nil
}

// festivalWants is the scope's view of the opened festivals.
func (n *Node) festivalWants(ctx context.Context) (scope.FestivalWants, error) {
	fs, err := n.openedFestivals()
	if err != nil {
		return scope.FestivalWants{}, err
	}
	var w scope.FestivalWants
	for _, f := range fs {
		w.Festivals = append(w.Festivals, f.ID)
		if !(f.Founder == identity.PublicKey{}) {
			w.Founders = append(w.Founders, store.LogKey{Author: f.Founder, LogID: scope.FestivalFoundLog})
		} else if f.Parent.IsZero() {
			// Opened by its id alone: its create comes in the found log
			// of a device not known yet.
			if d := n.festivalFounder(ctx, f); d != (identity.PublicKey{}) {
				w.Founders = append(w.Founders, store.LogKey{Author: d, LogID: scope.FestivalFoundLog})
			} else {
				w.Unfounded = true
			}
		}
	}
	return w, nil
}

// festivalFounder is the device whose festival found log holds the
// create of an opened festival nested in none: the one recorded, or,
// for a festival opened by its id alone, the author of the create held
// here; zero when not known yet.
func (n *Node) festivalFounder(ctx context.Context, o openedFestival) identity.PublicKey {
	if o.Founder != (identity.PublicKey{}) || !o.Parent.IsZero() {
		return o.Founder
	}
	e, err := n.store.Get(ctx, o.ID)
	if err != nil || e.Header.LogID != scope.FestivalFoundLog {
		return identity.PublicKey{}
	}
	return e.Header.Author
}

// FestivalRef is what a person shares so that another opens a festival
// nested in none: "<festival id>/<founder's device id>". A festival
// nested in another is opened by its id (or name) once its parent is.
func FestivalRef(id entry.ID, founder identity.PublicKey) string {
	return id.String() + "/" + founder.Device().String()
}

// ParseFestivalRef reads a FestivalRef, or a bare festival id (founder
// zero).
func ParseFestivalRef(s string) (entry.ID, identity.PublicKey, error) {
	s = strings.TrimSpace(s)
	idText, devText, hasDev := strings.Cut(s, "/")
	id, err := entry.ParseID(idText)
	if err != nil {
		return entry.ID{}, identity.PublicKey{}, fmt.Errorf("%q is not a festival: give what 'kith festival create' printed (id/founder), or the id of a festival nested in one you opened", s)
	}
	if !hasDev {
		return id, identity.PublicKey{}, nil
	}
	d, err := identity.ParseDevice(devText)
	if err != nil {
		return entry.ID{}, identity.PublicKey{}, fmt.Errorf("%q: the part after / is not a device id: %v", s, err)
	}
	return id, d.Key(), nil
}

// NewFestival is a festival to create.
type NewFestival struct {
	Name, Text string
	Parent     entry.ID // zero: a festival nested in none
	// Home: the village or space it lives in (zero: public). A festival
	// nested in another lives where the outer one does.
	Home entry.ID
}

// CreateFestival founds a festival and opens it. A festival nested in
// another is written in the parent's log, which must be opened here.
func (n *Node) CreateFestival(ctx context.Context, nf NewFestival) (*entry.Entry, error) {
	p := &festival.Create{Name: nf.Name, Text: nf.Text, Parent: nf.Parent, Home: nf.Home}
	log := scope.FestivalFoundLog
	if !nf.Parent.IsZero() {
		st, err := n.festivalState(ctx)
		if err != nil {
			return nil, err
		}
		par := st.Festivals[nf.Parent]
		if par == nil {
			return nil, fmt.Errorf("%w: the parent festival %s (open it first: kith festival open)", ErrNoFestival, nf.Parent)
		}
		if !par.Cancelled.IsZero() {
			return nil, festivalErr("the festival %q was cancelled: nothing can be nested in it", par.Payload.Name)
		}
		if par.Depth >= festival.MaxDepth {
			return nil, festivalErr("festivals nest at most %d deep", festival.MaxDepth)
		}
		if !nf.Home.IsZero() && nf.Home != par.Payload.Home {
			return nil, festivalErr("the festival %q lives in %s: a festival nested in it lives there too", par.Payload.Name, homeText(par.Payload.Home))
		}
		p.Home = par.Payload.Home
		log = scope.FestivalLog(nf.Parent)
		p.Refs = n.festivalRefs(ctx, nf.Parent, nil)
	} else if !p.Home.IsZero() {
		p.Refs = n.homeRefs(ctx, p.Home)
	}
	payload, err := festival.Encode(p)
	if err != nil {
		return nil, err
	}
	var e *entry.Entry
	if p.Home.IsZero() {
		e, err = n.AppendRaw(ctx, log, payload)
	} else {
		e, err = n.appendHomed(ctx, p.Home, payload)
	}
	if err != nil {
		return nil, err
	}
	if !p.Home.IsZero() {
		// Replicated with its home: nothing to open.
		n.festivalsChanged()
		return e, nil
	}
	rec := openedFestival{ID: e.ID, Parent: nf.Parent}
	if nf.Parent.IsZero() {
		rec.Founder = n.device.Public()
	}
	if err := n.setOpened(func(fs []openedFestival) []openedFestival { return append(fs, rec) }); err != nil {
		return nil, err
	}
	return e, nil
}

// OpenFestival opens a festival: this node replicates its logs from now
// on. ref is a FestivalRef, the id of a festival nested in one opened
// here, or the id alone of a public festival: its founding then comes
// from whoever holds it (every device's festival found log is wanted
// until it is held), found under its DHT rendezvous key.
func (n *Node) OpenFestival(ctx context.Context, ref string) (entry.ID, error) {
	id, founder, err := ParseFestivalRef(ref)
	if err != nil {
		return entry.ID{}, err
	}
	var recs []openedFestival
	if (founder == identity.PublicKey{}) {
		st, err := n.festivalState(ctx)
		if err != nil {
			return entry.ID{}, err
		}
		if f := st.Festivals[id]; f != nil {
			recs = append(recs, openedFestival{ID: id, Parent: f.Payload.Parent})
		} else {
			// A public festival known by its id alone: it comes from the
			// peers found under its rendezvous key (doc/network.md,
			// "Festivals").
			recs = append(recs, openedFestival{ID: id})
		}
	} else {
		recs = append(recs, openedFestival{ID: id, Founder: founder})
	}
	return id, n.setOpened(func(fs []openedFestival) []openedFestival {
		for _, r := range recs {
			if !slices.ContainsFunc(fs, func(o openedFestival) bool { return o.ID == r.ID }) {
				fs = append(fs, r)
			}
		}
		return fs
	})
}

// LeaveFestival stops replicating a festival and those nested in it that
// were opened. What is held stays in the store; nothing more comes.
func (n *Node) LeaveFestival(ctx context.Context, id entry.ID) error {
	st, err := n.festivalState(ctx)
	if err != nil {
		return err
	}
	opened, err := n.openedFestivals()
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(opened, func(o openedFestival) bool { return o.ID == id }) {
		return fmt.Errorf("%w: the festival %s is not opened here ('kith festival list' shows those that are)", ErrNoFestival, id)
	}
	gone := map[entry.ID]bool{id: true}
	for changed := true; changed; {
		changed = false
		for _, o := range opened {
			par := o.Parent
			if f := st.Festivals[o.ID]; f != nil {
				par = f.Payload.Parent
			}
			if !gone[o.ID] && gone[par] {
				gone[o.ID], changed = true, true
			}
		}
	}
	return n.setOpened(func(fs []openedFestival) []openedFestival {
		return slices.DeleteFunc(fs, func(o openedFestival) bool { return gone[o.ID] })
	})
}

// appendFestival appends a festival payload to this device's log of
// festival f, after checking that the reducer would apply it (check, on
// the current state), with references to the heads held of f's logs.
func (n *Node) appendFestival(ctx context.Context, f entry.ID, p festival.Payload, check func(st *festival.State) error) (*entry.Entry, error) {
	st, err := n.festivalState(ctx)
	if err != nil {
		return nil, err
	}
	fs := st.Festivals[f]
	if fs == nil {
		return nil, fmt.Errorf("%w: %s (open it first: kith festival open)", ErrNoFestival, f)
	}
	if !fs.Cancelled.IsZero() {
		return nil, festivalErr("the festival %q was cancelled", fs.Payload.Name)
	}
	if check != nil {
		if err := check(st); err != nil {
			return nil, err
		}
	}
	home := fs.Payload.Home
	refs := n.festivalRefs(ctx, f, nil)
	if !home.IsZero() {
		refs = n.homeRefs(ctx, home)
	}
	if err := setFestivalRefs(p, refs); err != nil {
		return nil, err
	}
	payload, err := festival.Encode(p)
	if err != nil {
		return nil, err
	}
	var e *entry.Entry
	if home.IsZero() {
		e, err = n.AppendRaw(ctx, scope.FestivalLog(f), payload)
	} else {
		e, err = n.appendHomed(ctx, home, payload)
	}
	if err != nil {
		return nil, err
	}
	n.festivalsChanged()
	return e, nil
}

// setFestivalRefs sets a payload's causal references.
func setFestivalRefs(p festival.Payload, refs []entry.ID) error {
	switch p := p.(type) {
	case *festival.Create:
		p.Refs = refs
	case *festival.Resource:
		p.Refs = refs
	case *festival.Event:
		p.Refs = refs
	case *festival.Request:
		p.Refs = refs
	case *festival.Authorize:
		p.Refs = refs
	case *festival.Withdraw:
		p.Refs = refs
	default:
		return fmt.Errorf("festival payload %T", p)
	}
	return nil
}

// festivalRefs returns the heads of the logs of festival f held here,
// this device's own left out (its backlink names it), at most
// festival.MaxRefs: those of the authors in first come first, then the
// others by id. They are what this node had seen when it wrote.
func (n *Node) festivalRefs(ctx context.Context, f entry.ID, first map[identity.PublicKey]bool) []entry.ID {
	heads, err := store.HeadsWithLogID(ctx, n.store, scope.FestivalLog(f))
	if err != nil {
		return nil
	}
	var pri, rest []entry.ID
	for _, h := range heads {
		if h.Log.Author == n.device.Public() {
			continue
		}
		if first[h.Log.Author] {
			pri = append(pri, h.ID)
		} else {
			rest = append(rest, h.ID)
		}
	}
	cmp := func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) }
	slices.SortFunc(pri, cmp)
	slices.SortFunc(rest, cmp)
	out := append(pri, rest...)
	if len(out) > festival.MaxRefs {
		out = out[:festival.MaxRefs]
	}
	if len(out) == 0 {
		return nil
	}
	return festival.SortIDs(out)
}
