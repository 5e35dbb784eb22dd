package content

// topLevel locates, in a payload that passes checkStrict, the values of the
// top-level keys a type defines. checkStrictTop fills it in on its way
// through the payload map, so reading a known type's fields costs no second
// walk.
type topLevel struct {
	names *fieldNames // the keys looked for
	at    [maxFields]int
	pairs int // the number of pairs of the payload map
}

// maxFields is the most keys a known type defines besides "type".
const maxFields = 5

// fieldNames are the keys a known type defines besides "type"; "" fills the
// unused places.
type fieldNames [maxFields]string

var (
	profileFields      = fieldNames{"name", "about", "image"}
	postFields         = fieldNames{"text", "images", "reply_to", "root"}
	followFields       = fieldNames{"account", "following"}
	blockFields        = fieldNames{"account", "blocking"}
	deleteFields       = fieldNames{"target"}
	deviceAddFields    = fieldNames{"account", "device", "name", "device_sig", "paired"}
	deviceRevokeFields = fieldNames{"device", "reason", "keep", "keep_at"}
	custodyFields      = fieldNames{"account_key"}
	noFields           fieldNames
)

// fieldsOf returns the keys type typ defines besides "type": none for a
// type this version does not know.
func fieldsOf(typ string) *fieldNames {
	switch typ {
	case TypeProfile:
		return &profileFields
	case TypePost:
		return &postFields
	case TypeFollow:
		return &followFields
	case TypeBlock:
		return &blockFields
	case TypeDelete:
		return &deleteFields
	case TypeDeviceAdd:
		return &deviceAddFields
	case TypeDeviceRevoke:
		return &deviceRevokeFields
	case TypeCustody:
		return &custodyFields
	}
	if d := registered(typ); d != nil {
		return &d.fields
	}
	return &noFields
}

// see records that the value of the encoded text key key starts at off, if
// key is one of t.names. Offset 0 is the head of the payload map, never a
// value, so it means absent.
func (t *topLevel) see(key []byte, off int) {
	if t.names == nil {
		return
	}
	for i, name := range t.names {
		if name == "" {
			return
		}
		// Every name is shorter than 24 bytes: its head is one byte.
		if len(key) == 1+len(name) && key[0] == majorText<<5|byte(len(name)) && string(key[1:]) == name {
			t.at[i] = off
			return
		}
	}
}

// find returns where the value of key name starts, or 0 when the payload
// has no such key or name is not one of t.names.
func (t *topLevel) find(name string) int {
	if t.names == nil {
		return 0
	}
	for i, n := range t.names {
		if n == name {
			return t.at[i]
		}
	}
	return 0
}
