package content

import "github.com/kithnet/kith/internal/blob"

// TypeCollection is the type of a shared directory: a tree of blobs
// (payloads.md §11.6).
const TypeCollection = "collection"

// MaxCollectionName bounds a collection's name, in bytes.
const MaxCollectionName = 100

// Collection is a directory shared as a content-addressed tree: Root is
// the tree node of the top directory (DecodeTree). Files and Size are what
// the author counted when publishing: shown to people, checked by nobody
// until they fetch. Type "collection".
type Collection struct {
	Name  string  // "name": 1–MaxCollectionName bytes, a name (§4)
	Root  blob.ID // "root": the top directory's tree node
	Files uint64  // "files": how many files the tree holds
	Size  uint64  // "size": their total bytes
}

// Type returns TypeCollection.
func (*Collection) Type() string { return TypeCollection }

func init() {
	register(TypeCollection, &typeDef{
		fields: fieldNames{"name", "root", "size", "files"},
		read: func(r *fields) Payload {
			p := &Collection{}
			p.Name = r.text("name", true)
			p.Root = blob.ID(r.id32("root", true))
			p.Files = r.uint("files")
			p.Size = r.uint("size")
			return p
		},
		check: func(p Payload) error {
			v := p.(*Collection)
			if v == nil {
				return nilErr(TypeCollection)
			}
			if v.Name == "" {
				return fieldErr(TypeCollection, "name", "empty; a collection needs a name")
			}
			if err := checkName(TypeCollection, "name", v.Name, MaxCollectionName); err != nil {
				return err
			}
			return checkKey(TypeCollection, "root", v.Root)
		},
		marshal: func(p Payload) map[string]any {
			v := p.(*Collection)
			return map[string]any{"name": v.Name, "root": v.Root[:], "files": v.Files, "size": v.Size}
		},
		json: func(p Payload) map[string]any {
			v := p.(*Collection)
			if v == nil {
				return nil
			}
			return map[string]any{"type": TypeCollection, "name": v.Name, "root": v.Root.String(), "files": v.Files, "size": v.Size}
		},
	})
}

// uint reads a required unsigned integer field.
func (r *fields) uint(name string) uint64 {
	v, ok := r.get(name, true)
	if !ok {
		return 0
	}
	if v.major != majorUint {
		r.wrongType(name, v, "an unsigned integer")
		return 0
	}
	return v.arg
}
