package sqldb

import (
	"context"
	"fmt"
)

// ReleaseLeases ends every lease held on deliveries, jobs' pipeline work
// and logo checks, and returns how many it ended. It is for a process
// that knows no other can be holding one: a SQLite server at start, which
// holds its data directory alone (the serve lock), so that what a killed
// process was doing is taken up at once rather than when its leases run
// out. Attempt counts are left as they are: the pipeline still counts a
// step that died with its process.
func (db *DB) ReleaseLeases(ctx context.Context) (int64, error) {
	var n int64
	for _, q := range []string{
		`UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL`,
		`UPDATE jobs SET work_owner = NULL, work_until = NULL WHERE work_owner IS NOT NULL`,
		`UPDATE logos SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL`,
	} {
		res, err := db.w.ExecContext(ctx, q)
		if err != nil {
			return n, fmt.Errorf("release leases: %w", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}
