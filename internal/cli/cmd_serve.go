package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/node"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "run this node: network, replication, the local API and the web UI, until Ctrl-C",
		help: `Settings come from config.toml in the home (written with the defaults on
first start; see doc/config.md); flags override them for this run.
While the node runs, the other kith commands on this home go through its API.
It prints the Web UI link: open it in a browser on this machine.

On an empty home (no account yet) the node starts in setup mode: open the Web
UI link to create or restore the account there; the network starts once it
exists. With --init it creates the account here instead, printing the 24-word
recovery phrase, as 'kith init' does.`,
		flags: flags(
			multi("listen", "a multiaddr to listen on, e.g. /ip4/0.0.0.0/tcp/7696 (repeatable; replaces the configured list)"),
			strFlag("api", "HOST:PORT of the local HTTP API, on loopback (default 127.0.0.1:7690)"),
			multi("bootstrap", "a DHT bootstrap peer multiaddr with /p2p/ (repeatable)"),
			multi("peer", "a peer multiaddr with /p2p/ to dial and keep connected (repeatable)"),
			boolFlag("no-mdns", "do not look for peers on the local network"),
			boolFlag("no-dht", "do not join the DHT"),
			boolFlag("dht-server", "answer DHT queries from the start (always-on nodes, closed networks)"),
			boolFlag("no-nat", "no relay, hole punching or AutoNAT (for closed test networks); with hubs (--use-hub, hubs in config.toml) the relay client stays on"),
			boolFlag("hub", "be a hub: serve circuit relay to the accounts [hub] in config.toml names (everyone by default) and announce it (doc/config.md)"),
			multi("use-hub", "a hub's multiaddr with /p2p/ to keep connected and hold a relay slot at, to be reachable through it from behind NAT (repeatable, added)"),
			strFlag("hops", "follow hops to replicate: 0 = only followed accounts, 1 = also the accounts they follow"),
			strFlag("log-level", "debug, info, warn or error (default warn); logs go to stderr"),
			boolFlag("init", "on an empty home, create the account here (printing its recovery phrase) instead of starting in setup mode"),
			strFlag("name", "a name for this device when the account is created, e.g. laptop"),
			strFlag("memory-limit-mb", "a soft limit in MiB on the node's Go memory, 0 for none (default: memory_limit_mb in config.toml; doc/config.md)"),
			strFlag("cpuprofile", "write a CPU profile to FILE until the node stops (for performance work)"),
			strFlag("peer-dir", "serve the browser peer's files (built by 'make peer' into build/peer) at /peer/ of the API's address (doc/browser.md)"),
			strFlag("memprofile", "write a heap profile to FILE.PID at the node's largest memory, checked every 50 ms (for memory work)"),
		),
		run: runServe,
	})
}

type serveJSON struct {
	Event   string `json:"event"` // "listening", "initialized" (setup created the account), then "stopped"
	Account string `json:"account"`
	Device  string `json:"device"`
	// Store says which store the node opened: "sqlite PATH" or
	// "postgres HOST/DATABASE schema NAME" ([store] in doc/config.md).
	Store          string   `json:"store,omitempty"`
	API            string   `json:"api"`
	Web            string   `json:"web,omitempty"` // the Web UI link, with the token
	Addrs          []string `json:"addrs"`
	Setup          bool     `json:"setup,omitempty"` // no account yet: create or restore it in the web UI
	Created        bool     `json:"created,omitempty"`
	RecoveryPhrase string   `json:"recovery_phrase,omitempty"`
	// Warnings say what of the configured network does not run (mDNS on
	// a machine without a multicast interface, say).
	Warnings []string `json:"warnings,omitempty"`
}

// setupHint is what 'kith serve' says on a home without an account.
const setupHint = "No account yet: open the Web UI link to create or restore one (or stop and run 'kith init')."

func runServe(ctx context.Context, c *call) error {
	// Every flag is checked, and the API's address taken, before anything
	// that cannot be undone: an account created and its phrase shown, then
	// a refused flag, would leave a home the user did not ask for.
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	level := slog.LevelWarn
	if s := c.str("log-level"); s != "" {
		if err := level.UnmarshalText([]byte(s)); err != nil {
			return usagef("--log-level: %v", err)
		}
	}
	initialized := node.Initialized(c.home)
	creating := !initialized && c.flagBool("init")
	if creating {
		if err := checkDeviceName(c.str("name")); err != nil {
			return err
		}
	}
	cfg, writeConfig, err := serveConfig(c)
	if err != nil {
		return err
	}
	var pp string
	if creating {
		if pp, err = phrasePassphrase(c); err != nil {
			return err
		}
	}
	if err := checkListenFree(*c.multi["listen"], creating); err != nil {
		return err
	}
	applyMemoryLimit(cfg.MemoryLimitMB)

	// The API listens first: a port in use is found before the account is
	// created and the network starts.
	logger, err := node.NewLogger(cfg.LogFormat, c.env.Stderr, level) // log_format
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.API)
	if err != nil && isAddrInUse(err) && !c.set("api") && cfg.API == node.DefaultAPI {
		logger.Warn("the default API port is in use (another kith node?); using a free port", "addr", cfg.API)
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return fmt.Errorf("API: listen on %s: %w (choose another with --api HOST:PORT)", cfg.API, err)
	}
	defer ln.Close()

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if path := c.str("cpuprofile"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	heapDumpOnSignal(ctx, c.env.Getenv(heapDumpEnv))
	if path := c.str("memprofile"); path != "" {
		if err := peakHeapProfile(ctx, path); err != nil {
			return err
		}
	}

	// n stays nil in setup mode until the web UI created the account.
	var n *node.Node
	defer func() {
		if n != nil {
			n.Close()
		}
	}()
	out := serveJSON{Event: "listening"}
	switch {
	case initialized:
		if !writeConfig {
			c.store = &cfg.Store // read with the rest: not again
		}
		if n, err = c.open(); err != nil {
			return err
		}
	case creating:
		encrypted, err := settleKeyPassphrase(c)
		if err != nil {
			return err
		}
		o := c.options()
		o.DeviceName = c.str("name")
		o.PhrasePassphrase = pp
		nn, phrase, err := node.Init(c.home, o)
		if err != nil {
			return err
		}
		n = nn
		if !encrypted {
			keysWarning(c)
		}
		out.Created, out.RecoveryPhrase = true, phrase.Reveal()
		if !c.json {
			fmt.Fprintf(c.env.Stdout, "Created a new account in %s.\n\n", c.home)
			printRecoveryPhrase(c.env.Stdout, phrase.Words(), pp != "")
			fmt.Fprintln(c.env.Stdout)
		}
	default:
		// Setup mode: the config and the endpoint file go into the home.
		if err := os.MkdirAll(c.home, 0o700); err != nil {
			return fmt.Errorf("create home: %w", err)
		}
		out.Setup, out.Addrs = true, []string{}
	}
	if writeConfig {
		// The home had no config file: write the defaults, as on any
		// first start (this run's flags apply to this run only).
		if _, err := node.LoadConfig(c.home); err != nil {
			return err
		}
	}

	startNetwork := func(n *node.Node) error {
		err := n.StartNetwork(ctx, node.ServeOptions{Config: cfg, Logger: logger})
		if err != nil && isAddrInUse(err) && len(*c.multi["listen"]) == 0 {
			logger.Warn("a configured port is in use (another kith node?); listening on free ports instead", "err", err)
			cfg.Listen = freePorts(cfg.Listen)
			err = n.StartNetwork(ctx, node.ServeOptions{Config: cfg, Logger: logger})
		}
		if err != nil {
			return fmt.Errorf("start the network: %w", err)
		}
		return nil
	}

	token, err := api.NewToken()
	if err != nil {
		return err
	}
	apiOpts := api.Options{Token: token, Logger: logger, PeerDir: c.str("peer-dir")}
	if apiOpts.PeerDir != "" {
		if st, err := os.Stat(filepath.Join(apiOpts.PeerDir, "kith.wasm")); err != nil || st.IsDir() {
			return fmt.Errorf("--peer-dir %s holds no kith.wasm: build the browser peer there with 'make peer' (it writes build/peer)", apiOpts.PeerDir)
		}
	}
	inited := make(chan *node.Node, 1)
	var a *api.Server
	if n != nil {
		if err := startNetwork(n); err != nil {
			return err
		}
		cfg = cfg.WithoutLogs() // the node's scope holds them
		a = api.New(n, apiOpts)
	} else {
		o := c.options()
		o.DeviceName = c.str("name")
		a = api.NewSetup(api.SetupOptions{Options: apiOpts, Home: c.home, Node: o, OnInit: func(n *node.Node) { inited <- n }})
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// What net/http itself reports (a panic outside the handlers
		// with its stack trace, a bad TLS handshake) goes to the log as
		// one line, like everything else the node logs.
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	// Shutdown waits for active requests: end the event streams first.
	srv.RegisterOnShutdown(a.Close)
	url := "http://" + ln.Addr().String()
	if err := api.WriteEndpoint(c.home, api.Endpoint{URL: url, Token: token, PID: os.Getpid()}); err != nil {
		return fmt.Errorf("write the API endpoint file: %w", err)
	}
	defer api.RemoveEndpoint(c.home)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	out.API, out.Web = url, webLink(url, token)
	if n != nil {
		out.Account, out.Device, out.Addrs = n.Account().String(), n.Device().String(), n.Addrs()
		out.Store = n.StoreInfo()
		out.Warnings = n.NetworkWarnings()
	}
	_ = c.out(out, func(w io.Writer) { printServing(w, out) })
	go releaseStartMemory()
	go releaseIdleMemory(ctx)

wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case err := <-serveErr:
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("API server: %w", err)
			}
			break wait
		case nn := <-inited:
			n = nn
			if err := startNetwork(n); err != nil {
				// The account exists and the API serves it; the network
				// starts with the next 'kith serve'.
				logger.Error("the account was created, but the network did not start; restart 'kith serve'", "err", err)
			}
			done := serveJSON{Event: "initialized", Account: n.Account().String(), Device: n.Device().String(), Store: n.StoreInfo(), API: url, Web: out.Web, Addrs: n.Addrs(), Warnings: n.NetworkWarnings()}
			_ = c.out(done, func(w io.Writer) {
				fmt.Fprintln(w, "Account created in the web UI.")
				printServing(w, done)
			})
			out = done
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	_ = api.RemoveEndpoint(c.home)
	if n != nil {
		if err := n.StopNetwork(); err != nil {
			logger.Warn("stop the network", "err", err)
		}
	}
	if c.json {
		_ = c.out(serveJSON{Event: "stopped", Account: out.Account, Device: out.Device}, nil)
	} else {
		fmt.Fprintln(c.env.Stdout, "kith node stopped")
	}
	return nil
}

// printServing prints what a running node tells its user.
func printServing(w io.Writer, out serveJSON) {
	fmt.Fprintln(w, "kith node running")
	if out.Setup {
		fmt.Fprintf(w, "  API      %s\n  Web UI   %s\n", out.API, out.Web)
		fmt.Fprintln(w, setupHint)
		fmt.Fprintln(w, "Press Ctrl-C to stop.")
		return
	}
	fmt.Fprintf(w, "  account  %s\n  device   %s\n  store    %s\n  API      %s\n  Web UI   %s\n", out.Account, out.Device, out.Store, out.API, out.Web)
	for _, a := range out.Addrs {
		fmt.Fprintf(w, "  listen   %s\n", a)
	}
	for _, warning := range out.Warnings {
		fmt.Fprintf(w, "  warning  %s\n", warning)
	}
	fmt.Fprintln(w, "Open the Web UI link in a browser on this machine. Other kith commands on this home now go through this node. Press Ctrl-C to stop.")
}

// webLink is the Web UI link of a node's API: it signs the browser in.
func webLink(apiURL, token string) string {
	return strings.TrimSuffix(apiURL, "/") + "/login?token=" + neturl.QueryEscape(token)
}

// serveConfig returns the home's configuration with this run's flags
// applied, every value checked, without writing anything: writeConfig says
// that the home has no config file yet, for the caller to write once the
// run goes ahead.
func serveConfig(c *call) (cfg node.Config, writeConfig bool, err error) {
	if _, err := os.Stat(filepath.Join(c.home, node.ConfigFile)); err == nil {
		if cfg, err = node.LoadConfig(c.home); err != nil {
			return cfg, false, err
		}
	} else {
		cfg, writeConfig = node.DefaultConfig(), true
	}
	if listen := *c.multi["listen"]; len(listen) > 0 {
		for _, a := range listen {
			if err := node.CheckListenAddr(a); err != nil {
				return cfg, false, usagef("--listen %q: %v", a, err)
			}
		}
		cfg.Listen = listen
	}
	for _, name := range []string{"bootstrap", "peer"} {
		for _, a := range *c.multi[name] {
			if err := node.CheckPeerAddr(a); err != nil {
				return cfg, false, usagef("--%s %q: %v", name, a, err)
			}
		}
	}
	cfg.Bootstrap = append(cfg.Bootstrap, *c.multi["bootstrap"]...)
	cfg.Peers = append(cfg.Peers, *c.multi["peer"]...)
	for _, a := range *c.multi["use-hub"] {
		if err := node.CheckPeerAddr(a); err != nil {
			return cfg, false, usagef("--use-hub %q: %v", a, err)
		}
	}
	cfg.Hubs = append(cfg.Hubs, *c.multi["use-hub"]...)
	if c.flagBool("hub") {
		cfg.Hub.On = true
	}
	if c.set("api") {
		cfg.API = c.str("api")
	}
	off := false
	if c.flagBool("no-mdns") {
		cfg.MDNS = &off
	}
	if c.flagBool("no-dht") {
		cfg.DHT = &off
	}
	if c.flagBool("dht-server") {
		on := true
		cfg.DHTServer = &on
	}
	if c.flagBool("no-nat") {
		cfg.HolePunching, cfg.AutoNAT = &off, &off
		if len(cfg.Hubs) == 0 {
			cfg.Relay = &off // a slot at a hub needs the relay client
		}
	}
	if s := c.str("hops"); s != "" {
		h, err := strconv.Atoi(s)
		if err != nil {
			return cfg, false, usagef("--hops: %q is not a number", s)
		}
		cfg.Hops = &h
	}
	if s := c.str("memory-limit-mb"); s != "" {
		mb, err := strconv.Atoi(s)
		if err != nil {
			return cfg, false, usagef("--memory-limit-mb: %q is not a number", s)
		}
		cfg.MemoryLimitMB = mb
	}
	if err := checkLoopback(cfg.API); err != nil {
		return cfg, false, err
	}
	if err := node.CheckConfig(cfg); err != nil {
		return cfg, false, usagef("%v", err)
	}
	return cfg, writeConfig, nil
}

// checkDeviceName refuses a device name a device certificate cannot hold,
// as the setup API does.
func checkDeviceName(name string) error {
	switch {
	case len(name) > content.MaxDeviceName:
		return usagef("--name is %d bytes long, more than %d", len(name), content.MaxDeviceName)
	case !utf8.ValidString(name):
		return usagef("--name is not valid UTF-8")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return usagef("--name has a control character")
	case name == "":
		return nil
	}
	return nameFlag("name", name)
}

// checkLoopback refuses an API address that is not on loopback: the API
// holds the keys' power and is meant for this machine only.
func checkLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return usagef("--api %q: %v (give HOST:PORT, e.g. 127.0.0.1:7690)", hostport, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return usagef("the API must listen on loopback (127.0.0.1, ::1 or localhost), not %q", host)
	}
	return nil
}

func isAddrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), "address already in use")
}

var portRe = regexp.MustCompile(`/(tcp|udp)/[0-9]+`)

// freePorts replaces every port in the multiaddrs with 0 (any free port).
func freePorts(addrs []string) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = portRe.ReplaceAllString(a, "/$1/0")
	}
	return out
}
