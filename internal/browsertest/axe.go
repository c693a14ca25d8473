package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atomyx/submit/internal/need"
)

// AxeTags are the axe-core rule tags of WCAG 2.0, 2.1 and 2.2 at levels A
// and AA: what the customer pages and Manage promise. Best practices that
// are no WCAG criterion are left out, so that a finding always names a
// criterion someone can look up.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}

// Violation is one axe-core rule that a page breaks, with the elements
// that break it.
type Violation struct {
	ID    string   `json:"id"`
	Help  string   `json:"help"`
	Nodes []string `json:"nodes"` // each a CSS selector and axe's summary of the failure
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s):\n    %s", v.ID, v.Help, strings.Join(v.Nodes, "\n    "))
}

// axeRun runs axe on the whole document and reduces its answer to the
// violations, as JSON text: a remote object as deep as axe's results does
// not come back through the DevTools protocol whole.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]}).then(r =>
  JSON.stringify(r.violations.map(v => ({id: v.id, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\s+/g, " "))}))))`

// Axe injects axe-core into the page of ctx, as it is now, and returns the
// WCAG A and AA violations it finds. The page must have finished changing
// (wait for what it shows first). Without axe-core the test is skipped, or
// fails under CI (see package need).
func Axe(t testing.TB, ctx context.Context, limit time.Duration) []Violation {
	t.Helper()
	src, err := os.ReadFile(need.AxeCore(t))
	if err != nil {
		t.Fatal(err)
	}
	tags, _ := json.Marshal(AxeTags)
	// Injected through the DevTools protocol, which the page's Content
	// Security Policy does not govern: the pages stay as strict as served.
	Do(t, ctx, limit, "inject axe-core", chromedp.Evaluate[chromedp.Void](string(src)))
	out := Get(t, ctx, limit, "run axe-core",
		chromedp.Evaluate[string](fmt.Sprintf(axeRun, tags), chromedp.EvalAwaitPromise))
	var vs []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("read axe-core's results: %v", err)
	}
	return vs
}

// CheckAxe fails the test for each WCAG A or AA violation on the page of
// ctx, naming the page state what.
func CheckAxe(t testing.TB, ctx context.Context, limit time.Duration, what string) {
	t.Helper()
	for _, v := range Axe(t, ctx, limit) {
		t.Errorf("%s: %s", what, v)
	}
}
