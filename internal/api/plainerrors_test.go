package api_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/sqlite"
	"github.com/kithnet/kith/internal/village"
)

// TestPlainMessageOfRealErrors: errors as the packages below the API
// make them (issue 15 item 11) read, as the API and the CLI show them,
// without the name of a Go package and without saying a thing twice.
func TestPlainMessageOfRealErrors(t *testing.T) {
	k, err := identity.KeyFromSeed(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	errOf := func(_ any, err error) error {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		return err
	}
	post, err := content.Encode(&content.Post{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	notKith := filepath.Join(t.TempDir(), "other.db")
	if err := os.WriteFile(notKith, []byte("SQLite format 3\x00 but not really"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := entry.ID{1}
	for _, c := range []struct {
		err  error
		want string
	}{
		{errOf(village.Decode(post)), "post: not a village payload type"},
		{&village.Error{Type: village.TypeFound, Field: "name", Msg: "ends with a space; remove it"}, `village.found: field "name": ends with a space; remove it`},
		{fmt.Errorf("vote: %w", &village.Error{Type: village.TypeVote, Field: "proof", Msg: "an all-zero id is never valid"}), `vote: village.vote: field "proof": an all-zero id is never valid`},
		{errOf(space.Decode(post)), "post: not a space membership payload type"},
		{&space.Error{Type: space.TypePost, Field: "text", Msg: "required key missing"}, `space.post: field "text": required key missing`},
		{errOf(identity.ParsePhrase("abandon abandon")), "a kith recovery phrase has 24 words, this one has 2; check that no word is missing or repeated (phrases of other lengths from other wallets cannot be used)"},
		{errOf(entry.Sign(k, entry.Draft{Seq: 1, Payload: make([]byte, entry.MaxPayloadSize+1)})), fmt.Sprintf("payload of %d bytes exceeds the limit of %d bytes; store it as a blob", entry.MaxPayloadSize+1, entry.MaxPayloadSize)},
		{fmt.Errorf("entry %s: %w", id, store.ErrNotFound), fmt.Sprintf("entry %s: not found", id)},
		{fmt.Errorf("open the store: %w", errOf(sqlite.Open(notKith))), "open the store: open " + notKith + ": "},
		{fmt.Errorf("import: %w", store.ErrClosed), "import: closed"},
	} {
		got := wire.PlainMessage(c.err.Error())
		if got != c.want && !(c.want[len(c.want)-2:] == ": " && len(got) > len(c.want) && got[:len(c.want)] == c.want) {
			t.Errorf("PlainMessage(%q)\n = %q\nwant %q", c.err.Error(), got, c.want)
		}
	}
}
