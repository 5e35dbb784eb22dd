package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/kithnet/kith/internal/api/wire"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kithnet/kith/internal/node"
)

// Env is what a command runs with: arguments and the process's streams.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// command is one subcommand.
type command struct {
	name    string
	args    string // usage of positional arguments
	summary string
	help    string // more about the command, shown by --help
	run     func(ctx context.Context, c *call) error
	flags   func(fs *flag.FlagSet, c *call)
}

// call holds one invocation's parsed state.
type call struct {
	env        Env
	fs         *flag.FlagSet
	args       []string
	home       string
	json       bool
	passFile   string
	blobMax    string // --blob-max-size as given
	cmd        *command
	strs       map[string]*string
	bools      map[string]*bool
	multi      map[string]*multiFlag
	passphrase []byte
	blobMaxSz  int64 // resolved blob size limit; 0 means the default
	// store is the home's [store] table when this call read its
	// configuration already ('kith serve'): the node need not read it
	// again (node.Options.Store).
	store *node.StoreConfig
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (c *call) str(name string) string {
	if p := c.strs[name]; p != nil {
		return *p
	}
	return ""
}
func (c *call) set(name string) bool {
	found := false
	c.fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}
func (c *call) flagBool(name string) bool { return c.bools[name] != nil && *c.bools[name] }

func strFlag(name, usage string) func(fs *flag.FlagSet, c *call) {
	return func(fs *flag.FlagSet, c *call) { c.strs[name] = fs.String(name, "", usage) }
}
func boolFlag(name, usage string) func(fs *flag.FlagSet, c *call) {
	return func(fs *flag.FlagSet, c *call) { c.bools[name] = fs.Bool(name, false, usage) }
}
func multi(name, usage string) func(fs *flag.FlagSet, c *call) {
	return func(fs *flag.FlagSet, c *call) {
		m := &multiFlag{}
		c.multi[name] = m
		fs.Var(m, name, usage)
	}
}
func flags(fs ...func(*flag.FlagSet, *call)) func(*flag.FlagSet, *call) {
	return func(f *flag.FlagSet, c *call) {
		for _, g := range fs {
			g(f, c)
		}
	}
}

var commands []*command

func register(c *command) { commands = append(commands, c) }

// usageError is an error in how the command was called.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Main runs the command line and returns the process exit code: 0 on
// success, 1 on failure, 2 on a usage error.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || len(args) == 1 && args[0] == "help" {
		printUsage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		printVersion(env.Stdout, buildVersion())
		return 0
	}
	if args[0] == "help" {
		// 'kith help COMMAND' is 'kith COMMAND --help'.
		args = append(args[1:len(args):len(args)], "--help")
	}
	// Global flags may come before the command name.
	pre := flag.NewFlagSet("kith", flag.ContinueOnError)
	pre.SetOutput(io.Discard)
	c := &call{env: env, strs: map[string]*string{}, bools: map[string]*bool{}, multi: map[string]*multiFlag{}}
	globalFlags(pre, c)
	if err := pre.Parse(args); errors.Is(err, flag.ErrHelp) {
		printUsage(env.Stdout)
		return 0
	} else if err != nil {
		return fail(c, usagef("%v", err))
	}
	rest := pre.Args()
	if len(rest) == 0 {
		printUsage(env.Stdout)
		return 2
	}
	name := rest[0]
	rest = rest[1:]
	// Commands of two or three words: "profile set", "account key
	// remove", ...; the longest name that matches wins.
	var cmd *command
	used := 0
	for _, k := range commands {
		switch {
		case k.name == name && cmd == nil:
			cmd = k
		case len(rest) > 0 && k.name == name+" "+rest[0] && used < 1:
			cmd, used = k, 1
		case len(rest) > 1 && k.name == name+" "+rest[0]+" "+rest[1]:
			cmd, used = k, 2
		}
	}
	rest = rest[used:]
	if cmd == nil {
		var subs []string
		for _, k := range commands {
			if strings.HasPrefix(k.name, name+" ") {
				subs = append(subs, "kith "+k.name)
			}
		}
		if len(subs) > 0 {
			if slices.Contains(rest, "--help") || slices.Contains(rest, "-h") {
				printGroupUsage(env.Stdout, name)
				return 0
			}
			sort.Strings(subs)
			return fail(c, usagef("%q needs a subcommand: %s (see 'kith %s --help')", name, strings.Join(subs, ", "), name))
		}
		return fail(c, usagef("unknown command %q; run 'kith help' for the list", name))
	}
	c.cmd = cmd
	fs := flag.NewFlagSet("kith "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	home, js, pf, bm := c.home, c.json, c.passFile, c.blobMax
	globalFlags(fs, c)
	if cmd.flags != nil {
		cmd.flags(fs, c)
	}
	c.fs = fs
	pos, err := parseInterleaved(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		printCommandUsage(env.Stdout, cmd, c)
		return 0
	}
	if err != nil {
		return fail(c, usagef("%v (see 'kith %s --help')", err, cmd.name))
	}
	// Values given before the command still count.
	if c.home == "" {
		c.home = home
	}
	c.json = c.json || js
	if c.passFile == "" {
		c.passFile = pf
	}
	if c.blobMax == "" {
		c.blobMax = bm
	}
	c.args = pos
	if err := resolveGlobals(c); err != nil {
		return fail(c, err)
	}
	if err := cmd.run(ctx, c); err != nil {
		return fail(c, err)
	}
	return 0
}

func globalFlags(fs *flag.FlagSet, c *call) {
	fs.StringVar(&c.home, "home", c.home, "kith home directory (default $KITH_HOME, else ~/.local/share/kith)")
	fs.BoolVar(&c.json, "json", c.json, "print JSON for scripts")
	fs.StringVar(&c.passFile, "passphrase-file", c.passFile, "read the key passphrase from FILE (or set KITH_PASSPHRASE)")
	fs.StringVar(&c.blobMax, "blob-max-size", c.blobMax, "largest blob to store, in bytes or with a unit: 64MiB, 1GiB, 500MB (or set KITH_BLOB_MAX_SIZE; default 64MiB)")
}

// parseInterleaved parses flags that may appear before, between or after
// positional arguments; "--" ends flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// resolveGlobals settles the values of the global flags and their
// environment variables: home, key passphrase, blob size limit.
func resolveGlobals(c *call) error {
	if c.home == "" {
		c.home = c.env.Getenv("KITH_HOME")
	}
	if c.home == "" {
		h, err := node.DefaultHome()
		if err != nil {
			return err
		}
		c.home = h
	}
	switch {
	case c.passFile != "":
		b, err := os.ReadFile(c.passFile)
		if err != nil {
			return fmt.Errorf("read passphrase file: %w", err)
		}
		c.passphrase = []byte(strings.TrimRight(string(b), "\r\n"))
	case c.env.Getenv("KITH_PASSPHRASE") != "":
		c.passphrase = []byte(c.env.Getenv("KITH_PASSPHRASE"))
	}
	switch {
	case c.blobMax != "":
		n, err := parseSize(c.blobMax)
		if err != nil {
			return usagef("--blob-max-size: %v", err)
		}
		c.blobMaxSz = n
	case c.env.Getenv("KITH_BLOB_MAX_SIZE") != "":
		n, err := parseSize(c.env.Getenv("KITH_BLOB_MAX_SIZE"))
		if err != nil {
			return usagef("KITH_BLOB_MAX_SIZE: %v", err)
		}
		c.blobMaxSz = n
	}
	return nil
}

// sizeUnits are the units parseSize accepts, lower case. K, M, G and T
// alone are binary, as in most command-line tools.
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
	"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
	"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
	"t": 1 << 40, "tib": 1 << 40, "tb": 1e12,
}

// parseSize parses a positive size in bytes: "67108864", "64MiB", "1 GiB",
// "1.5GiB", "500MB" (units are case-insensitive; KiB, MiB, GiB, TiB and K,
// M, G, T are powers of 1024, KB, MB, GB, TB powers of 1000).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnits[unit]
	bad := fmt.Errorf("%q is not a size: give bytes, or a number with a unit such as 64MiB or 1GiB", s)
	if num == "" || !ok {
		return 0, bad
	}
	if unit == "" || unit == "b" {
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, fmt.Errorf("%q is too large", s)
			}
			return 0, bad
		}
		if v <= 0 {
			return 0, fmt.Errorf("%q: the size must be at least 1 byte", s)
		}
		return v, nil
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, bad
	}
	n := math.Floor(v * mult)
	if n >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if n < 1 {
		return 0, fmt.Errorf("%q: the size must be at least 1 byte", s)
	}
	return int64(n), nil
}

// errorJSON is the --json form of an error.
type errorJSON struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func fail(c *call, err error) int {
	code, exit := "failed", 1
	var ue *usageError
	if errors.As(err, &ue) {
		code, exit = "usage", 2
	}
	msg := wire.PlainMessage(err.Error())
	if c.json {
		var e errorJSON
		e.Error.Code, e.Error.Message = code, msg
		b, _ := json.Marshal(e)
		fmt.Fprintln(c.env.Stderr, string(termJSON(b)))
	} else {
		fmt.Fprintf(c.env.Stderr, "kith: %s\n", termLines(msg))
	}
	return exit
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "kith — a peer-to-peer, local-first data layer for communities")
	fmt.Fprintln(w, "\nUsage: kith [--home DIR] [--json] COMMAND [ARGS]\n\nCommands:")
	cs := append([]*command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		printCommandLine(w, c)
	}
	fmt.Fprintln(w, "\nGlobal flags: --home DIR (or KITH_HOME), --json, --passphrase-file FILE (or KITH_PASSPHRASE),")
	fmt.Fprintln(w, "  --blob-max-size SIZE, e.g. 64MiB or 1GiB (or KITH_BLOB_MAX_SIZE)")
	fmt.Fprintln(w, "Run 'kith COMMAND --help' for a command's flags.")
}

// printCommandUsage prints a command's usage and its own flags; the
// global flags are listed once, by 'kith help'.
func printCommandUsage(w io.Writer, c *command, k *call) {
	fmt.Fprintf(w, "Usage: kith %s\n\n%s\n\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "%s\n\n", c.help)
	}
	own := flag.NewFlagSet("kith "+c.name, flag.ContinueOnError)
	if c.flags != nil {
		c.flags(own, k)
	}
	if own.NFlag() == 0 && countFlags(own) > 0 {
		fmt.Fprintln(w, "Flags:")
		own.SetOutput(w)
		own.PrintDefaults()
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "Global flags (--home, --json, --passphrase-file, --blob-max-size): see 'kith help'.")
}

// countFlags counts the flags defined in fs.
func countFlags(fs *flag.FlagSet) int {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n
}

// usageColumn is where the summaries start in command lists.
const usageColumn = 40

// printCommandLine prints a command and its summary in a list, the
// summaries aligned: a usage too long for the column puts its summary on
// the next line.
func printCommandLine(w io.Writer, c *command) {
	usage := strings.TrimSpace(c.name + " " + c.args)
	if len(usage) > usageColumn {
		fmt.Fprintf(w, "  %s\n  %-*s %s\n", usage, usageColumn, "", c.summary)
		return
	}
	fmt.Fprintf(w, "  %-*s %s\n", usageColumn, usage, c.summary)
}

// printGroupUsage lists the commands of a group ("village", "device", …).
func printGroupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage: kith %s COMMAND [ARGS]\n\nCommands:\n", group)
	var cs []*command
	for _, c := range commands {
		if strings.HasPrefix(c.name, group+" ") {
			cs = append(cs, c)
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		printCommandLine(w, c)
	}
	fmt.Fprintf(w, "\nRun 'kith %s COMMAND --help' for a command's flags.\n", group)
}

// out prints v as JSON (one line) with --json, else calls human. The
// JSON is made safe for a terminal (termJSON); human must pass text a peer
// supplied through termText.
func (c *call) out(v any, human func(w io.Writer)) error {
	if c.json {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(c.env.Stdout, string(termJSON(b)))
		return err
	}
	human(c.env.Stdout)
	return nil
}

// options are the node options the global flags give.
func (c *call) options() node.Options {
	return node.Options{Passphrase: c.passphrase, BlobMaxSize: c.blobMaxSz, Store: c.store}
}

func (c *call) open() (*node.Node, error) {
	return openAsking(c)
}

func (c *call) wantArgs(min, max int) error {
	if len(c.args) < min || (max >= 0 && len(c.args) > max) {
		return usagef("usage: kith %s %s", c.cmd.name, c.cmd.args)
	}
	return nil
}

// isTerminal reports whether v is a terminal: a file that is one (not
// merely a character device, as /dev/null is).
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && isTerminalFile(f)
}
