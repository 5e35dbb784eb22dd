package cli_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/wire"
)

// fakeNode serves canned answers for the network endpoints, as a serving
// node would, and records the requests it got.
type fakeNode struct {
	mu      sync.Mutex
	answers map[string]string // "METHOD PATH" → JSON body
	got     map[string]string // "METHOD PATH" → request body
}

func (f *fakeNode) answer(key, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[key] = body
}

func (f *fakeNode) sent(key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got[key]
}

func startFakeNode(t *testing.T, e env, answers map[string]string) *fakeNode {
	t.Helper()
	f := &fakeNode{answers: maps.Clone(answers), got: map[string]string{}}
	const token = "fake-token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(401)
			return
		}
		key := r.Method + " " + r.URL.Path
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.got[key] = string(b)
		w.Header().Set("Content-Type", "application/json")
		if key == "GET /api/v1/health" {
			json.NewEncoder(w).Encode(wire.Health{OK: true, PID: os.Getpid()})
			return
		}
		a, ok := f.answers[key]
		if !ok {
			a = `{"error":{"code":"not_found","message":"no endpoint"}}`
		}
		var eb wire.ErrorBody
		if json.Unmarshal([]byte(a), &eb) == nil && eb.Error != nil {
			w.WriteHeader(wire.HTTPStatus(eb.Error.Code))
		}
		io.WriteString(w, a)
	}))
	t.Cleanup(srv.Close)
	if err := api.WriteEndpoint(e["KITH_HOME"], api.Endpoint{URL: srv.URL, Token: token, PID: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	return f
}

const (
	devA = "dev_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	devB = "dev_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	accA = "acc_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	devC = "dev_cccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
)

var networkAnswers = map[string]string{
	"GET /api/v1/peers": `{"peers":[
		{"device":"` + devA + `","account":"` + accA + `","peer_id":"12D3KooA","addr":"/ip4/192.0.2.7/tcp/7696","outbound":true,"transport":"tcp","latency_ms":12.34,"since":"2026-01-02T03:04:05Z","sync":{"phase":"live","caught_up":true,"logs_wanted":3,"entries_expected":120,"entries_received":120,"entries_sent":30,"bytes_in":9000,"bytes_out":2000,"forks":0},
			"services":[{"name":"heads","limits":{"logs":1024}},{"name":"maps-v2","limits":{"limit_9":1}},{"name":"relay","limits":{"bytes":1073741824,"seconds":3600,"connections":16}}]},
		{"device":"` + devB + `","peer_id":"12D3KooB","addr":"/ip6/::1/udp/7696/quic-v1","outbound":false,"transport":"quic","latency_ms":null,"since":"2026-01-02T03:04:06Z","sync":{"phase":"catching-up","caught_up":false,"logs_wanted":1,"entries_expected":5000,"entries_received":1200,"entries_sent":0,"bytes_in":1,"bytes_out":2,"forks":2},"services":[]}]}`,
	"POST /api/v1/peers": `{"device":"` + devA + `","peer_id":"12D3KooA","addr":"/ip4/192.0.2.7/tcp/7696","outbound":true,"transport":"tcp","latency_ms":null,"since":"2026-01-02T03:04:05Z","sync":null}`,
	"GET /api/v1/status": `{"account":"` + accA + `","device":"` + devA + `","serving":true,"addrs":["/ip4/127.0.0.1/tcp/7696/p2p/12D3KooA","/ip6/::1/tcp/7696/p2p/12D3KooA"],"peers":2,"logs":40,"entries":5120,
		"hub":true,"hub_slots":["` + devB + `","` + devC + `"],"warnings":["mDNS is off: no supported interface"],
		"sync":{"sessions":2,"caught_up":1,"entries_expected":5120,"entries_received":1320,"entries_sent":30},"blobs":{"pending":3,"fetched":10,"served":4,"failed":1},
		"strangers":{"connections":{"held":12,"limit":192,"trimmed":34,"refused":56},"sessions":{"rate":20,"waiting":3,"max_waiting":64,"admitted":1234,"waited":200,"refused":7,"evicted":1},"requests":{"rate":20,"waiting":0,"max_waiting":64,"admitted":5,"waited":2,"refused":0,"evicted":0},"certificates":9,"certificates_limit":1024,"dht_records":5,"dht_records_refused":0},
		"copies":{"count":1,"complete":[{"device":"` + devA + `","name":"desk","this_device":true,"missing":0}],
			"devices":[{"device":"` + devA + `","name":"desk","this_device":true,"missing":0},{"device":"` + devB + `","name":"phone","this_device":false,"missing":0},{"device":"` + devC + `","name":"laptop\u001b[31m","this_device":false,"missing":3}],
			"single":[{"author":{"device":"` + devB + `","name":"phone","this_device":false,"missing":0},"holder":{"device":"` + devA + `","name":"desk","this_device":true,"missing":0},"entries":12},
				{"author":{"device":"` + devA + `","name":"desk","this_device":true,"missing":0},"holder":{"device":"` + devA + `","name":"desk","this_device":true,"missing":0},"entries":1}],
			"unsynced":[{"device":"` + devC + `","name":"laptop\u001b[31m","this_device":false,"missing":3}]}}`,
	"POST /api/v1/invites": `{"code":"KITH1-INVITE-CODE","account":"` + accA + `","device":"` + devA + `","addrs":["/ip4/192.0.2.7/tcp/7696"],"expires":"2026-01-03T03:04:05Z"}`,
	"POST /api/v1/join":    `{"account":"` + accA + `","device":"` + devA + `","mutual":true,"follow_id":"ent_ffff","name":"Ada"}`,
}

func TestNetworkCommands(t *testing.T) {
	e := newEnv(t)
	fake := startFakeNode(t, e, networkAnswers)
	if out := e.ok(t, "peers"); out != devA+"  outbound tcp, latency 12.3 ms\n"+
		"  address  /ip4/192.0.2.7/tcp/7696\n"+
		"  account  "+accA+"\n"+
		"  sync     live, caught up: received 120 of 120 expected entries, sent 30\n"+
		"  offers   heads (1024 logs a request); maps-v2 (limit_9 1); relay (60 min, 1024 MiB each way, 16 connections)\n"+
		"\n"+
		devB+"  inbound quic, latency not measured yet\n"+
		"  address  /ip6/::1/udp/7696/quic-v1\n"+
		"  account  not known yet\n"+
		"  sync     catching-up: received 1200 of 5000 expected entries, sent 0; 2 forks seen\n" {
		t.Errorf("peers prints:\n%s", out)
	}
	var peers []wire.Peer
	e.okJSON(t, &peers, "peers")
	if len(peers) != 2 || *peers[0].LatencyMS != 12.34 || peers[1].LatencyMS != nil || peers[1].Sync.Forks != 2 || peers[0].Device != devA ||
		len(peers[0].Services) != 3 || peers[0].Services[0].Limits["logs"] != 1024 || peers[0].Services[2].Name != "relay" || peers[0].Services[2].Limits["seconds"] != 3600 || peers[1].Services == nil || len(peers[1].Services) != 0 {
		t.Errorf("peers --json = %+v", peers)
	}

	if out := e.ok(t, "status"); out != "account    "+accA+"\n"+
		"device     "+devA+"\n"+
		"network    running\n"+
		"listening  /ip4/127.0.0.1/tcp/7696/p2p/12D3KooA\n"+
		"           /ip6/::1/tcp/7696/p2p/12D3KooA\n"+
		"peers      2\n"+
		"hub        serving relay to others (config.toml [hub])\n"+
		"hubs       relay slot at "+devB+"\n"+
		"           relay slot at "+devC+"\n"+
		"warning    mDNS is off: no supported interface\n"+
		"held       40 logs, 5120 entries\n"+
		"sync       2 sessions, 1 caught up; received 1320 of 5120 expected entries, sent 30\n"+
		"blobs      3 pending; 10 fetched, 4 served, 1 failed\n"+
		"strangers  12 of 192 connections (34 trimmed, 56 refused)\n"+
		"           sync sessions at 20 a second: 3 waiting, 1234 started, 7 refused\n"+
		"           village requests at 20 units a second: 0 waiting, 5 taken, 0 refused\n"+
		"your data  1 copy (this device)\n"+
		"           12 entries of your log on phone are only on this device\n"+
		"           1 entry of your log on this device is only on this device\n"+
		"           laptop\\x1b[31m has not synced with this device; if it is lost, revoke it: kith device revoke "+devC+"\n" {
		t.Errorf("status prints:\n%s", out)
	}
	var st wire.Status
	e.okJSON(t, &st, "status")
	if st.Entries != 5120 || st.Blobs.Pending != 3 || len(st.Addrs) != 2 || st.Copies.Count != 1 || st.Copies.Single[0].Entries != 12 || st.Strangers == nil || st.Strangers.Sessions.Admitted != 1234 ||
		!st.Hub || len(st.HubSlots) != 2 || st.HubSlots[1] != devC || len(st.Warnings) != 1 {
		t.Errorf("status --json = %+v", st)
	}

	if out := e.ok(t, "peer", "add", "/ip4/192.0.2.7/tcp/7696/p2p/12D3KooA"); out != "connected to "+devA+" at /ip4/192.0.2.7/tcp/7696\n" {
		t.Errorf("peer add prints %q", out)
	}
	if fake.sent("POST /api/v1/peers") != `{"addr":"/ip4/192.0.2.7/tcp/7696/p2p/12D3KooA"}` {
		t.Errorf("peer add sent %s", fake.sent("POST /api/v1/peers"))
	}

	r := e.run(t, nil, "invite")
	if r.code != 0 || r.stdout != "KITH1-INVITE-CODE\n" || r.stderr != "valid once, until 2026-01-03 03:04 UTC; the other person runs: kith join CODE\n" {
		t.Errorf("invite: %+v", r)
	}
	if fake.sent("POST /api/v1/invites") != `{"ttl_seconds":86400}` {
		t.Errorf("invite sent %s", fake.sent("POST /api/v1/invites"))
	}
	e.ok(t, "invite", "--expires", "7d")
	if fake.sent("POST /api/v1/invites") != `{"ttl_seconds":604800}` {
		t.Errorf("invite --expires 7d sent %s", fake.sent("POST /api/v1/invites"))
	}
	var inv wire.Invite
	e.okJSON(t, &inv, "invite", "--qr", "--expires", "90m")
	if inv.Code != "KITH1-INVITE-CODE" || inv.Expires.Year() != 2026 || fake.sent("POST /api/v1/invites") != `{"ttl_seconds":5400}` {
		t.Errorf("invite --json = %+v, sent %s", inv, fake.sent("POST /api/v1/invites"))
	}
	r = e.run(t, nil, "invite", "--qr")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	// Not a terminal: no escape codes in a file or a pipe (drawQR's own
	// test checks the colored form).
	if r.code != 0 || len(lines) < 10 || lines[len(lines)-1] != "KITH1-INVITE-CODE" || strings.Contains(r.stdout, "\x1b[") || !strings.Contains(r.stdout, "█") {
		t.Errorf("invite --qr: exit %d, stdout %q", r.code, r.stdout)
	}
	noColor := env{"KITH_HOME": e["KITH_HOME"], "NO_COLOR": "1"}
	if out := noColor.ok(t, "invite", "--qr"); strings.Contains(out, "\x1b[") || !strings.Contains(out, "█") {
		t.Errorf("invite --qr with NO_COLOR: %q", out)
	}

	if out := e.ok(t, "join", "KITH1-INVITE-CODE"); out != "You now follow Ada ("+accA+").\nThey follow you back.\nConnected to their device "+devA+".\n" {
		t.Errorf("join prints %q", out)
	}
	if fake.sent("POST /api/v1/join") != `{"code":"KITH1-INVITE-CODE"}` {
		t.Errorf("join sent %s", fake.sent("POST /api/v1/join"))
	}
	fake.answer("POST /api/v1/join", `{"account":"`+accA+`","device":"`+devA+`","mutual":false}`)
	if out := e.ok(t, "join", "KITH1-INVITE-CODE"); out != "You already follow "+accA+".\nThey have not confirmed following you back yet.\nConnected to their device "+devA+".\n" {
		t.Errorf("join (not mutual) prints %q", out)
	}
	// An API error is printed as the node's message.
	fake.answer("POST /api/v1/join", `{"error":{"code":"failed","message":"this invite expired; ask for a new one"}}`)
	if r := e.run(t, nil, "join", "X"); r.code != 1 || r.stderr != "kith: this invite expired; ask for a new one\n" {
		t.Errorf("join with an API error: %+v", r)
	}
	fake.answer("GET /api/v1/peers", `{"peers":[]}`)
	if out := e.ok(t, "peers"); out != "no peers connected\n" {
		t.Errorf("peers with none: %q", out)
	}
	if out := e.ok(t, "--json", "peers"); out != "[]\n" {
		t.Errorf("peers --json with none: %q", out)
	}
}

func TestNetworkCommandsWithoutNode(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	want := "no node is running on " + e["KITH_HOME"] + "; start one with 'kith serve'"
	for _, args := range [][]string{{"peers"}, {"peer", "add", "/ip4/1.2.3.4/tcp/1"}, {"invite"}, {"join", "CODE"}} {
		r := e.run(t, nil, args...)
		if r.code != 1 || r.stderr != "kith: "+want+"\n" || r.stdout != "" {
			t.Errorf("kith %s without a node: %+v", strings.Join(args, " "), r)
		}
		r = e.run(t, nil, append([]string{"--json"}, args...)...)
		checkJSONError(t, r.stderr, "failed", want)
	}
	// status works without a node: what the home holds, network not running.
	var st wire.Status
	e.okJSON(t, &st, "status")
	if st.Serving || st.Logs != 1 || st.Entries != 1 || st.Peers != 0 || len(st.Addrs) != 0 {
		t.Errorf("status without a node: %+v", st)
	}
	if out := e.ok(t, "status"); !strings.Contains(out, "network    not running\n") || !strings.Contains(out, "held       1 logs, 1 entries\n") {
		t.Errorf("status without a node prints:\n%s", out)
	}
	// A node that does not run its network says so.
	serveHome(t, e)
	for _, args := range [][]string{{"peers"}, {"invite"}, {"join", "CODE"}, {"peer", "add", "/ip4/1.2.3.4/tcp/1/p2p/x"}} {
		r := e.run(t, nil, args...)
		if r.code != 1 || r.stderr != "kith: the node's network is not running: start it with 'kith serve'\n" {
			t.Errorf("kith %s on a node without network: %+v", strings.Join(args, " "), r)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"invite", "--expires", "30s"}, "--expires: 30s is not between 1m and 30d"},
		{[]string{"invite", "--expires", "31d"}, "--expires: 31d is not between 1m and 30d"},
		{[]string{"invite", "--expires", "soon"}, `--expires: "soon" is not a duration such as 90m, 2h or 7d`},
		{[]string{"invite", "--expires", "1.5s"}, "--expires: 1.5s is not between"},
		{[]string{"invite", "x"}, "usage: kith invite"},
		{[]string{"join"}, "usage: kith join CODE"},
		{[]string{"peer", "add"}, "usage: kith peer add MULTIADDR"},
		{[]string{"peers", "x"}, "usage: kith peers"},
		{[]string{"peer"}, `"peer" needs a subcommand: kith peer add`},
	} {
		r := e.run(t, nil, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("kith %s: %+v, want exit 2 and %q", strings.Join(c.args, " "), r, c.want)
		}
	}
}
