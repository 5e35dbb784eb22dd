package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A layer is one level of kith's architecture (DESIGN.md, "Code layout"). A
// package may import packages of its own level or a lower one, never a
// higher one.
type layer struct {
	level int
	name  string
}

func (l layer) String() string { return fmt.Sprintf("layer %d: %s", l.level, l.name) }

var (
	domain  = layer{0, "domain"}  // keys, entries, payloads, blobs, bundles, pure reducers
	store   = layer{1, "store"}   // storage and transport: store, replicate, netnode
	node    = layer{2, "node"}    // the composition root
	surface = layer{3, "surface"} // api, cli, webui: clients of the node
	program = layer{4, "program"} // cmd/... and bench/...: main packages
	tooling = layer{4, "tooling"} // test-only packages that inspect the tree
)

// layers assigns every package under internal/ to a layer, by its import path
// relative to the module root. A package under internal/ that is missing here
// fails TestDependencyDirection: add it, with the layer it belongs to. Listed
// packages that do not exist yet are simply not checked.
var layers = map[string]layer{
	// Layer 0, pure domain. No network, no database, no subprocesses; only
	// the packages in fileAccess may use os.
	"internal/identity":   domain,
	"internal/entry":      domain,
	"internal/content":    domain,
	"internal/blob":       domain,
	"internal/bundle":     domain,
	"internal/invite":     domain,
	"internal/introduce":  domain,
	"internal/ice":        domain,
	"internal/pairing":    domain,
	"internal/atomicfile": domain,
	"internal/village":    domain,
	"internal/space":      domain,
	"internal/keyring":    domain,
	"internal/seal":       domain,
	"internal/message":    domain,
	"internal/festival":   domain,
	// Test-only: a large festival for benchmarks.
	"internal/festival/bigfestival": domain,
	"internal/cborwire":             domain,
	"internal/codetext":             domain,
	"internal/services":             domain,
	"internal/lease":                domain,
	"internal/dropbox":              domain,
	"internal/causalorder":          domain,
	"internal/conversation":         domain,
	// Test-only: the vectors files of the sealed formats (seal, message).
	"internal/seal/vectortest": domain,

	// Layer 1, storage and transport.
	"internal/store":           store,
	"internal/store/mem":       store,
	"internal/store/sqlite":    store,
	"internal/store/storetest": store,
	"internal/store/postgres":  store,
	// Test-only: a throwaway PostgreSQL cluster for the tests.
	"internal/store/postgres/pgtest": store,
	"internal/replicate":             store,
	"internal/netnode":               store,
	"internal/blobsync":              store,
	"internal/scope":                 store,
	// The node's STUN and TURN server for browser peers (pion/turn).
	"internal/turnrelay": store,

	// Layer 2, the composition root.
	"internal/node": node,
	// The browser peer's composition root (store, scope, sync engine),
	// compiled to WebAssembly by cmd/kith-wasm.
	"internal/browserpeer": node,

	// Layer 3, surfaces.
	"internal/api":        surface,
	"internal/api/wire":   surface,
	"internal/api/client": surface,
	"internal/cli":        surface,
	"internal/webui":      surface,

	// Attack tools: a peer that misbehaves on purpose (bench/hostile runs
	// it). Level 4, so that no part of the node can link it.
	"internal/netnode/hostile": tooling,

	// This package.
	"internal/archtest": tooling,
}

// programTrees are directories whose every package is a program (layer 4).
var programTrees = []string{"cmd", "bench"}

// nodeImporters are the trees allowed to import internal/node.
var nodeImporters = []string{"cmd", "bench", "internal/api", "internal/cli"}

// libp2pTrees are the module paths of the libp2p stack; only internal/netnode
// may import anything under them.
var libp2pTrees = []string{"github.com/libp2p", "github.com/multiformats"}

// pgxTrees is the PostgreSQL driver; only internal/store/postgres may
// import it, so the rest of kith knows PostgreSQL only as a store.Store.
var pgxTrees = []string{"github.com/jackc/pgx"}

// domainForbidden are imports (with everything under them) that no layer 0
// package may have: networking, databases, subprocesses and signals.
var domainForbidden = []string{
	"database/sql",
	"net",
	"os/exec",
	"os/signal",
	"modernc.org/sqlite",
	"github.com/jackc/pgx",
	"github.com/lib/pq",
}

// domainAllowed are exceptions to domainForbidden: pure value types that do
// no I/O.
var domainAllowed = []string{"net/netip", "net/url"}

// fileAccess are the layer 0 packages that may import os, to read and write
// files (key files, blob files; internal/seal/vectortest, imported by tests
// only, the test vectors files).
var fileAccess = []string{"internal/atomicfile", "internal/blob", "internal/identity", "internal/seal/vectortest"}

// badNames are package names that say nothing about what a package holds.
var badNames = []string{"util", "utils", "common", "misc", "helpers"}

// docRequired are the trees whose every package needs a package doc comment.
var docRequired = []string{"internal", "cmd"}

// under reports whether p is root or a path below it.
func under(p, root string) bool { return p == root || strings.HasPrefix(p, root+"/") }

func underAny(p string, roots []string) bool {
	return slices.ContainsFunc(roots, func(r string) bool { return under(p, r) })
}

// layerOf returns the layer of a module package, given by its path relative
// to the module root.
func layerOf(rel string) (layer, bool) {
	if l, ok := layers[rel]; ok {
		return l, true
	}
	if underAny(rel, programTrees) {
		return program, true
	}
	return layer{}, false
}

type docState int

const (
	docUnchecked docState = iota // no directory, or no file could be parsed
	docPresent
	docMissing
)

// A pkg is one node of the import graph. Paths are full import paths.
type pkg struct {
	path        string
	name        string   // package name; "" when go list could not tell
	imports     []string // imports of the non-test files
	testImports []string // imports of the _test.go files, internal and external
	doc         docState
}

// checker collects the violations of one graph.
type checker struct {
	module  string
	out     []string
	unknown map[string]bool
}

// checkGraph applies every rule to the graph of module and returns the
// violations, sorted and without duplicates. Packages outside the module are
// not checked themselves; they only matter as imports.
func checkGraph(module string, pkgs []pkg) []string {
	c := &checker{module: module, unknown: map[string]bool{}}
	for _, p := range pkgs {
		c.checkPackage(p)
	}
	slices.Sort(c.out)
	return slices.Compact(c.out)
}

// rel returns p relative to the module root, and whether p is in the module.
func (c *checker) rel(p string) (string, bool) {
	if p == c.module {
		return ".", true
	}
	if r, ok := strings.CutPrefix(p, c.module+"/"); ok {
		return r, true
	}
	return p, false
}

func (c *checker) addf(format string, args ...any) {
	c.out = append(c.out, fmt.Sprintf(format, args...))
}

// layerOf is layerOf, reporting a module package that has no layer.
func (c *checker) layerOf(rel string) (layer, bool) {
	l, ok := layerOf(rel)
	if !ok && !c.unknown[rel] {
		c.unknown[rel] = true
		c.addf("%s is not in the layer table: add it to layers in internal/archtest/arch_test.go "+
			"with the layer it belongs to (0 domain, 1 store, 2 node, 3 surface; cmd/... and bench/... are 4)", rel)
	}
	return l, ok
}

func (c *checker) checkPackage(p pkg) {
	from, ok := c.rel(p.path)
	if !ok {
		return
	}
	fl, known := c.layerOf(from)

	for _, n := range []string{p.name, path.Base(from)} {
		if slices.Contains(badNames, n) {
			c.addf("%s: package name %q says nothing about what the package holds: name it after what it provides "+
				"(no %s)", from, n, strings.Join(badNames, ", "))
			break
		}
	}

	if p.doc == docMissing && underAny(from, docRequired) {
		name := p.name
		if name == "" {
			name = path.Base(from)
		}
		c.addf("%s has no package doc comment: add one to a non-test file, e.g. doc.go starting \"// Package %s ...\"", from, name)
	}

	for _, imp := range p.imports {
		c.checkImport(from, fl, known, imp, false)
	}
	test := slices.Clone(p.testImports)
	slices.Sort(test)
	for _, imp := range slices.Compact(test) {
		c.checkImport(from, fl, known, imp, true)
	}
}

func (c *checker) checkImport(from string, fl layer, fromKnown bool, imp string, inTest bool) {
	where := ""
	if inTest {
		where = " in a test file"
	}

	if underAny(imp, libp2pTrees) && !under(from, "internal/netnode") {
		c.addf("%s imports %s%s: only internal/netnode may import libp2p", from, imp, where)
	}
	if underAny(imp, pgxTrees) && !under(from, "internal/store/postgres") {
		c.addf("%s imports %s%s: only internal/store/postgres may import pgx", from, imp, where)
	}

	to, inModule := c.rel(imp)
	if !inModule {
		if !fromKnown || fl != domain || inTest {
			return
		}
		switch {
		case underAny(imp, domainForbidden) && !underAny(imp, domainAllowed):
			c.addf("%s (%s) imports %s: pure domain packages must not use networks, databases, subprocesses or signals", from, fl, imp)
		case imp == "os" && !slices.Contains(fileAccess, from):
			c.addf("%s (%s) imports os: among domain packages only %s may touch files", from, fl, joinAnd(fileAccess))
		}
		return
	}

	tl, toKnown := c.layerOf(to)
	if fromKnown && toKnown && tl.level > fl.level {
		c.addf("%s (%s) imports %s (%s)%s: lower layers must not import higher ones", from, fl, to, tl, where)
		return
	}
	if (under(from, "internal/replicate") && under(to, "internal/netnode")) ||
		(under(from, "internal/netnode") && under(to, "internal/replicate")) {
		c.addf("%s imports %s%s: replicate and netnode must not import each other", from, to, where)
	}
	if under(to, "internal/node") && !under(from, "internal/node") && !underAny(from, nodeImporters) {
		c.addf("%s imports %s%s: only cmd/..., bench/..., internal/api and internal/cli may import internal/node", from, to, where)
	}
}

// docOf reports whether one of the non-test Go files in dir has a doc
// comment on its package clause.
func docOf(dir string) docState {
	if dir == "" {
		return docUnchecked
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return docUnchecked
	}
	files, parsed := 0, 0
	fset := token.NewFileSet()
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		files++
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			continue // someone is mid-edit; the compiler will say so
		}
		parsed++
		if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
			return docPresent
		}
	}
	if files > 0 && parsed == 0 {
		return docUnchecked
	}
	return docMissing
}

// goCmd runs the go command in dir and returns its standard output.
func goCmd(t *testing.T, dir string, args ...string) ([]byte, error) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("cannot find the go command: %v", err)
	}
	cmd := exec.Command(gobin, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out, nil
}

// listedPackage holds the fields of "go list -json" that the test uses.
type listedPackage struct {
	ImportPath   string
	Name         string
	Dir          string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Error        *struct{ Err string }
}

// loadGraph lists the module's packages with "go list -e -deps -json ./..."
// from the module root. Packages that do not compile (or do not exist yet)
// are still listed with the imports go list could see; their errors are
// logged, not fatal: compiling is the build's job, this test checks the
// graph.
func loadGraph(t *testing.T) (module string, pkgs []pkg) {
	t.Helper()
	out, err := goCmd(t, ".", "env", "GOMOD")
	if err != nil {
		t.Fatal(err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatalf("go env GOMOD = %q: the test must run inside kith's module", gomod)
	}
	root := filepath.Dir(gomod)

	out, err = goCmd(t, root, "list", "-m", "-f", "{{.Path}}")
	if err != nil {
		t.Fatal(err)
	}
	module = strings.TrimSpace(string(out))

	out, err = goCmd(t, root, "list", "-e", "-deps",
		"-json=ImportPath,Name,Dir,Imports,TestImports,XTestImports,Error", "./...")
	if err != nil {
		if len(out) == 0 {
			t.Fatal(err)
		}
		t.Logf("checking what go list could load despite: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var lp listedPackage
		if err := dec.Decode(&lp); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		if lp.ImportPath != module && !strings.HasPrefix(lp.ImportPath, module+"/") {
			continue
		}
		if lp.Error != nil {
			t.Logf("go list: %s: %s (checking the imports it can see)", lp.ImportPath, strings.TrimSpace(lp.Error.Err))
		}
		pkgs = append(pkgs, pkg{
			path:        lp.ImportPath,
			name:        lp.Name,
			imports:     lp.Imports,
			testImports: append(slices.Clone(lp.TestImports), lp.XTestImports...),
			doc:         docOf(lp.Dir),
		})
	}
	return module, pkgs
}

func TestDependencyDirection(t *testing.T) {
	module, pkgs := loadGraph(t)

	// Guard against checking nothing: these packages exist since the first
	// commit, and this one must be listed too.
	for _, want := range []string{"internal/identity", "internal/entry", "internal/archtest"} {
		if !slices.ContainsFunc(pkgs, func(p pkg) bool { return p.path == module+"/"+want }) {
			t.Fatalf("go list did not report %s: the graph is incomplete, so the test would check nothing", want)
		}
	}
	t.Logf("checked %d packages of %s", len(pkgs), module)

	for _, v := range checkGraph(module, pkgs) {
		t.Error(v)
	}
}

// TestCheckGraph shows that checkGraph catches each kind of violation, on
// small fake graphs.
func TestCheckGraph(t *testing.T) {
	const m = "example.com/kith"
	p := func(rel string, imports ...string) pkg {
		full := func(s string) string {
			for _, tree := range []string{"internal/", "cmd/", "bench/", "tools/"} {
				if strings.HasPrefix(s, tree) {
					return m + "/" + s
				}
			}
			return s
		}
		q := pkg{path: full(rel), name: path.Base(rel), doc: docPresent}
		for _, imp := range imports {
			if ti, ok := strings.CutPrefix(imp, "test:"); ok {
				q.testImports = append(q.testImports, full(ti))
			} else {
				q.imports = append(q.imports, full(imp))
			}
		}
		return q
	}
	named := func(q pkg, name string) pkg { q.name = name; return q }
	undocumented := func(q pkg) pkg { q.doc = docMissing; return q }

	tests := []struct {
		name  string
		graph []pkg
		want  []string
	}{
		{
			name: "clean",
			graph: []pkg{
				p("internal/identity", "crypto/ed25519", "os"),
				p("internal/entry", "internal/identity", "test:os", "test:encoding/json"),
				p("internal/content", "internal/entry", "net/url"),
				p("internal/blob", "internal/identity", "os"),
				p("internal/village", "internal/entry", "internal/content"),
				p("internal/store", "internal/entry"),
				p("internal/store/storetest", "internal/store", "testing"),
				p("internal/store/sqlite", "internal/store", "database/sql", "modernc.org/sqlite", "test:internal/store/storetest"),
				p("internal/replicate", "internal/store", "internal/entry"),
				p("internal/netnode", "github.com/libp2p/go-libp2p", "github.com/multiformats/go-multiaddr", "internal/entry"),
				p("internal/node", "internal/store/sqlite", "internal/replicate", "internal/netnode", "net/http", "test:internal/node"),
				p("internal/api", "internal/node", "net/http"),
				p("internal/webui", "internal/api"),
				p("internal/cli", "internal/node", "internal/api"),
				p("cmd/kith", "internal/cli", "internal/node"),
				undocumented(p("bench/import", "internal/node", "internal/store/storetest")),
				p("internal/archtest", "test:os/exec", "test:go/parser"),
				// Outside the module: not checked.
				p("github.com/libp2p/go-libp2p", "github.com/libp2p/go-libp2p/core"),
				named(p("golang.org/x/tools/internal/util"), "util"),
			},
		},
		{
			name:  "domain imports store",
			graph: []pkg{p("internal/entry", "internal/store")},
			want: []string{
				"internal/entry (layer 0: domain) imports internal/store (layer 1: store): lower layers must not import higher ones",
			},
		},
		{
			name:  "domain test imports store",
			graph: []pkg{p("internal/bundle", "internal/entry", "test:internal/store/mem")},
			want: []string{
				"internal/bundle (layer 0: domain) imports internal/store/mem (layer 1: store) in a test file: lower layers must not import higher ones",
			},
		},
		{
			name: "upward imports between other layers",
			graph: []pkg{
				p("internal/store", "internal/node"),
				p("internal/node", "internal/api"),
				p("internal/cli", "cmd/kith"),
				p("internal/keyring", "internal/archtest"),
			},
			want: []string{
				"internal/cli (layer 3: surface) imports cmd/kith (layer 4: program): lower layers must not import higher ones",
				"internal/keyring (layer 0: domain) imports internal/archtest (layer 4: tooling): lower layers must not import higher ones",
				"internal/node (layer 2: node) imports internal/api (layer 3: surface): lower layers must not import higher ones",
				"internal/store (layer 1: store) imports internal/node (layer 2: node): lower layers must not import higher ones",
			},
		},
		{
			name: "replicate and netnode",
			graph: []pkg{
				p("internal/replicate", "internal/netnode"),
				p("internal/netnode", "test:internal/replicate"),
			},
			want: []string{
				"internal/netnode imports internal/replicate in a test file: replicate and netnode must not import each other",
				"internal/replicate imports internal/netnode: replicate and netnode must not import each other",
			},
		},
		{
			name: "libp2p outside netnode",
			graph: []pkg{
				p("internal/replicate", "github.com/libp2p/go-libp2p/core/network"),
				p("internal/node", "github.com/multiformats/go-multiaddr"),
				p("cmd/kith", "test:github.com/libp2p/go-libp2p"),
			},
			want: []string{
				"cmd/kith imports github.com/libp2p/go-libp2p in a test file: only internal/netnode may import libp2p",
				"internal/node imports github.com/multiformats/go-multiaddr: only internal/netnode may import libp2p",
				"internal/replicate imports github.com/libp2p/go-libp2p/core/network: only internal/netnode may import libp2p",
			},
		},
		{
			name: "node imported by a surface that is not api or cli",
			graph: []pkg{
				p("internal/webui", "internal/node"),
				p("internal/api", "internal/node"),
				p("internal/cli", "internal/node"),
			},
			want: []string{
				"internal/webui imports internal/node: only cmd/..., bench/..., internal/api and internal/cli may import internal/node",
			},
		},
		{
			name: "impure domain",
			graph: []pkg{
				p("internal/content", "net/http", "net/url", "net/netip"),
				p("internal/village", "os/exec", "test:net"),
				p("internal/entry", "os", "test:os"),
				p("internal/festival", "database/sql/driver", "modernc.org/sqlite/lib"),
				p("internal/blob", "os", "net"),
				p("internal/identity", "os"),
				p("internal/store", "os", "net"),
			},
			want: []string{
				"internal/blob (layer 0: domain) imports net: pure domain packages must not use networks, databases, subprocesses or signals",
				"internal/content (layer 0: domain) imports net/http: pure domain packages must not use networks, databases, subprocesses or signals",
				"internal/entry (layer 0: domain) imports os: among domain packages only internal/atomicfile, internal/blob, internal/identity and internal/seal/vectortest may touch files",
				"internal/festival (layer 0: domain) imports database/sql/driver: pure domain packages must not use networks, databases, subprocesses or signals",
				"internal/festival (layer 0: domain) imports modernc.org/sqlite/lib: pure domain packages must not use networks, databases, subprocesses or signals",
				"internal/village (layer 0: domain) imports os/exec: pure domain packages must not use networks, databases, subprocesses or signals",
			},
		},
		{
			name: "pgx outside store/postgres",
			graph: []pkg{
				p("internal/store/postgres", "github.com/jackc/pgx/v5", "test:github.com/jackc/pgx/v5/pgxpool"),
				p("internal/node", "github.com/jackc/pgx/v5/pgxpool"),
				p("cmd/kith", "test:github.com/jackc/pgx/v5"),
			},
			want: []string{
				"cmd/kith imports github.com/jackc/pgx/v5 in a test file: only internal/store/postgres may import pgx",
				"internal/node imports github.com/jackc/pgx/v5/pgxpool: only internal/store/postgres may import pgx",
			},
		},
		{
			name: "unknown packages",
			graph: []pkg{
				p("internal/gossip", "internal/entry"),
				p("internal/node", "internal/gossip", "internal/store/couchdb"),
				p("tools/gen"),
			},
			want: []string{
				"internal/gossip is not in the layer table: add it to layers in internal/archtest/arch_test.go with the layer it belongs to (0 domain, 1 store, 2 node, 3 surface; cmd/... and bench/... are 4)",
				"internal/store/couchdb is not in the layer table: add it to layers in internal/archtest/arch_test.go with the layer it belongs to (0 domain, 1 store, 2 node, 3 surface; cmd/... and bench/... are 4)",
				"tools/gen is not in the layer table: add it to layers in internal/archtest/arch_test.go with the layer it belongs to (0 domain, 1 store, 2 node, 3 surface; cmd/... and bench/... are 4)",
			},
		},
		{
			name: "meaningless names",
			graph: []pkg{
				named(p("internal/content"), "helpers"),
				p("cmd/kith/util"),
			},
			want: []string{
				`cmd/kith/util: package name "util" says nothing about what the package holds: name it after what it provides (no util, utils, common, misc, helpers)`,
				`internal/content: package name "helpers" says nothing about what the package holds: name it after what it provides (no util, utils, common, misc, helpers)`,
			},
		},
		{
			name: "missing package docs",
			graph: []pkg{
				undocumented(p("internal/entry")),
				named(undocumented(p("cmd/kith")), "main"),
				undocumented(p("bench/import")),
				{path: m + "/internal/store/sqlite", doc: docUnchecked}, // not written yet
			},
			want: []string{
				`cmd/kith has no package doc comment: add one to a non-test file, e.g. doc.go starting "// Package main ..."`,
				`internal/entry has no package doc comment: add one to a non-test file, e.g. doc.go starting "// Package entry ..."`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkGraph(m, tt.graph)
			if !slices.Equal(got, tt.want) {
				t.Errorf("checkGraph violations:\n got  %s\n want %s", strings.Join(got, "\n      "), strings.Join(tt.want, "\n      "))
			}
		})
	}
}

func TestDocOf(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for n, s := range files {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	tests := []struct {
		name  string
		files map[string]string
		want  docState
	}{
		{"doc.go", map[string]string{"doc.go": "// Package x does x.\npackage x\n", "x.go": "package x\n"}, docPresent},
		{"after build tag", map[string]string{"x.go": "//go:build linux\n\n// Package x does x.\npackage x\n"}, docPresent},
		{"none", map[string]string{"x.go": "package x\n", "y.go": "// Not a doc.\n\npackage x\n"}, docMissing},
		{"only in a test", map[string]string{"x_test.go": "// Package x does x.\npackage x\n"}, docMissing},
		{"mid-edit", map[string]string{"x.go": "packge x\n"}, docUnchecked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := docOf(write(t, tt.files)); got != tt.want {
				t.Errorf("docOf = %d, want %d", got, tt.want)
			}
		})
	}
	if got := docOf(""); got != docUnchecked {
		t.Errorf(`docOf("") = %d, want %d`, got, docUnchecked)
	}
}

func TestLayerOf(t *testing.T) {
	tests := []struct {
		rel  string
		want layer
		ok   bool
	}{
		{"internal/entry", domain, true},
		{"internal/store/sqlite", store, true},
		{"internal/node", node, true},
		{"internal/webui", surface, true},
		{"cmd/kith", program, true},
		{"bench/import", program, true},
		{"internal/archtest", tooling, true},
		{"internal/entry/sub", layer{}, false},
		{"cmdx", layer{}, false},
		{".", layer{}, false},
	}
	for _, tt := range tests {
		if got, ok := layerOf(tt.rel); got != tt.want || ok != tt.ok {
			t.Errorf("layerOf(%q) = %v, %v; want %v, %v", tt.rel, got, ok, tt.want, tt.ok)
		}
	}
}

// joinAnd lists names as "a", "a and b" or "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
