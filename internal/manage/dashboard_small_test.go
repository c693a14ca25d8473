//go:build benchdashboard

package manage

import (
	"fmt"
	"net/http"
	"testing"
)

// TestDashboardSmallServerTime is a benchmark, built only with the tag
// benchdashboard (bench/dashboard/run.sh): the dashboard's server time
// per request for a new account (the test setup's few rows) on SQLite,
// the page whose cost is its fixed work (queries, template, SVG) rather
// than its data. It is a test that runs testing.Benchmark because the
// package's setup took a *testing.T before the charts, and the script
// runs this same file on that commit and on this tree in turn. It prints
// its figure and asserts nothing about it.
func TestDashboardSmallServerTime(t *testing.T) {
	e := setup(t)
	br := e.signIn("admin@acme.test")
	br.get("/manage/")
	r := testing.Benchmark(func(b *testing.B) {
		for range b.N {
			res, body := br.get("/manage/")
			if res.StatusCode != http.StatusOK {
				t.Errorf("dashboard: %d\n%s", res.StatusCode, body)
				return
			}
		}
	})
	fmt.Printf("dashboard-small %d ns/op\n", r.NsPerOp())
}
