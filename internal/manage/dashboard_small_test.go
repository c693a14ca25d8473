//go:build benchdashboard

package manage

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// TestDashboardSmallServerTime is a benchmark, built only with the tag
// benchdashboard (bench/dashboard/run.sh): the dashboard's server time
// per request for a new account (the test setup's few rows) on SQLite,
// the page whose cost is its fixed work (queries, template, SVG) rather
// than its data. The handler is called in the process with the signed-in
// operator's cookies, as BenchmarkFirstRender calls the customer page, so
// that the client's reading of the answer is not counted. It is a test
// that runs testing.Benchmark because the package's setup took a
// *testing.T before the charts, and the script runs this same file on
// that commit and on this tree in turn. It prints its figure and asserts
// nothing about it.
func TestDashboardSmallServerTime(t *testing.T) {
	e := setup(t)
	br := e.signIn("admin@acme.test")
	u, err := url.Parse(e.srv.URL + "/manage/")
	if err != nil {
		t.Fatal(err)
	}
	cookies := br.c.Jar.Cookies(u)
	h := e.srv.Config.Handler
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, u.String(), nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := get(); rec.Code != http.StatusOK {
		t.Fatalf("dashboard: %d\n%s", rec.Code, rec.Body)
	}
	r := testing.Benchmark(func(b *testing.B) {
		for range b.N {
			if rec := get(); rec.Code != http.StatusOK {
				t.Errorf("dashboard: %d", rec.Code)
				return
			}
		}
	})
	fmt.Printf("dashboard-small %d ns/op\n", r.NsPerOp())
}
