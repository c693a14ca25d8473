package sqldb

import (
	"context"
	"database/sql"
)

// Statement is one statement of a pipeline, with the function that reads
// each row it returns (nil when its rows, if any, do not matter).
type Statement struct {
	SQL  string
	Args []any
	Row  func(row Scanner) error
}

// pipeline runs stmts in order as one transaction: in one round trip
// where the dialect can (Dialect.Pipeline), else one after another in
// inTx. Each statement sees what those before it wrote. A statement that
// fails ends the transaction, which then writes nothing; an error from a
// Row function is returned too but, with a dialect's pipeline, does not
// undo the writes (the transaction has committed by then), so Row should
// only fail on what cannot be read.
func (db *DB) pipeline(ctx context.Context, stmts ...Statement) error {
	if db.d.Pipeline != nil {
		return db.d.Pipeline(ctx, db.w, stmts)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, s := range stmts {
			if err := runStatement(ctx, tx, s); err != nil {
				return err
			}
		}
		return nil
	})
}

func runStatement(ctx context.Context, q querier, s Statement) error {
	if s.Row == nil {
		_, err := q.ExecContext(ctx, s.SQL, s.Args...)
		return err
	}
	rows, err := q.QueryContext(ctx, s.SQL, s.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := s.Row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
