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

// planJobs is how many jobs TestDashboardPlans generates: a year of them,
// four in five the dashboard tenant's, so that a chart's window holds a
// small share of the table, as it does in a database that has grown.
const planJobs = 100000

// planNow is the generated data's present.
var planNow = time.Date(2026, 5, 11, 10, 0, 0, 0, time.UTC)

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
		generate(t, ds.Writer(), pg)
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

// generate inserts planJobs jobs in a few statements of SQL. Job i was
// created i × 315 s before planNow; i % 5 == 4 is another tenant's, whose
// jobs are the test mode ones too; i % 10 decides how the job ended.
func generate(t *testing.T, db *sql.DB, pg bool) {
	t.Helper()
	// at is the time planNow plus the seconds of the SQL expression secs.
	at := func(secs string) string {
		return `strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2026-05-11T10:00:00', printf('%+d seconds', ` + secs + `))`
	}
	js := func(v string) string { return v }
	if pg {
		at = func(secs string) string {
			return `(timestamptz '2026-05-11 10:00:00+00' + (` + secs + `) * interval '1 second')`
		}
		js = func(v string) string { return `(` + v + `)::jsonb` }
	}
	const (
		series  = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999) `
		tenant  = `CASE WHEN i % 5 = 4 THEN 'ten_b' ELSE 'ten_a' END`
		live    = `(i % 10 <> 9)`
		created = `(-315 * i)`
		ended   = `(-315 * i + 3600 + (i % 50) * 600)`
		outcome = `CASE i % 10 WHEN 6 THEN 'rejected' WHEN 7 THEN 'cancelled' WHEN 8 THEN 'expired' ELSE 'approved' END`
	)
	statements := []string{
		series + `INSERT INTO jobs (id, tenant_id, livemode, external_id, status, upload_token, created_at, updated_at, expires_at)
			SELECT 'ses_' || i, ` + tenant + `, ` + live + `, 'ORDER-' || i,
			CASE WHEN i % 10 = 9 THEN 'preflight_failed' ELSE ` + outcome + ` END, 'tok_' || i,
			` + at(created) + `, ` + at(created) + `, ` + at(created+` + 2592000`) + ` FROM n`,
		series + `INSERT INTO artwork_versions (id, job_id, tenant_id, status, created_at)
			SELECT 'ver_' || i, 'ses_' || i, ` + tenant + `, 'uploaded', ` + at(created+` + 60`) + ` FROM n`,
		series + `INSERT INTO events (id, job_id, tenant_id, livemode, sequence, type, status, order_ref, artwork_version_id, occurred_at)
			SELECT 'evu_' || i, 'ses_' || i, ` + tenant + `, ` + live + `, 1, 'uploaded', 'uploaded', 'ORDER-' || i,
			'ver_' || i, ` + at(created+` + 60`) + ` FROM n`,
		series + `INSERT INTO events (id, job_id, tenant_id, livemode, sequence, type, status, order_ref, artwork_version_id, errors, occurred_at)
			SELECT 'evp_' || i, 'ses_' || i, ` + tenant + `, ` + live + `, 2, t, t, 'ORDER-' || i, 'ver_' || i,
			` + js(`'[{"code":"CODE_' || (i % 13) || '"},{"code":"CODE_' || (i % 7) || '"}]'`) + `, ` + at(created+` + 120`) + `
			FROM (SELECT i, CASE WHEN i % 10 = 9 THEN 'preflight_failed' ELSE 'preflight_passed' END AS t FROM n) m`,
		series + `INSERT INTO events (id, job_id, tenant_id, livemode, sequence, type, status, order_ref, artwork_version_id, occurred_at)
			SELECT 'evo_' || i, 'ses_' || i, ` + tenant + `, ` + live + `, 3, ` + outcome + `, ` + outcome + `, 'ORDER-' || i,
			'ver_' || i, ` + at(ended) + ` FROM n WHERE i % 10 <> 9`,
		series + `INSERT INTO deliveries (id, tenant_id, job_id, event_id, livemode, url, state, attempts, attempts_left,
			next_attempt_at, last_attempt_at, last_status, created_at, delivered_at)
			SELECT 'dlv_' || i, ` + tenant + `, 'ses_' || i, 'evo_' || i, ` + live + `, 'https://erp.example/hook', 'delivered', 1, 6,
			` + at(ended) + `, ` + at(ended) + `, 200, ` + at(ended) + `, ` + at(ended) + ` FROM n WHERE i % 10 <> 9`,
		series + `INSERT INTO delivery_attempts (id, delivery_id, number, started_at, duration_ns, status_code)
			SELECT 'att_' || i, 'dlv_' || i, 1, ` + at(ended) + `, (i % 1000) * 1000000,
			CASE WHEN i % 20 = 0 THEN 500 ELSE 200 END FROM n WHERE i % 10 <> 9`,
	}
	// VACUUM too on PostgreSQL: it marks the pages all-visible, as
	// autovacuum has long done in a database of this size, so that the
	// planner weighs index-only scans as it would there.
	statements = append(statements, map[bool]string{false: `ANALYZE`, true: `VACUUM ANALYZE`}[pg])
	for _, q := range statements {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("generate: %v\n%s", err, q)
		}
	}
}

// tableScan is a line of SQLite's plan that reads a whole table or index:
// SCAN without a virtual table (json_each) behind it.
var tableScan = regexp.MustCompile(`^SCAN \w+(?: USING (?:COVERING )?INDEX \w+)?$`)

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
	searches := 0
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
		if tableScan.MatchString(detail) {
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
