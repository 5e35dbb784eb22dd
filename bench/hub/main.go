// Command hub measures one hub serving many light clients: a real kith
// node process (kith serve, [hub] on) and N light clients in this
// process (each a libp2p host of its own on loopback, an in-memory store
// and a sync engine; client.go), all connected to the hub, directly or
// through a relay slot at it (-relay). It reports the hub's resident
// memory per connected client, its CPU per live entry fanned out (one
// client publishes to a log the others follow; the hub receives it and
// pushes it to each of them), the time until every client holds a new
// entry by live sync, the time until every client watching one device
// by presence (/kith/presence/1) hears it come, change its heads and go,
// with the hub's CPU per presence change, and the time until every client learns a new head
// by asking the hub (/kith/heads/1) every -poll, with the hub's CPU per
// heads request. The hub's counters come from its own metrics
// (metrics_listen).
//
//	go run ./bench/hub -clients 1000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

func main() {
	var c config
	flag.IntVar(&c.clients, "clients", 1000, "light clients")
	flag.IntVar(&c.entries, "entries", 20, "live entries published, one at a time")
	flag.DurationVar(&c.poll, "poll", 2*time.Second, "how often each client asks the hub for the head (/kith/heads/1)")
	flag.DurationVar(&c.window, "window", 10*time.Second, "how long idle memory and CPU, and the polling CPU, are measured")
	flag.BoolVar(&c.relay, "relay", false, "every client also holds a relay slot at the hub (as behind NAT)")
	flag.StringVar(&c.dir, "dir", "", "work directory (default: a temporary one, removed afterwards)")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	r, err := run(context.Background(), c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/hub:", err)
		os.Exit(1)
	}
	if *jsonOut {
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	printResult(r)
}

func printResult(r Result) {
	var b strings.Builder
	fmt.Fprintf(&b, "hub with %d light clients (%s), %s, %d cores, %s\n", r.Clients, map[bool]string{true: "each holding a relay slot", false: "direct"}[r.Relay], r.Machine, r.Cores, r.Date)
	fmt.Fprintf(&b, "  connected in %.1f s; %d of %d clients with a live sync session; the hub's peers: %d direct, %d relayed; %d live sync sessions; %d relay slots\n", r.ConnectSeconds, r.ClientsLive, r.Clients, r.PeersDirect, r.PeersRelayed, r.LiveSessions, r.RelaySlots)
	fmt.Fprintf(&b, "  hub RSS: %.1f MB alone, %.1f MB with the clients: %.1f KB a client\n", r.HubRSSAloneMB, r.HubRSSConnectedMB, r.RSSPerClientKB)
	fmt.Fprintf(&b, "  hub CPU idle with the clients: %.1f %% of a core\n", r.IdleCPUPercent)
	fmt.Fprintf(&b, "  live: %d entries to %d followers each: all hold it after p50 %.0f ms, max %.0f ms; hub CPU %.2f ms an entry, %.1f µs an entry and follower\n", r.Entries, r.Followers, r.LiveAllP50MS, r.LiveAllMaxMS, r.CPUPerEntryMS, r.CPUPerDeliveryUS)
	fmt.Fprintf(&b, "  presence: %d watchers of one device, %d changes (came, 5 new heads, went, came back): all watchers told after p50 %.0f ms, max %.0f ms (went %.0f ms, came back %.0f ms); hub CPU %.2f ms a change, %.1f µs a change and watcher\n", r.PresenceWatchers, r.PresenceChanges, r.PresenceAllP50MS, r.PresenceAllMaxMS, r.PresenceWentMS, r.PresenceCameMS, r.CPUPerPresenceChangeMS, r.CPUPerPresenceEventUS)
	if r.PresenceNotWelcomed > 0 {
		fmt.Fprintf(&b, "  presence: %d clients not welcomed by the hub (the first: %s)\n", r.PresenceNotWelcomed, r.PresenceNotWelcomedWhy)
	}
	fmt.Fprintf(&b, "  heads polling every %s: %.0f requests/s, hub CPU %.1f µs a request; all clients learned a new head after %.0f ms; %d of %d requests failed\n", r.Poll, r.HeadsPerSecond, r.CPUPerHeadsRequestUS, r.HeadsAllMS, r.HeadsFailed, r.HeadsRequests)
	fmt.Fprintf(&b, "  hub counters: %d sync entries out, %d heads requests, refusals %v\n", r.HubEntriesOut, r.HubHeadsRequests, r.HubRefusals)
	fmt.Print(b.String())
}

// cores is the machine's, for the result.
func cores() int { return runtime.NumCPU() }
