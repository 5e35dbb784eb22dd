package content

// Types defined in files of their own (reaction.go, tag.go, mute.go, …)
// register here, so that adding a type touches the shared decoder, encoder,
// checker and JSON view only through this one table.

// typeDef is what the shared code needs of a type defined in a file of
// its own.
type typeDef struct {
	fields  fieldNames                     // its keys besides "type"
	read    func(r *fields) Payload        // reads its fields from a checked payload
	check   func(p Payload) error          // its limits, shared by Encode and Decode
	marshal func(p Payload) map[string]any // its keys besides "type", for encMode
	json    func(p Payload) map[string]any // its JSON view (payloads.md §8)
}

// defs holds the registered types by name. It is written only by init
// functions, so it is read without a lock.
var defs = map[string]*typeDef{}

// register adds a type; a second registration of a name is a bug.
func register(name string, d *typeDef) {
	if _, dup := defs[name]; dup {
		panic("content: type " + name + " registered twice")
	}
	defs[name] = d
}

// registered returns the definition of a registered type, nil otherwise.
func registered(name string) *typeDef { return defs[name] }
