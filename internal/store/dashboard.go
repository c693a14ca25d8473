package store

import (
	"context"
	"time"

	"github.com/atomyx/submit/internal/job"
)

// DashboardStore is what Manage's dashboard charts read: each method is one
// indexed query over one tenant's rows in one mode since p.Since, so that
// its cost follows the chart's window, not the size of the database.
type DashboardStore interface {
	// JobDays counts, per UTC day since p.Since, the jobs created and the
	// rounds that ended by outcome (approved, rejected, cancelled,
	// expired events), oldest day first; days with nothing are left out.
	JobDays(ctx context.Context, p DashboardParams) ([]JobDay, error)
	// AttemptHours counts, per UTC hour since p.Since, the callback
	// attempts that were answered 2xx and those that were not, with an
	// estimate of the 95th percentile of their duration, oldest hour
	// first; hours without attempts are left out. Test pings are not
	// counted, as in DeliveryCounts.
	AttemptHours(ctx context.Context, p DashboardParams) ([]AttemptHour, error)
	// TopFindings returns the p.Limit finding codes found in the most jobs
	// by the latest FindingsRead preflights since p.Since, each with how
	// many of those jobs are approved now; most jobs first, then by code.
	// p.Limit is 10 when 0.
	TopFindings(ctx context.Context, p DashboardParams) ([]FindingCount, error)
	// ApprovalTimes times the latest p.Limit approvals since p.Since from
	// the upload of the approved artwork version (its creation); p.Limit
	// is 10,000 when 0.
	ApprovalTimes(ctx context.Context, p DashboardParams) (ApprovalTimes, error)
}

// DashboardParams selects one tenant's rows in one mode for a chart.
type DashboardParams struct {
	TenantID string
	Livemode bool
	Since    time.Time
	// Limit bounds what is returned or read; 0 means the method's default.
	Limit int
}

// JobDay is one day of the jobs chart.
type JobDay struct {
	Day      time.Time // midnight UTC
	Created  int
	Outcomes map[job.Status]int // approved, rejected, cancelled, expired
}

// AttemptHour is one hour of the callbacks chart.
type AttemptHour struct {
	Hour      time.Time // the start of the hour, UTC
	Delivered int       // answered 2xx
	Failed    int       // an error or another status
	// P95 estimates the 95th percentile of the attempts' durations, from
	// a histogram with bounds LatencyBounds: exact to the bucket, linear
	// within it, as Prometheus' histogram_quantile.
	P95 time.Duration
}

// LatencyBounds are the upper bounds of the buckets AttemptHours counts
// attempt durations in; the last bucket is open (the callback timeout).
var LatencyBounds = []time.Duration{
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
	30 * time.Second,
}

// FindingsRead bounds the preflights TopFindings reads, the latest first,
// so that its cost stays the same however many jobs a tenant has: a
// sample of this size ranks the frequent codes as all of them would.
const FindingsRead = 5000

// FindingCount is one finding code of the findings chart.
type FindingCount struct {
	Code     string
	Jobs     int // jobs with the finding
	Approved int // of those, the ones approved now
}

// ApprovalTimes are how long approvals took from upload.
type ApprovalTimes struct {
	Count       int // approvals timed
	Median, P90 time.Duration
}
