package sqldb

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// The dashboard's queries each start from an index of migration 0016 on
// (tenant_id, livemode, time), so that they read one tenant's rows in the
// chart's window and nothing else. They group in SQL and return a few
// hundred rows at most; only the approval times are read row by row, and
// those are bounded by p.Limit.

// outcomeTypes is the WHERE clause of the partial index events_outcomes,
// word for word: SQLite uses a partial index only for a query that repeats
// its condition. (events_approved's is type = 'approved'.)
const outcomeTypes = `type IN ('approved', 'rejected', 'cancelled', 'expired')`

// defaultApprovals is how many of the latest approvals ApprovalTimes reads
// when not told: enough for steady percentiles, few enough to stay cheap.
const defaultApprovals = 10000

// JobDays counts the jobs created and the rounds ended per UTC day.
func (db *DB) JobDays(ctx context.Context, p store.DashboardParams) ([]store.JobDay, error) {
	type row struct {
		day, kind string
		n         int
	}
	query, args := db.jobDaysQuery(p)
	rows, err := queryAll(ctx, db.r, func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.day, &r.kind, &r.n)
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("count jobs per day of %s: %w", p.TenantID, err)
	}
	byDay := map[string]*store.JobDay{}
	for _, r := range rows {
		d := byDay[r.day]
		if d == nil {
			t, err := time.Parse(time.DateOnly, r.day)
			if err != nil {
				return nil, fmt.Errorf("count jobs per day of %s: %w", p.TenantID, err)
			}
			d = &store.JobDay{Day: t, Outcomes: map[job.Status]int{}}
			byDay[r.day] = d
		}
		if r.kind == "created" {
			d.Created = r.n
		} else {
			d.Outcomes[job.Status(r.kind)] = r.n
		}
	}
	out := make([]store.JobDay, 0, len(byDay))
	for _, d := range byDay {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b store.JobDay) int { return a.Day.Compare(b.Day) })
	return out, nil
}

// AttemptHours counts callback attempts per UTC hour by outcome and
// duration bucket in SQL, and estimates each hour's p95 from the buckets.
func (db *DB) AttemptHours(ctx context.Context, p store.DashboardParams) ([]store.AttemptHour, error) {
	type row struct {
		hour       string
		ok, bucket int
		n          int
	}
	query, args := db.attemptHoursQuery(p)
	rows, err := queryAll(ctx, db.r, func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.hour, &r.ok, &r.bucket, &r.n)
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("count attempts per hour of %s: %w", p.TenantID, err)
	}
	type hour struct {
		h       store.AttemptHour
		buckets []int
	}
	byHour := map[string]*hour{}
	for _, r := range rows {
		h := byHour[r.hour]
		if h == nil {
			t, err := time.Parse("2006-01-02T15", r.hour)
			if err != nil {
				return nil, fmt.Errorf("count attempts per hour of %s: %w", p.TenantID, err)
			}
			h = &hour{h: store.AttemptHour{Hour: t}, buckets: make([]int, len(store.LatencyBounds)+1)}
			byHour[r.hour] = h
		}
		if r.ok == 1 {
			h.h.Delivered += r.n
		} else {
			h.h.Failed += r.n
		}
		h.buckets[r.bucket] += r.n
	}
	out := make([]store.AttemptHour, 0, len(byHour))
	for _, h := range byHour {
		h.h.P95 = quantile(0.95, h.buckets)
		out = append(out, h.h)
	}
	slices.SortFunc(out, func(a, b store.AttemptHour) int { return a.Hour.Compare(b.Hour) })
	return out, nil
}

// quantile estimates the q-quantile of durations counted in buckets with
// upper bounds store.LatencyBounds (and an open last one), interpolating
// linearly within the bucket it falls in. A quantile in the open bucket is
// the last bound: all that is known is that it is more.
func quantile(q float64, buckets []int) time.Duration {
	total := 0
	for _, n := range buckets {
		total += n
	}
	if total == 0 {
		return 0
	}
	rank, seen := q*float64(total), 0
	bounds := store.LatencyBounds
	for i, n := range buckets {
		if n == 0 || float64(seen+n) < rank {
			seen += n
			continue
		}
		if i == len(bounds) {
			return bounds[len(bounds)-1]
		}
		lo := time.Duration(0)
		if i > 0 {
			lo = bounds[i-1]
		}
		f := (rank - float64(seen)) / float64(n)
		return lo + time.Duration(math.Round(f*float64(bounds[i]-lo)))
	}
	return bounds[len(bounds)-1]
}

// TopFindings counts, per finding code of the preflights in the window,
// the jobs that had it and those of them approved now.
func (db *DB) TopFindings(ctx context.Context, p store.DashboardParams) ([]store.FindingCount, error) {
	query, args := db.topFindingsQuery(p)
	fs, err := queryAll(ctx, db.r, func(s scanner) (store.FindingCount, error) {
		var f store.FindingCount
		return f, s.Scan(&f.Code, &f.Jobs, &f.Approved)
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("count findings of %s: %w", p.TenantID, err)
	}
	return fs, nil
}

// ApprovalTimes reads the latest approvals in the window with the upload
// time of the version approved, and takes the percentiles in Go: the read
// is bounded by p.Limit, and the databases share no percentile function.
func (db *DB) ApprovalTimes(ctx context.Context, p store.DashboardParams) (store.ApprovalTimes, error) {
	query, args := db.approvalTimesQuery(p)
	ds, err := queryAll(ctx, db.r, func(s scanner) (time.Duration, error) {
		var approved, uploaded time.Time
		err := s.Scan(timeDest{&approved}, timeDest{&uploaded})
		return approved.Sub(uploaded), err
	}, query, args...)
	if err != nil {
		return store.ApprovalTimes{}, fmt.Errorf("time approvals of %s: %w", p.TenantID, err)
	}
	slices.Sort(ds)
	return store.ApprovalTimes{Count: len(ds), Median: rank(ds, 0.5), P90: rank(ds, 0.9)}, nil
}

// rank is the nearest-rank q-percentile of sorted durations: the smallest
// value with at least q of them at or below it; 0 for none.
func rank(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// The queries of the dashboard, apart from their methods so that a test
// can EXPLAIN them (export_test.go).

func (db *DB) jobDaysQuery(p store.DashboardParams) (string, []any) {
	return `SELECT substr(` + db.d.TimeText("created_at") + `, 1, 10), 'created', COUNT(*) FROM jobs
		WHERE tenant_id = $1 AND livemode = $2 AND created_at >= $3 GROUP BY 1
		UNION ALL
		SELECT substr(` + db.d.TimeText("occurred_at") + `, 1, 10), type, COUNT(*) FROM events
		WHERE tenant_id = $1 AND livemode = $2 AND ` + outcomeTypes + ` AND occurred_at >= $3 GROUP BY 1, 2`, []any{p.TenantID, p.Livemode, db.t(p.Since)}
}

// attemptHoursQuery counts attempts by hour, outcome and duration bucket.
// A delivery with an attempt in the window has its last attempt in it
// too, so the index on last_attempt_at finds every one of them. CROSS
// JOIN keeps SQLite to that order (its planner would rather read every
// tenant's attempts by time); PostgreSQL reads it as a plain join.
func (db *DB) attemptHoursQuery(p store.DashboardParams) (string, []any) {
	var bucket strings.Builder
	bucket.WriteString("CASE")
	for i, b := range store.LatencyBounds {
		fmt.Fprintf(&bucket, " WHEN a.duration_ns <= %d THEN %d", int64(b), i)
	}
	fmt.Fprintf(&bucket, " ELSE %d END", len(store.LatencyBounds))
	return `SELECT substr(` + db.d.TimeText("a.started_at") + `, 1, 13),
		CASE WHEN a.status_code BETWEEN 200 AND 299 THEN 1 ELSE 0 END, ` + bucket.String() + `, COUNT(*)
		FROM deliveries d CROSS JOIN delivery_attempts a
		WHERE a.delivery_id = d.id AND d.tenant_id = $1 AND d.livemode = $2 AND d.last_attempt_at >= $3
		AND d.job_id IS NOT NULL AND a.started_at >= $3
		GROUP BY 1, 2, 3`, []any{p.TenantID, p.Livemode, db.t(p.Since)}
}

func (db *DB) topFindingsQuery(p store.DashboardParams) (string, []any) {
	limit := p.Limit
	if limit <= 0 {
		limit = 10
	}
	// Whether a job is approved is looked up per preflight, by the job's
	// key: a join would let a database hash the whole jobs table instead.
	// Each job counts once per code however often it had it.
	return `SELECT code, COUNT(*), SUM(approved) FROM (
		SELECT DISTINCT e.job_id, f.value ->> 'code' AS code, e.approved
		FROM (SELECT job_id, errors, (SELECT CASE WHEN j.status = 'approved' THEN 1 ELSE 0 END
			FROM jobs j WHERE j.id = events.job_id) AS approved
			FROM events WHERE tenant_id = $1 AND livemode = $2 AND occurred_at >= $3
			AND type IN ('preflight_passed', 'preflight_failed')
			ORDER BY occurred_at DESC LIMIT ` + strconv.Itoa(store.FindingsRead) + `) e, ` + db.d.JSONEach + `(e.errors) f
		) c GROUP BY code ORDER BY 2 DESC, 1 LIMIT $4`, []any{p.TenantID, p.Livemode, db.t(p.Since), limit}
}

func (db *DB) approvalTimesQuery(p store.DashboardParams) (string, []any) {
	limit := p.Limit
	if limit <= 0 {
		limit = defaultApprovals
	}
	// The version's upload time is looked up per approval, by its key, for
	// the same reason as in topFindingsQuery.
	return `SELECT occurred_at, (SELECT v.created_at FROM artwork_versions v WHERE v.id = events.artwork_version_id)
		FROM events WHERE tenant_id = $1 AND livemode = $2 AND type = 'approved' AND occurred_at >= $3
		AND artwork_version_id IS NOT NULL ORDER BY occurred_at DESC LIMIT $4`, []any{p.TenantID, p.Livemode, db.t(p.Since), limit}
}
