package storetest

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// GeneratedJobs is how many jobs GenerateJobs inserts: a year of them,
// four in five the first tenant's, so that a dashboard chart's window
// holds a small share of the table, as it does in a database that has
// grown.
const GeneratedJobs = 100000

// The finding codes of the generated preflights: one of codesA and one
// of codesB each, real codes so that a picture of the dashboard reads as
// one would.
var (
	codesA = []string{"INSUFFICIENT_BLEED", "LOW_RESOLUTION_IMAGE", "RGB_COLOR", "FONT_NOT_EMBEDDED",
		"TRIM_SIZE_MISMATCH", "SMALL_TEXT", "HAIRLINE", "TRANSPARENCY", "INSUFFICIENT_BLEED", "LOW_RESOLUTION_IMAGE",
		"SPOT_COLORS", "PAGE_COUNT_MISMATCH", "INSUFFICIENT_BLEED"}
	codesB = []string{"OUTPUT_INTENT_MISSING", "RGB_COLOR", "TRIMBOX_MISSING", "LOW_RESOLUTION_BITMAP",
		"WHITE_OVERPRINT", "OUTPUT_INTENT_MISSING", "LAB_COLOR"}
)

// codeOf is a CASE that picks codes[expr].
func codeOf(expr string, codes []string) string {
	var b strings.Builder
	b.WriteString("CASE " + expr)
	for i, c := range codes {
		fmt.Fprintf(&b, " WHEN %d THEN '%s'", i, c)
	}
	b.WriteString(" END")
	return b.String()
}

// GeneratedNow is the present of the jobs GenerateJobs inserts.
var GeneratedNow = time.Date(2026, 5, 11, 10, 0, 0, 0, time.UTC)

// GenerateJobs inserts GeneratedJobs jobs with their artwork versions,
// events (uploaded, a preflight with two findings, how it ended), the
// callback of the end and its attempt, in a few statements of SQL, for
// tests and benchmarks of the dashboard. Job i was created i × 315 s
// before GeneratedNow; i % 5 == 4 is tenant b's, and those with i % 10 ==
// 9 are test jobs whose preflight failed; i % 10 decides how the others
// ended. pg says that db is PostgreSQL. The tenants must exist.
func GenerateJobs(t testing.TB, db *sql.DB, pg bool, a, b string) {
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
		live    = `(i % 10 <> 9)`
		created = `(-315 * i)`
		ended   = `(-315 * i + 3600 + (i % 50) * 600)`
		outcome = `CASE i % 10 WHEN 6 THEN 'rejected' WHEN 7 THEN 'cancelled' WHEN 8 THEN 'expired' ELSE 'approved' END`
	)
	tenant := `CASE WHEN i % 5 = 4 THEN '` + strings.ReplaceAll(b, "'", "''") + `' ELSE '` + strings.ReplaceAll(a, "'", "''") + `' END`
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
			` + js(`'[{"code":"' || `+codeOf("i % 13", codesA)+` || '"},{"code":"' || `+codeOf("i % 7", codesB)+` || '"}]'`) + `, ` + at(created+` + 120`) + `
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
