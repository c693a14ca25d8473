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
