// Command browserprofile summarises a CPU profile of the browser peer's
// page (V8's .cpuprofile JSON, as TestBrowserFirstSync writes it with
// KITH_BENCH_PROFILE): the time the page's one thread spent, by self time
// per function and by where it runs (kith's Go in WebAssembly, the Go
// runtime, wasm_exec.js's glue, the libp2p bundle, the page's own
// scripts, the browser's natives, garbage collection, idle), between the
// first and the last sample that was not idle.
//
//	KITH_BENCH_BROWSER=1 KITH_WASM_NAMES=1 KITH_BENCH_PROFILE=/tmp/sync.cpuprofile \
//	    go test -race=false -run 'TestBrowserFirstSync$' -v ./cmd/kith
//	go run ./bench/browserprofile -top 40 /tmp/sync.cpuprofile
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

type node struct {
	ID        int `json:"id"`
	CallFrame struct {
		FunctionName string `json:"functionName"`
		URL          string `json:"url"`
	} `json:"callFrame"`
	Children []int `json:"children"`
}

type profile struct {
	Nodes      []node    `json:"nodes"`
	Samples    []int     `json:"samples"`
	TimeDeltas []float64 `json:"timeDeltas"`
}

func main() {
	top := flag.Int("top", 30, "functions to list by self time")
	callers := flag.String("callers", "", "list the stacks (6 frames) that lead to the functions whose name contains this")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: browserprofile [-top N] file.cpuprofile")
		os.Exit(2)
	}
	b, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var p profile
	if err := json.Unmarshal(b, &p); err != nil {
		fmt.Fprintf(os.Stderr, "%s is not a V8 CPU profile: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	if len(p.Samples) != len(p.TimeDeltas) {
		fmt.Fprintf(os.Stderr, "%s: %d samples but %d time deltas\n", flag.Arg(0), len(p.Samples), len(p.TimeDeltas))
		os.Exit(1)
	}
	byID := map[int]*node{}
	parent := map[int]int{}
	for i := range p.Nodes {
		byID[p.Nodes[i].ID] = &p.Nodes[i]
		for _, c := range p.Nodes[i].Children {
			parent[c] = p.Nodes[i].ID
		}
	}
	// A sample's time is the delta to the next sample.
	first, last := -1, -1
	for i, id := range p.Samples {
		if n := byID[id]; n != nil && n.CallFrame.FunctionName != "(idle)" && n.CallFrame.FunctionName != "(program)" {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		fmt.Println("no samples other than idle")
		return
	}
	self := map[string]float64{}
	incl := map[string]float64{}
	stacks := map[string]float64{}
	where := map[string]float64{}
	total := 0.0
	for i := first; i <= last; i++ {
		d := 0.0
		if i+1 < len(p.TimeDeltas) {
			d = p.TimeDeltas[i+1] / 1000 // µs to ms
		}
		n := byID[p.Samples[i]]
		if n == nil {
			continue
		}
		total += d
		name := n.CallFrame.FunctionName
		if name == "" {
			name = "(anonymous)"
		}
		self[name+" "+short(n.CallFrame.URL)] += d
		seen := map[string]bool{}
		var chain []string
		for id := n.ID; id != 0; id = parent[id] {
			f := byID[id].CallFrame.FunctionName
			if f == "" {
				f = "(anonymous " + short(byID[id].CallFrame.URL) + ")"
			}
			if !seen[f] {
				seen[f] = true
				incl[f] += d
			}
			if len(chain) < 6 {
				chain = append(chain, f)
			}
		}
		if *callers != "" && strings.Contains(name, *callers) {
			stacks[strings.Join(chain, " < ")] += d
		}
		where[kind(n.CallFrame.FunctionName, n.CallFrame.URL)] += d
	}
	fmt.Printf("%.0f ms from the first busy sample to the last\n\nby where it runs:\n", total)
	print(where, total, 0)
	fmt.Printf("\nby function, self time (top %d):\n", *top)
	print(self, total, *top)
	fmt.Printf("\nby function, total time with what it calls (top %d):\n", *top)
	print(incl, total, *top)
	if *callers != "" {
		fmt.Printf("\nstacks to %q:\n", *callers)
		print(stacks, total, *top)
	}
}

func print(m map[string]float64, total float64, limit int) {
	type kv struct {
		k string
		v float64
	}
	var s []kv
	for k, v := range m {
		s = append(s, kv{k, v})
	}
	sort.Slice(s, func(i, j int) bool { return s[i].v > s[j].v })
	for i, e := range s {
		if limit > 0 && i == limit {
			break
		}
		fmt.Printf("%8.0f ms %5.1f%%  %s\n", e.v, 100*e.v/total, e.k)
	}
}

func short(url string) string {
	if i := strings.LastIndex(url, "/"); i >= 0 {
		return url[i+1:]
	}
	return url
}

// kind says where a function runs.
func kind(fn, url string) string {
	switch {
	case fn == "(idle)" || fn == "(program)" || fn == "(garbage collector)":
		return fn
	case strings.HasPrefix(url, "wasm://"):
		switch {
		case strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "$runtime.") || strings.Contains(fn, "runtime."):
			return "wasm: Go runtime (scheduler, GC, memmove)"
		case strings.Contains(fn, "syscall/js."):
			return "wasm: syscall/js"
		case strings.Contains(fn, "kith/"):
			return "wasm: kith"
		default:
			return "wasm: Go library (crypto, encoding…)"
		}
	case strings.HasSuffix(url, "wasm_exec.js"):
		return "wasm_exec.js (the Go/JS glue)"
	case strings.HasSuffix(url, "net.js"):
		return "net.js (the libp2p bundle: Noise, yamux, WebSocket)"
	case url == "":
		return "browser natives (" + fn + ")"
	default:
		return "page: " + short(url)
	}
}
