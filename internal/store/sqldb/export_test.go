package sqldb

import "github.com/atomyx/submit/internal/store"

// DashboardQuery is one of the dashboard's queries with its arguments, for
// the test that EXPLAINs them.
type DashboardQuery struct {
	Name string
	SQL  string
	Args []any
}

// DashboardQueries returns the queries the dashboard's methods run for p.
func (db *DB) DashboardQueries(p store.DashboardParams) []DashboardQuery {
	var out []DashboardQuery
	for _, q := range []struct {
		name string
		fn   func(store.DashboardParams) (string, []any)
	}{
		{"JobDays", db.jobDaysQuery}, {"AttemptHours", db.attemptHoursQuery},
		{"TopFindings", db.topFindingsQuery}, {"ApprovalTimes", db.approvalTimesQuery},
	} {
		sql, args := q.fn(p)
		out = append(out, DashboardQuery{q.name, sql, args})
	}
	return out
}

// CreateJobsInOneBatch runs the creates as one batch of PostgreSQL's job
// inserts, whatever else is queued, and returns each one's outcome; nil
// when the store does not batch them.
func (db *DB) CreateJobsInOneBatch(ps []store.CreateJobParams) []error {
	if db.jb == nil {
		return nil
	}
	batch := make([]*jobCreate, len(ps))
	for i, p := range ps {
		args, err := db.jobArgs(p.Job)
		if err != nil {
			panic(err)
		}
		batch[i] = &jobCreate{p: p, args: args, done: make(chan error, 1)}
	}
	db.jb.run(batch)
	errs := make([]error, len(ps))
	for i, c := range batch {
		errs[i] = <-c.done
	}
	return errs
}

// LookupKeysInOneStatement answers the lookups with one of PostgreSQL's
// shared statements, whatever else is queued; nil when the store does not
// share them.
func (db *DB) LookupKeysInOneStatement(lookups []string) ([]store.APIKey, []error) {
	if db.kl == nil {
		return nil, nil
	}
	batch := make([]*keyLookup, len(lookups))
	for i, l := range lookups {
		batch[i] = &keyLookup{lookup: l, done: make(chan keyFound, 1)}
	}
	db.kl.run(batch)
	keys := make([]store.APIKey, len(lookups))
	errs := make([]error, len(lookups))
	for i, l := range batch {
		f := <-l.done
		keys[i], errs[i] = f.key, f.err
	}
	return keys, errs
}
