package api_test

import (
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/tyler-smith/go-bip39/wordlists"
)

// setupFixture is a server in setup mode on an empty home; inited
// receives the node setup makes.
type setupFixture struct {
	*fixture
	home   string
	a      *api.Server
	inited chan *node.Node
}

func newSetupFixture(t *testing.T) *setupFixture {
	t.Helper()
	token, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	sf := &setupFixture{home: t.TempDir(), inited: make(chan *node.Node, 1)}
	sf.a = api.NewSetup(api.SetupOptions{
		Options: api.Options{Token: token},
		Home:    sf.home,
		OnInit:  func(n *node.Node) { sf.inited <- n },
	})
	srv := httptest.NewServer(sf.a.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if n := sf.a.Node(); n != nil {
			n.Close()
		}
	})
	sf.fixture = &fixture{t: t, srv: srv, token: token}
	return sf
}

func TestSetupNotInitialized(t *testing.T) {
	f := newSetupFixture(t)
	var h wire.Health
	f.call("GET", "/api/v1/health", nil, &h)
	var st wire.SetupState
	f.call("GET", "/api/v1/setup", nil, &st)
	if st.Initialized {
		t.Error("initialized before setup")
	}
	for _, c := range [][2]string{
		{"GET", "/api/v1/identity"}, {"POST", "/api/v1/posts"}, {"GET", "/api/v1/entries"},
		{"GET", "/api/v1/status"}, {"DELETE", "/api/v1/follows/acc_x"}, {"POST", "/api/v1/import"},
	} {
		f.expectError(c[0], c[1], "", 409, wire.CodeNotInitialized, "open the Web UI link")
	}
	// Unknown endpoints and methods answer as always.
	f.expectError("GET", "/api/v1/nothing", "", 404, wire.CodeNotFound, "no endpoint")
	f.expectError("PUT", "/api/v1/identity", "", 405, wire.CodeMethodNotAllowed, "use GET, HEAD")
	// The token is still needed.
	resp, b := f.plain("GET", "/api/v1/setup", nil)
	wantError(t, resp, b, 401, wire.CodeUnauthorized, "Bearer")
	// The event stream says so.
	ch, _ := openEvents(t, t.Context(), f.srv.URL, f.token)
	if e := nextEvent(t, ch, false); e.name != "hello" || e.data != `{"account":"","initialized":false}` {
		t.Errorf("hello %+v", e)
	}
}

func TestSetupPhrase(t *testing.T) {
	f := newSetupFixture(t)
	var p1, p2 wire.SetupPhrase
	f.call("POST", "/api/v1/setup/phrase", nil, &p1)
	f.call("POST", "/api/v1/setup/phrase", nil, &p2)
	if len(p1.Words) != identity.PhraseWords {
		t.Fatalf("%d words, want %d", len(p1.Words), identity.PhraseWords)
	}
	for _, w := range p1.Words {
		if !slices.Contains(wordlists.English, w) {
			t.Errorf("%q is not in the BIP39 English list", w)
		}
	}
	if slices.Equal(p1.Words, p2.Words) {
		t.Error("two phrases are the same")
	}
	if _, err := identity.ParsePhrase(strings.Join(p1.Words, " ")); err != nil {
		t.Errorf("the phrase does not parse: %v", err)
	}
	if node.Initialized(f.home) {
		t.Error("asking for a phrase initialised the home")
	}
}

func TestSetupBadRequests(t *testing.T) {
	f := newSetupFixture(t)
	var p wire.SetupPhrase
	f.call("POST", "/api/v1/setup/phrase", nil, &p)
	good := strings.Join(p.Words, " ")
	bad := strings.Join(append(slices.Clone(p.Words[:23]), "notaword"), " ")
	f.expectError("POST", "/api/v1/setup", `{}`, 400, wire.CodeBadRequest, "phrase is missing")
	f.expectError("POST", "/api/v1/setup", `{"phrase":"`+bad+`"}`, 400, wire.CodeBadRequest, `word 24 of the recovery phrase, "notaword", is not in the BIP39 English word list`)
	f.expectError("POST", "/api/v1/setup", `{"phrase":"`+strings.Join(p.Words[:12], " ")+`"}`, 400, wire.CodeBadRequest, "a kith recovery phrase has 24 words, this one has 12")
	// A wrong checksum: the last word swapped for another.
	swapped := slices.Clone(p.Words)
	swapped[23] = swapped[0]
	if swapped[0] == p.Words[23] {
		swapped[23] = "zoo"
	}
	resp, b := f.request("POST", "/api/v1/setup", strings.NewReader(`{"phrase":"`+strings.Join(swapped, " ")+`"}`))
	if resp.StatusCode != 400 {
		t.Errorf("swapped word: status %d (%s)", resp.StatusCode, b)
	}
	f.expectError("POST", "/api/v1/setup", `{"phrase":"`+good+`","device_name":"`+strings.Repeat("x", 101)+`"}`, 400, wire.CodeBadRequest, "device_name is 101 bytes long")
	f.expectError("POST", "/api/v1/setup", `{"phrase":"`+good+`","extra":1}`, 400, wire.CodeBadRequest, "unknown field")
	if node.Initialized(f.home) {
		t.Error("a refused setup initialised the home")
	}
}

func TestSetupCreatesAccount(t *testing.T) {
	f := newSetupFixture(t)
	var p wire.SetupPhrase
	f.call("POST", "/api/v1/setup/phrase", nil, &p)
	ch, _ := openEvents(t, t.Context(), f.srv.URL, f.token)
	nextEvent(t, ch, false) // hello
	var id wire.Identity
	f.call("POST", "/api/v1/setup", wire.SetupRequest{Phrase: strings.Join(p.Words, "  "), Passphrase: "extra", DeviceName: "laptop"}, &id)
	n := <-f.inited
	if id.Account != n.Account().String() || id.Device != n.Device().String() || id.Home != f.home {
		t.Errorf("identity %+v, node %s %s", id, n.Account(), n.Device())
	}
	phrase, err := identity.ParsePhrase(strings.Join(p.Words, " "))
	if err != nil {
		t.Fatal(err)
	}
	key, err := identity.AccountKeyFromPhrase(phrase, "extra")
	if err != nil {
		t.Fatal(err)
	}
	if key.Public().Account() != n.Account() {
		t.Error("the account is not the phrase's (with the passphrase)")
	}
	// The setup-mode stream says to reload, and ends.
	if e := nextEvent(t, ch, false); e.name != "resync" {
		t.Errorf("event after setup %+v, want resync", e)
	}
	if _, ok := <-ch; ok {
		t.Error("the setup-mode stream did not end")
	}
	// The whole API now serves the node.
	var id2 wire.Identity
	f.call("GET", "/api/v1/identity", nil, &id2)
	if id2 != id {
		t.Errorf("identity after setup %+v, want %+v", id2, id)
	}
	var devs wire.DeviceList
	f.call("GET", "/api/v1/devices", nil, &devs)
	if len(devs.Devices) != 1 || devs.Devices[0].Name != "laptop" {
		t.Errorf("devices %+v", devs)
	}
	var st wire.SetupState
	f.call("GET", "/api/v1/setup", nil, &st)
	if !st.Initialized {
		t.Error("not initialized after setup")
	}
	ch2, _ := openEvents(t, t.Context(), f.srv.URL, f.token)
	if e := nextEvent(t, ch2, false); e.name != "hello" || !strings.Contains(e.data, id.Account) {
		t.Errorf("hello after setup %+v", e)
	}
	// Setup twice is refused.
	f.expectError("POST", "/api/v1/setup", `{"phrase":"`+strings.Join(p.Words, " ")+`"}`, 409, wire.CodeAlreadyInitialized, "already has an account")
	f.expectError("POST", "/api/v1/setup/phrase", "", 409, wire.CodeAlreadyInitialized, "already has an account")
}

func TestSetupConcurrent(t *testing.T) {
	f := newSetupFixture(t)
	var p wire.SetupPhrase
	f.call("POST", "/api/v1/setup/phrase", nil, &p)
	body := `{"phrase":"` + strings.Join(p.Words, " ") + `"}`
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := f.request("POST", "/api/v1/setup", strings.NewReader(body))
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	slices.Sort(codes)
	if !slices.Equal(codes, []int{200, 409, 409, 409}) {
		t.Errorf("statuses %v, want one 200 and three 409", codes)
	}
}
