package postgres

import (
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/store/pgtest"
	"github.com/atomyx/submit/internal/store/sqldb"
)

// TestPipeline: a pipeline is one transaction in every query mode pgx
// can be given in the database URL (operations.md suggests exec behind a
// pooler): its statements see each other's writes and share one
// transaction, their rows reach their Row functions, and a failed
// statement leaves nothing of those before it.
func TestPipeline(t *testing.T) {
	t.Parallel()
	base := pgtest.URL(t)
	for _, mode := range []string{"", "exec", "simple_protocol", "describe_exec", "cache_describe"} {
		t.Run("mode="+mode, func(t *testing.T) {
			url := base
			if mode != "" {
				sep := "?"
				if strings.Contains(url, "?") {
					sep = "&"
				}
				url += sep + "default_query_exec_mode=" + mode
			}
			db := openURL(t, url)
			w, ctx := db.Writer(), t.Context()
			table := "pipeline_" + strings.ReplaceAll(mode, "_", "")
			if _, err := w.ExecContext(ctx, `CREATE TABLE `+table+` (v int PRIMARY KEY)`); err != nil {
				t.Fatal(err)
			}
			var inserted, seen int
			var txids []int64
			scanInt := func(dst *int) func(sqldb.Scanner) error {
				return func(row sqldb.Scanner) error { return row.Scan(dst) }
			}
			txid := func(row sqldb.Scanner) error {
				var id int64
				err := row.Scan(&id)
				txids = append(txids, id)
				return err
			}
			err := pipeline(ctx, w, []sqldb.Statement{
				{SQL: `SELECT txid_current()`, Row: txid},
				{SQL: `INSERT INTO ` + table + ` (v) VALUES ($1) RETURNING v`, Args: []any{7}, Row: scanInt(&inserted)},
				{SQL: `SELECT count(*) FROM ` + table + ` WHERE v = $1`, Args: []any{7}, Row: scanInt(&seen)},
				{SQL: `SELECT txid_current()`, Row: txid},
			})
			if err != nil {
				t.Fatal(err)
			}
			if inserted != 7 || seen != 1 {
				t.Errorf("inserted %d, and the next statement saw %d rows of it; want 7 and 1", inserted, seen)
			}
			if len(txids) != 2 || txids[0] != txids[1] {
				t.Errorf("transaction ids %v: want one transaction", txids)
			}

			err = pipeline(ctx, w, []sqldb.Statement{
				{SQL: `INSERT INTO ` + table + ` (v) VALUES ($1)`, Args: []any{8}},
				{SQL: `INSERT INTO ` + table + ` (v) VALUES ($1)`, Args: []any{7}}, // taken
				{SQL: `INSERT INTO ` + table + ` (v) VALUES ($1)`, Args: []any{9}},
			})
			if err == nil || !isUnique(err) {
				t.Fatalf("a pipeline with a duplicate key: %v, want a unique violation", err)
			}
			var n int
			if err := w.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != 1 {
				t.Errorf("%d rows after the failed pipeline (%v), want the 1 from before", n, err)
			}
		})
	}
}
