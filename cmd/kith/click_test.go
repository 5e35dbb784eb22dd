package main

// How the browser tests click: through the DOM, not at coordinates.

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// click clicks the first element that sel matches, as chromedp.Click does
// (the same selectors and query options; it waits until the element is
// there and visible), but through the DOM: once the element is visible and
// enabled, it scrolls it into view, focuses it and calls its click() in the
// page. chromedp.Click sends a mouse press and release at the element's
// centre as the page was laid out a moment before; a page that still grows
// above the element (names and texts arriving, a block of one line becoming
// four) moves it away between the two, and the click lands on something
// else or on nothing (TestWebVillageRules once clicked Block and nothing
// happened). click() reaches the element wherever it is by then, with the
// click event, a form's submit, a <summary>'s toggle, a label's or
// checkbox's change, as a person's click does.
//
// It waits while the element is disabled (:disabled, so also inside a
// disabled fieldset), as a person waits for a greyed-out button, and looks
// for the element again when the page replaced it between the query and
// the click (a re-render). When the context ends first, the error names
// the selector and what it waited for.
func click[S chromedp.Selectable](sel S, opts ...chromedp.QueryOption) chromedp.Action[chromedp.Void] {
	query := append(opts[:len(opts):len(opts)], chromedp.NodeVisible)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		waited := "to be there and visible"
		for {
			state, err := chromedp.QueryAfter(sel, func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) (string, error) {
				if len(nodes) == 0 {
					return "gone", nil
				}
				state, err := clickNode(ctx, t, nodes[0])
				if err != nil && ctx.Err() == nil {
					// The page replaced the element since the query
					// found it (a re-render): look for it again.
					return "gone (" + err.Error() + ")", nil
				}
				return state, err
			}, query...)(ctx, t)
			if err != nil {
				return chromedp.Void{}, fmt.Errorf("click %v: waited for it %s: %w", sel, waited, err)
			}
			if state == "clicked" {
				return chromedp.Void{}, nil
			}
			if state == "disabled" {
				waited = "to be enabled (it stayed disabled)"
			} else {
				waited = "to be there and visible (it was last " + state + ")"
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("click %v: waited for it %s: %w", sel, waited, ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

// clickJS clicks this element unless it is disabled, and says which.
const clickJS = `function() {
	if (this.matches(':disabled')) return 'disabled';
	if (this.scrollIntoViewIfNeeded) this.scrollIntoViewIfNeeded(); else this.scrollIntoView();
	if (this.focus) this.focus({ preventScroll: true });
	this.click();
	return 'clicked';
}`

// clickNode runs clickJS on the node.
func clickNode(ctx context.Context, t *chromedp.Target, n *chromedp.Node) (string, error) {
	r, err := cdp.Call(ctx, t, dom.ResolveNode, dom.ResolveNodeParams{NodeID: n.NodeID})
	if err != nil {
		return "", err
	}
	defer func() {
		_, _ = cdp.Call(ctx, t, runtime.ReleaseObject, runtime.ReleaseObjectParams{ObjectID: r.Object.ObjectID})
	}()
	return chromedp.CallFunctionOn[string](clickJS, func(p *runtime.CallFunctionOnParams) {
		p.ObjectID = r.Object.ObjectID
	})(ctx, t)
}

// TestClickLayoutShift clicks a button that moves up and down by 120 px
// every millisecond and is disabled for its first 300 ms: each click lands
// (the page counts them), the first one once the button is enabled. A
// click at the button's coordinates (chromedp.Click) misses here most of
// the time. Then a click on a button that never comes fails naming it.
func TestClickLayoutShift(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	tab := br.tab("shifting")
	const page = `<!doctype html><title>shift</title><div id=grow></div><button id=b disabled>Block</button><p id=out>0</p>
<script>
let n = 0;
const grow = document.getElementById('grow'), b = document.getElementById('b'), out = document.getElementById('out');
setInterval(() => { n++; grow.style.height = (n % 2 ? 0 : 120) + 'px'; }, 1);
setTimeout(() => { b.disabled = false; }, 300);
b.addEventListener('click', () => { out.textContent = String(Number(out.textContent) + 1); });
</script>`
	br.do(tab, "open the shifting page", 30*time.Second, chromedp.Navigate("data:text/html,"+url.PathEscape(page)), chromedp.WaitVisible(chromedp.CSS("#b")))
	for i := 1; i <= 5; i++ {
		br.do(tab, fmt.Sprintf("click %d", i), 10*time.Second, click(chromedp.CSS("#b")))
		if got := get(br, tab, "the count", 10*time.Second, chromedp.Evaluate[string](`document.getElementById('out').textContent`)); got != strconv.Itoa(i) {
			t.Fatalf("after %d clicks the page counted %s", i, got)
		}
	}

	ctx, cancel := context.WithTimeout(tab, 300*time.Millisecond)
	defer cancel()
	err := chromedp.Do(ctx, click(tid("never-there")))
	if err == nil || !strings.Contains(err.Error(), `click [data-testid="never-there"]: waited for it to be there and visible`) {
		t.Fatalf("a click on a missing button: %v", err)
	}
}

// paste puts text into the field sel matches as a person pastes it: once
// the field is visible, it focuses it and inserts the text where the caret
// is, in one step (Input.insertText: the page gets its beforeinput and
// input events, as for typing, once for the whole text). For codes,
// account ids and phrases, which people paste: chromedp.SendKeys types
// them a key at a time, three DevTools events a character, and a pairing
// code took 6–9 s of a test under -race on a loaded machine.
func paste[S chromedp.Selectable](sel S, text string, opts ...chromedp.QueryOption) chromedp.Action[chromedp.Void] {
	return chromedp.QueryAfter(sel, func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) (chromedp.Void, error) {
		if len(nodes) == 0 {
			return chromedp.Void{}, fmt.Errorf("paste into %v: no element", sel)
		}
		if _, err := cdp.Call(ctx, t, dom.Focus, dom.FocusParams{NodeID: nodes[0].NodeID}); err != nil {
			return chromedp.Void{}, fmt.Errorf("paste into %v: focus: %w", sel, err)
		}
		if _, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text}); err != nil {
			return chromedp.Void{}, fmt.Errorf("paste into %v: %w", sel, err)
		}
		return chromedp.Void{}, nil
	}, append(opts[:len(opts):len(opts)], chromedp.NodeVisible)...)
}
