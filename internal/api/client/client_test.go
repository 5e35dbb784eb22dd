package client_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/client"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// served is a node with its API on loopback and its endpoint file written.
type served struct {
	n     *node.Node
	svc   *api.Service
	srv   *httptest.Server
	token string
}

func serve(t *testing.T) *served {
	t.Helper()
	home := t.TempDir()
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	token, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(n, api.Options{Token: token}).Handler())
	t.Cleanup(srv.Close)
	if err := api.WriteEndpoint(home, api.Endpoint{URL: srv.URL, Token: token, PID: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	return &served{n: n, svc: api.NewService(n), srv: srv, token: token}
}

func TestFromHome(t *testing.T) {
	s := serve(t)
	c, err := client.FromHome(s.n.Home())
	if err != nil {
		t.Fatal(err)
	}
	if c.URL() != s.srv.URL || c.PID() != os.Getpid() {
		t.Errorf("client of %s pid %d", c.URL(), c.PID())
	}
	id, err := c.Identity(t.Context())
	if err != nil || id.Device != s.n.Device().String() {
		t.Errorf("Identity = %+v, %v", id, err)
	}

	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + l.Addr().String()
	l.Close()

	for _, c := range []struct {
		name, file, want string
	}{
		{"no file", "", "has no api.json"},
		{"not json", "garbage", "not the expected JSON object"},
		{"not loopback", `{"url":"http://192.0.2.1:7690","token":"t","pid":1}`, "is not a loopback IP address"},
		{"nobody listening", `{"url":"` + deadURL + `","token":"t","pid":1}`, "which does not answer as a node"},
		{"wrong token", `{"url":"` + s.srv.URL + `","token":"wrong","pid":1}`, "send the node's API token"},
		{"another process", `{"url":"` + s.srv.URL + `","token":"` + s.token + `","pid":1}`, "names process 1, but the node at " + s.srv.URL + " is process"},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := t.TempDir()
			if c.file != "" {
				if err := os.WriteFile(filepath.Join(home, "api.json"), []byte(c.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			_, err := client.FromHome(home)
			if !errors.Is(err, client.ErrNoNode) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), home) {
				t.Errorf("FromHome = %v, want ErrNoNode naming %s and saying %q", err, home, c.want)
			}
			if d := time.Since(start); d > client.HealthTimeout+time.Second {
				t.Errorf("FromHome took %v", d)
			}
		})
	}
}

// sameJSON checks that two values encode to the same JSON.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, w) {
		t.Errorf("%s through the API:\n %s\nwant (directly):\n %s", what, g, w)
	}
}

// TestSameAsService checks that every method the command line shares
// gives, through the API, what the service gives directly.
func TestSameAsService(t *testing.T) {
	s := serve(t)
	c, err := client.FromHome(s.n.Home())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	// A 1×1 GIF and a few bytes after it.
	gif := "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
	img, err := c.AddBlob(ctx, strings.NewReader(gif+"picture bytes"), true)
	if err != nil || img.Size != 43+13 || img.LocationRemoved {
		t.Fatalf("AddBlob = %+v, %v", img, err)
	}
	p1, err := c.Post(ctx, wire.PostRequest{Text: "first", Images: []string{img.ID}})
	if err != nil || p1.Seq != 1 {
		t.Fatalf("Post = %+v, %v", p1, err)
	}
	p2, err := c.Post(ctx, wire.PostRequest{Text: "second", ReplyTo: p1.ID})
	if err != nil || p2.Seq != 2 {
		t.Fatalf("Post = %+v, %v", p2, err)
	}
	name := "Ada"
	ps, err := c.SetProfile(ctx, wire.ProfileUpdate{Name: &name, Image: &img.ID})
	if err != nil || ps.Name != "Ada" || ps.Image != img.ID {
		t.Fatalf("SetProfile = %+v, %v", ps, err)
	}
	d, err := c.DeleteEntry(ctx, p2.ID)
	if err != nil || d.Deleted != p2.ID {
		t.Fatalf("DeleteEntry = %+v, %v", d, err)
	}
	other, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	acc := other.Account().String()
	other.Close()
	fo, err := c.Follow(ctx, acc, true)
	if err != nil || fo.Account != acc || !fo.Following {
		t.Fatalf("Follow = %+v, %v", fo, err)
	}
	bl, err := c.Block(ctx, acc, false)
	if err != nil || bl.Account != acc || bl.Blocking {
		t.Fatalf("Block = %+v, %v", bl, err)
	}

	id1, _ := c.Identity(ctx)
	id2, _ := s.svc.Identity(ctx)
	sameJSON(t, "Identity", id1, id2)
	for _, q := range []wire.EntriesQuery{{}, {Limit: 2}, {Author: s.n.Device().String(), Limit: 3}} {
		g, err := c.Entries(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := s.svc.Entries(ctx, q)
		sameJSON(t, "Entries", g, w)
	}
	for _, id := range []string{p1.ID, p2.ID, ps.ID} {
		g, err := c.Entry(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := s.svc.Entry(ctx, id)
		sameJSON(t, "Entry "+id, g, w)
		gr, err := c.RawEntry(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		wr, _ := s.svc.RawEntry(ctx, id)
		sameJSON(t, "RawEntry "+id, gr, wr)
	}
	gp, err := c.Profile(ctx, s.n.Account().String())
	if err != nil {
		t.Fatal(err)
	}
	wp, _ := s.svc.Profile(ctx, s.n.Account().String())
	sameJSON(t, "Profile", gp, wp)
	gd, err := c.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := s.svc.Devices(ctx)
	sameJSON(t, "Devices", gd, wd)

	rc, size, err := c.OpenBlob(ctx, img.ID)
	if err != nil || size != 43+13 {
		t.Fatalf("OpenBlob: %d, %v", size, err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(got) != gif+"picture bytes" {
		t.Errorf("blob %q, %v", got, err)
	}

	var viaAPI bytes.Buffer
	var progressed int64
	st, err := c.Export(ctx, &viaAPI, nil, func(s wire.ExportStats) { progressed = s.Bytes })
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 7 || st.Logs != 2 || st.Blobs != 1 || st.Bytes != int64(viaAPI.Len()) || progressed != st.Bytes {
		t.Errorf("Export = %+v (%d bytes, progress at %d)", st, viaAPI.Len(), progressed)
	}
	var direct bytes.Buffer
	wst, _ := s.svc.Export(ctx, &direct, []string{s.n.Account().String()}, nil)
	gst, err := c.Export(ctx, io.Discard, []string{s.n.Account().String()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "Export stats", gst, wst)

	// The bundle goes into another node through its API, with progress.
	s2 := serve(t)
	c2, err := client.FromHome(s2.n.Home())
	if err != nil {
		t.Fatal(err)
	}
	var progress []wire.ImportStats
	ist, err := c2.Import(ctx, bytes.NewReader(viaAPI.Bytes()), func(p wire.ImportStats) { progress = append(progress, p) })
	if err != nil || ist.EntriesNew != 7 || ist.BlobsNew != 1 || ist.Bytes != int64(viaAPI.Len()) {
		t.Errorf("Import = %+v, %v", ist, err)
	}
	if len(progress) != 1 || progress[0].EntriesNew != 7 {
		t.Errorf("import progress %+v", progress)
	}
	ist, err = c2.Import(ctx, bytes.NewReader(viaAPI.Bytes()[:viaAPI.Len()-5]), nil)
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeBadBundle || ist.EntriesKnown != 7 {
		t.Errorf("import of a truncated bundle = %+v, %v", ist, err)
	}
}

func TestErrors(t *testing.T) {
	s := serve(t)
	c, err := client.FromHome(s.n.Home())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	check := func(what string, err error, code, msg string) {
		t.Helper()
		var we *wire.Error
		if !errors.As(err, &we) || we.Code != code || !strings.Contains(we.Message, msg) || err.Error() != we.Message {
			t.Errorf("%s: %v, want a %s error containing %q", what, err, code, msg)
		}
	}
	missing := "blob_" + strings.Repeat("a", 58)
	_, err = c.Entry(ctx, "ent_nope")
	check("Entry", err, wire.CodeBadRequest, "ent_")
	_, _, err = c.OpenBlob(ctx, s.n.Account().String())
	check("OpenBlob of an account id", err, wire.CodeBadRequest, "blob: expected a blob id")
	_, err = c.Post(ctx, wire.PostRequest{Text: "x", Images: []string{missing}})
	check("Post", err, wire.CodeBadRequest, "images: ")
	_, err = c.Peers(ctx)
	check("Peers", err, wire.CodeNotServing, "start it with 'kith serve'")
	_, err = c.AddPeer(ctx, wire.AddPeerRequest{Addr: "/ip4/127.0.0.1/tcp/1"})
	check("AddPeer", err, wire.CodeNotServing, "not running")
	if st, err := c.Status(ctx); err != nil || st.Serving || st.Logs != 1 {
		t.Errorf("Status of a node not serving: %+v, %v; want what it holds, not serving", st, err)
	}
	_, err = c.NewInvite(ctx, wire.InviteRequest{})
	check("NewInvite", err, wire.CodeNotServing, "not running")
	_, err = c.NewInvite(ctx, wire.InviteRequest{TTLSeconds: 1})
	check("NewInvite", err, wire.CodeBadRequest, "ttl_seconds 1 is not between")
	_, err = c.Join(ctx, wire.JoinRequest{Code: "x"})
	check("Join", err, wire.CodeNotServing, "not running")
	_, err = c.Export(ctx, io.Discard, []string{s.n.Device().String()}, nil)
	check("Export", err, wire.CodeBadRequest, "account: expected an account id")
	_, err = c.RevokeDevice(ctx, s.n.Device().String(), wire.RevokeRequest{})
	check("RevokeDevice", err, wire.CodeConflict, "this is the device you are using")

	// A blob damaged on disk does not arrive as good bytes.
	added, err := c.AddBlob(ctx, strings.NewReader(strings.Repeat("z", 100000)), false)
	if err != nil {
		t.Fatal(err)
	}
	id, _, _, _ := s.n.AddBlob(strings.NewReader(strings.Repeat("z", 100000)), false)
	if err := os.WriteFile(s.n.Blobs().Path(id), []byte(strings.Repeat("z", 99999)+"y"), 0o600); err != nil {
		t.Fatal(err)
	}
	rc, _, err := c.OpenBlob(ctx, added.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rc)
	rc.Close()
	if err == nil || !strings.Contains(err.Error(), "blob "+added.ID) {
		t.Errorf("reading a blob damaged on disk: %v, want an error naming it", err)
	}

	// A node that stopped.
	s.srv.Close()
	_, err = c.Identity(ctx)
	if err == nil || !strings.Contains(err.Error(), "the node at "+s.srv.URL+" did not answer GET /api/v1/identity") {
		t.Errorf("Identity of a stopped node: %v", err)
	}
}
