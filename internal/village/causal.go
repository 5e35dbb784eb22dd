package village

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
)

// Causal is what every village payload but village.found carries: the
// causal references of its entry (village.md §3, "Order"), the ids of the
// heads of other village logs its author had seen, sorted ascending
// without repeats, at most MaxRefs. Absent (nil) when there are none.
type Causal struct {
	Refs []entry.ID
}

func (c *Causal) causal() *Causal { return c }

// causer is a payload that carries causal references.
type causer interface{ causal() *Causal }

// RefsOf returns the causal references p carries (nil for village.found).
func RefsOf(p Payload) []entry.ID {
	if c, ok := p.(causer); ok {
		return c.causal().Refs
	}
	return nil
}

// SetRefs sets p's causal references to refs, sorted and without repeats
// (a copy; refs is not changed). It fails for village.found, which names
// none, and for more than MaxRefs distinct ids.
func SetRefs(p Payload, refs []entry.ID) error {
	c, ok := p.(causer)
	if !ok {
		return &Error{Type: p.Type(), Field: "refs", Msg: "this type carries no causal references"}
	}
	rs := slices.Clone(refs)
	slices.SortFunc(rs, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	rs = slices.Compact(rs)
	if len(rs) > MaxRefs {
		return &Error{Type: p.Type(), Field: "refs", Msg: fmt.Sprintf("%d references, want at most %d", len(rs), MaxRefs)}
	}
	if len(rs) == 0 {
		rs = nil
	}
	c.causal().Refs = rs
	return nil
}

// appendRefs adds the "refs" field when p carries references.
func appendRefs(f *fieldWriter, p Payload) {
	rs := RefsOf(p)
	if len(rs) == 0 {
		return
	}
	arr := cborwire.AppendArray(nil, len(rs))
	for _, r := range rs {
		arr = cborwire.AppendBytes(arr, r[:])
	}
	f.add("refs", arr)
}

// refsSpec reads the optional "refs" key: an array of 1..MaxRefs entry
// ids (an empty list is written by leaving the key out).
var refsSpec = fieldSpec{"refs", false, func(d *decoder, p Payload) error {
	n, err := d.r.Array("refs", 1, MaxRefs)
	if err != nil {
		return d.wrap("refs", err)
	}
	c := p.(causer).causal()
	c.Refs = make([]entry.ID, n)
	for i := range c.Refs {
		at := d.r.Offset() + 1
		// The element's name is formatted only for an error (this runs
		// for every reference of every entry the reducer reads).
		if err := d.r.Fixed("refs", c.Refs[i][:]); err != nil {
			return d.wrap(fmt.Sprintf("refs[%d]", i), err)
		}
		if c.Refs[i] == (entry.ID{}) {
			return fieldErr(d.typ, fmt.Sprintf("refs[%d]", i), "byte %d: an all-zero id is never valid", at)
		}
	}
	return nil
}}

// checkRefs applies the rules on references: at most MaxRefs, none all
// zero, sorted ascending without repeats, and not an empty list (the key
// is then absent).
func checkRefs(p Payload) error {
	c, ok := p.(causer)
	if !ok {
		return nil
	}
	rs, t := c.causal().Refs, p.Type()
	if rs != nil && len(rs) == 0 {
		return fieldErr(t, "refs", "an empty list of references is written by leaving the key out")
	}
	if len(rs) > MaxRefs {
		return fieldErr(t, "refs", "%d references, want at most %d", len(rs), MaxRefs)
	}
	for i, r := range rs {
		if r == (entry.ID{}) {
			return checkID(t, fmt.Sprintf("refs[%d]", i), r)
		}
		if i > 0 && bytes.Compare(rs[i-1][:], r[:]) >= 0 {
			return fieldErr(t, "refs", "refs[%d] is not after refs[%d]: sorted ascending without repeats", i, i-1)
		}
	}
	return nil
}
