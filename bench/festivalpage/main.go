// Command festivalpage benchmarks the festival page (issue 17 item 5): a
// 'kith serve' process holds the festival of internal/festival/bigfestival
// (2,000 events, 500 resources, 20,000 requests), and headless Chromium
// opens its page. It measures, in the page (performance.now), the time
// from the navigation to the programme rendered (the first day's events in
// the DOM), for the first load after the node started (which reduces the
// festival), for loads coming from the festivals list (the hash changes),
// and for a fresh load of the page's address; and the API read alone (the
// JSON the page fetches) from the Go client.
//
//	go run ./bench/festivalpage -runs 5
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/festival/bigfestival"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/scope"
)

// Result is what the benchmark reports.
type Result struct {
	Date         string    `json:"date"`
	Machine      string    `json:"machine"`
	Cores        int       `json:"cores"`
	LoadBefore   string    `json:"load_average_before"`
	LoadAfter    string    `json:"load_average_after"`
	Entries      int       `json:"entries"`
	JSONBytes    int       `json:"json_bytes"`     // the whole festival (GET without ?day=)
	DayJSONBytes int       `json:"day_json_bytes"` // what the page reads (?day=first)
	EventsShown  int       `json:"events_shown"`   // the first day's
	FirstMS      float64   `json:"first_load_ms"`
	FromListMS   []float64 `json:"from_list_ms"`
	FreshMS      []float64 `json:"fresh_load_ms"`
	FetchMS      []float64 `json:"fetch_ms"` // the API read within the page loads from the list (resource timing)
	APIReadMS    []float64 `json:"api_read_ms"`
	// Parts: the page's own measures of its last load from the list
	// (festival fetch, compare, draw, draw programme, …).
	Parts map[string]float64 `json:"parts_ms"`
}

func main() {
	runs := flag.Int("runs", 5, "loads of each kind")
	chromium := flag.String("chromium", "/usr/bin/chromium", "the Chromium to run headless")
	dir := flag.String("dir", "", "work directory (default: a new temporary directory, removed afterwards)")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	if err := run(*runs, *chromium, *dir, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "bench/festivalpage:", err)
		os.Exit(1)
	}
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func run(runs int, chromium, dir string, jsonOut bool) error {
	work, cleanup, err := benchkit.WorkDir(dir, "festivalpage")
	if err != nil {
		return err
	}
	defer cleanup()
	res := Result{Date: time.Now().UTC().Format(time.RFC3339), Machine: benchkit.Machine(), Cores: runtime.NumCPU(), LoadBefore: loadavg()}

	benchkit.Logf("building the festival")
	big, err := bigfestival.Build(bigfestival.Options{FoundLog: scope.FestivalFoundLog, Log: scope.FestivalLog})
	if err != nil {
		return err
	}
	res.Entries = len(big.Entries)
	home := filepath.Join(work, "home")
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		return err
	}
	ctx := context.Background()
	if _, err := n.Store().Ingest(ctx, big.Entries); err != nil {
		n.Close()
		return err
	}
	if _, err := n.OpenFestival(ctx, node.FestivalRef(big.ID, big.Founder.Public())); err != nil {
		n.Close()
		return err
	}
	if err := n.Close(); err != nil {
		return err
	}
	bin, err := benchkit.BuildKith(work)
	if err != nil {
		return err
	}
	p, err := benchkit.Serve(bin, home)
	if err != nil {
		return err
	}
	defer p.Stop()
	fid := big.ID.String()

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(work, "chromium")), chromedp.WindowSize(1280, 900),
		chromedp.Flag("no-proxy-server", true), chromedp.Flag("disable-component-update", true))...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	// Start the browser on the tab's own context: the first run's context
	// owns the browser, and the timeouts below derive from it.
	if err := chromedp.Do(tab); err != nil {
		return fmt.Errorf("start %s: %w", chromium, err)
	}
	do := func(what string, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
		c, cancel := context.WithTimeout(tab, timeout)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	// Sign in and wait for the home page.
	if err := do("sign in", time.Minute, chromedp.Navigate(p.Web), chromedp.WaitVisible(`[data-testid=compose-text]`)); err != nil {
		return err
	}
	// fromList goes to the festivals list, then to the festival, and
	// answers the milliseconds until its programme is in the DOM, and the
	// API read's within them.
	fromList := func() (float64, float64, error) {
		if err := do("the list", time.Minute, chromedp.Evaluate[chromedp.Void](`location.hash = '#/festivals'`),
			chromedp.WaitVisible(`[data-testid=festival-item]`)); err != nil {
			return 0, 0, err
		}
		c, cancel := context.WithTimeout(tab, 5*time.Minute)
		defer cancel()
		v, err := chromedp.Run(c, chromedp.Evaluate[[]float64](fmt.Sprintf(`new Promise((done) => {
			performance.clearResourceTimings();
			performance.clearMeasures();
			const t0 = performance.now();
			location.hash = '#/festival/%s';
			const check = () => {
				if (document.querySelector('[data-testid=festival-day] [data-testid=festival-event]')) {
					const t1 = performance.now();
					const r = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/festivals/%s?day='));
					const last = r[r.length - 1];
					done([t1 - t0, last ? last.responseEnd - last.startTime : -1, last ? last.decodedBodySize : -1]);
				} else requestAnimationFrame(check);
			};
			check();
		})`, fid, fid), chromedp.EvalAwaitPromise))
		if err != nil {
			return 0, 0, fmt.Errorf("the festival's page: %w", err)
		}
		res.DayJSONBytes = int(v[2])
		return v[0], v[1], nil
	}
	ms, fetch, err := fromList()
	if err != nil {
		return err
	}
	res.FirstMS = ms
	benchkit.Logf("first load %.0f ms (the API read %.0f ms)", ms, fetch)
	for range runs {
		ms, fetch, err := fromList()
		if err != nil {
			return err
		}
		res.FromListMS = append(res.FromListMS, ms)
		res.FetchMS = append(res.FetchMS, fetch)
		benchkit.Logf("from the list %.0f ms (the API read %.0f ms)", ms, fetch)
	}
	shown, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=festival-day] [data-testid=festival-event]').length`))
	if err != nil {
		return err
	}
	res.EventsShown = shown
	parts, err := chromedp.Run(tab, chromedp.Evaluate[map[string]float64](`Object.fromEntries(performance.getEntriesByType('measure').filter((m) => m.name.startsWith('festival ')).map((m) => [m.name, Math.round(m.duration)]))`))
	if err != nil {
		return err
	}
	res.Parts = parts
	benchkit.Logf("parts: %v", parts)
	// A fresh load: navigation start (the document's time origin) to the
	// programme in the DOM.
	for range runs {
		if err := do("fresh load", 5*time.Minute, chromedp.Navigate("about:blank"),
			chromedp.Navigate(origin(p.Web)+"/#/festival/"+fid)); err != nil {
			return err
		}
		c, cancel := context.WithTimeout(tab, 5*time.Minute)
		v, err := chromedp.Run(c, chromedp.Evaluate[float64](`new Promise((done) => {
			const check = () => document.querySelector('[data-testid=festival-day] [data-testid=festival-event]') ? done(performance.now()) : requestAnimationFrame(check);
			check();
		})`, chromedp.EvalAwaitPromise))
		cancel()
		if err != nil {
			return fmt.Errorf("fresh load: %w", err)
		}
		res.FreshMS = append(res.FreshMS, v)
		benchkit.Logf("fresh load ≤ %.0f ms", v)
	}
	for range runs {
		t := time.Now()
		v, err := p.Client.Festival(ctx, fid)
		if err != nil {
			return err
		}
		res.APIReadMS = append(res.APIReadMS, float64(time.Since(t).Microseconds())/1000)
		if len(v.Programme) != 2000 {
			return fmt.Errorf("%d events", len(v.Programme))
		}
		b, _ := json.Marshal(v)
		res.JSONBytes = len(b)
	}
	res.LoadAfter = loadavg()
	if jsonOut {
		e := json.NewEncoder(os.Stdout)
		e.SetIndent("", "  ")
		return e.Encode(res)
	}
	fmt.Printf("festival page, %d entries, %d bytes of JSON (%d with ?day=first), %d events on the first day shown; load average %s → %s\n",
		res.Entries, res.JSONBytes, res.DayJSONBytes, res.EventsShown, res.LoadBefore, res.LoadAfter)
	fmt.Printf("parts of the last load from the list: %v\n", res.Parts)
	fmt.Printf("first load (the node reduces): %.0f ms\n", res.FirstMS)
	fmt.Printf("from the list: median %.0f ms %v (API read within: median %.0f ms)\n", median(res.FromListMS), rounded(res.FromListMS), median(res.FetchMS))
	fmt.Printf("fresh load: median %.0f ms %v\n", median(res.FreshMS), rounded(res.FreshMS))
	fmt.Printf("API read (Go client): median %.0f ms %v\n", median(res.APIReadMS), rounded(res.APIReadMS))
	return nil
}

// origin is scheme://host of the sign-in link.
func origin(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	return u.Scheme + "://" + u.Host
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func rounded(xs []float64) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x + 0.5)
	}
	return out
}
