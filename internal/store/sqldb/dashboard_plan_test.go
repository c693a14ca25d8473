package sqldb_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/postgres"
	"github.com/atomyx/submit/internal/store/sqldb"
	"github.com/atomyx/submit/internal/store/storetest"
)

// planNow is the generated data's present (storetest.GenerateJobs).
var planNow = storetest.GeneratedNow

// Bounds on the rows a plan may estimate it reads from one table: the
// 30 days of the dashboard tenant hold about 6,600 jobs and 6,000 ended
// rounds, its 48 hours about 440 attempts. A full scan would read
// 100,000 jobs or 280,000 events.
const (
	boundMonth = 10000
	boundHours = 1000
)

// dashboardStore is a store whose dashboard queries this test can see.
type dashboardStore interface {
	store.Store
	Writer() *sql.DB
	DashboardQueries(p store.DashboardParams) []sqldb.DashboardQuery
}

// TestDashboardPlans generates 100,000 jobs with their events, versions,
// deliveries and attempts, and checks that each dashboard query reads them
// through an index of migration 0016 instead of scanning a table: on
// SQLite by EXPLAIN QUERY PLAN, on PostgreSQL (after VACUUM ANALYZE) by EXPLAIN,
// whose estimate of the rows each table gives must stay under a bound.
func TestDashboardPlans(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, s store.Store) {
		ds := s.(dashboardStore)
		_, pg := s.(*postgres.DB)
		for _, name := range []string{"ten_a", "ten_b"} {
			if err := s.CreateTenant(t.Context(), store.Tenant{ID: name, Name: name, CreatedAt: planNow}); err != nil {
				t.Fatal(err)
			}
		}
		storetest.GenerateJobs(t, ds.Writer(), pg, "ten_a", "ten_b")
		month := store.DashboardParams{TenantID: "ten_a", Livemode: true, Since: planNow.AddDate(0, 0, -30)}
		hours := month
		hours.Since = planNow.Add(-48 * time.Hour)
		qs := ds.DashboardQueries(month)
		for i, q := range ds.DashboardQueries(hours) {
			if q.Name == "AttemptHours" {
				qs[i] = q
			}
		}
		// The queries find what was generated, so the plans are of real work.
		if days, err := s.JobDays(t.Context(), month); err != nil || len(days) < 30 {
			t.Fatalf("JobDays over the generated month: %d days, %v", len(days), err)
		}
		for _, q := range qs {
			bound := boundMonth
			if q.Name == "AttemptHours" {
				bound = boundHours
			}
			t.Run(q.Name, func(t *testing.T) {
				if pg {
					checkPostgresPlan(t, ds.Writer(), q, bound)
				} else {
					checkSQLitePlan(t, ds.Writer(), q)
				}
			})
		}
	})
}

// tableScan is a line of SQLite's plan that reads a whole table or index:
// SCAN without a virtual table (json_each) behind it.
// A subquery's rows, which SQLite scans too, are not a table.
var tableScan = regexp.MustCompile(`^SCAN (\w+)(?: USING (?:COVERING )?INDEX \w+)?$`)

// subquery names the rows of a subquery that later lines SCAN.
var subquery = regexp.MustCompile(`^(?:CO-ROUTINE|MATERIALIZE) (\w+)$`)

// indexSearch is a line that searches a dashboard index by tenant and mode.
var indexSearch = regexp.MustCompile(`^SEARCH \w+ USING (?:COVERING )?INDEX (jobs_tenant_mode_created|events_outcomes|events_approved|events_preflight|deliveries_attempted) \(tenant_id=\? AND livemode=\?`)

// keyLookup is a line that looks one row up by its key.
var keyLookup = regexp.MustCompile(`^SEARCH \w+ USING (?:COVERING )?INDEX sqlite_autoindex_\w+ \(\w+=\?\)$`)

func checkSQLitePlan(t *testing.T, db *sql.DB, q sqldb.DashboardQuery) {
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q.SQL, q.Args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	searches, subqueries := 0, map[string]bool{}
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
		if m := subquery.FindStringSubmatch(detail); m != nil {
			subqueries[m[1]] = true
		}
		if m := tableScan.FindStringSubmatch(detail); m != nil && !subqueries[m[1]] {
			t.Errorf("%s scans a whole table: %q", q.Name, detail)
		}
		switch {
		case indexSearch.MatchString(detail):
			searches++
		case strings.HasPrefix(detail, "SEARCH") && !keyLookup.MatchString(detail):
			t.Errorf("%s searches by something else than a dashboard index or a key: %q", q.Name, detail)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if searches == 0 {
		t.Errorf("%s searches no dashboard index by tenant and mode", q.Name)
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("plan of %s:\n%s", q.Name, strings.Join(plan, "\n"))
	}
}

// pgNode is a node of PostgreSQL's EXPLAIN (FORMAT JSON).
type pgNode struct {
	Type     string   `json:"Node Type"`
	Relation string   `json:"Relation Name"`
	Index    string   `json:"Index Name"`
	Rows     float64  `json:"Plan Rows"`
	Plans    []pgNode `json:"Plans"`
}

func checkPostgresPlan(t *testing.T, db *sql.DB, q sqldb.DashboardQuery, bound int) {
	var out string
	if err := db.QueryRowContext(t.Context(), "EXPLAIN (FORMAT JSON) "+q.SQL, q.Args...).Scan(&out); err != nil {
		t.Fatal(err)
	}
	var plans []struct{ Plan pgNode }
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN of %s: %v\n%s", q.Name, err, out)
	}
	indexed := 0
	var summary strings.Builder
	var walk func(n pgNode, depth int)
	walk = func(n pgNode, depth int) {
		fmt.Fprintf(&summary, "%s%s %s %s rows=%.0f\n", strings.Repeat("  ", depth), n.Type, n.Relation, n.Index, n.Rows)
		if n.Relation != "" {
			switch {
			case n.Type == "Seq Scan":
				t.Errorf("%s scans the whole of %s", q.Name, n.Relation)
			case n.Rows > float64(bound):
				t.Errorf("%s reads an estimated %.0f rows of %s (%s), more than %d", q.Name, n.Rows, n.Relation, n.Type, bound)
			}
		}
		switch n.Index {
		case "jobs_tenant_mode_created", "events_outcomes", "events_approved", "events_preflight", "deliveries_attempted":
			indexed++
		}
		for _, c := range n.Plans {
			walk(c, depth+1)
		}
	}
	walk(plans[0].Plan, 0)
	if indexed == 0 {
		t.Errorf("%s uses no dashboard index", q.Name)
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("plan of %s:\n%s", q.Name, summary.String())
	}
}
