package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/atomyx/submit/internal/store/sqldb"
)

// pipeline sends stmts in one pgx batch on one connection of db: one round
// trip, and one implicit transaction, as the batch ends in a single Sync
// (and, with default_query_exec_mode=simple_protocol, is one multi-statement
// query, which runs as one transaction too). Each statement takes its own
// snapshot (READ COMMITTED), so one that follows a lock sees what the
// lock's previous holder committed.
func pipeline(ctx context.Context, db *sql.DB, stmts []sqldb.Statement) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("pipeline: a connection of %T, not pgx's", driverConn)
		}
		b := &pgx.Batch{}
		for _, s := range stmts {
			b.Queue(s.SQL, s.Args...)
		}
		br := c.Conn().SendBatch(ctx, b)
		if err := readBatch(br, stmts); err != nil {
			_ = br.Close() // the first error is the one that matters
			return err
		}
		return br.Close()
	})
}

// readBatch reads each statement's rows with its Row function, and stops
// at the first error.
func readBatch(br pgx.BatchResults, stmts []sqldb.Statement) error {
	for i, s := range stmts {
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("statement %d of %d: %w", i+1, len(stmts), err)
		}
		for rows.Next() {
			if s.Row == nil {
				continue
			}
			if err := s.Row(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("statement %d of %d: %w", i+1, len(stmts), err)
		}
	}
	return nil
}
