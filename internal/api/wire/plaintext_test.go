package wire

import "testing"

// Issue 15, item 11: error messages name no internal package and say
// nothing twice.
func TestPlainMessage(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"netnode: connect to dev_x at /ip4/1.2.3.4/tcp/1: dial refused", "connect to dev_x at /ip4/1.2.3.4/tcp/1: dial refused"},
		{"village: not a kith entry id", "village: not a kith entry id"},
		{"open the store: sqlite: database is locked", "open the store: database is locked"},
		{"start the network: netnode: starting libp2p: netnode: listen (replicate: bad frame)", "start the network: starting libp2p: listen (bad frame)"},
		{"unknown or already used invite: unknown or already used invite", "unknown or already used invite"},
		{"the village Elm street: nobody: here", "the village Elm street: nobody: here"},
		{"messages: 3", "messages: 3"},
		{"village: post: not a village payload type", "post: not a village payload type"},
		{`join: village: village.join: field "refs": required key missing`, `join: village.join: field "refs": required key missing`},
		{"space: space.post: reply is not held (space: space.post: x)", "space.post: reply is not held (space.post: x)"},
		{"village: Elm street: not here", "village: Elm street: not here"},
		{"space: the space's name: too long", "space: the space's name: too long"},
		{"restore: identity: the recovery phrase is empty", "restore: the recovery phrase is empty"},
		{"import: bundle: read at byte 9: unexpected EOF", "import: read at byte 9: unexpected EOF"},
		{"entry x: store: not found", "entry x: not found"},
		{"", ""},
	} {
		if got := PlainMessage(c.in); got != c.want {
			t.Errorf("PlainMessage(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
