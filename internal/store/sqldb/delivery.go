package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// deliverySelect reads deliveries with their event's sequence (0 for a
// ping, which has no event).
var deliverySelect = `SELECT ` + qualify("d", deliveryColumns) + `, COALESCE(e.sequence, 0)
	FROM deliveries d LEFT JOIN events e ON e.id = d.event_id`

func scanDelivery(row scanner) (store.Delivery, error) {
	var d store.Delivery
	err := row.Scan(append(deliveryDests(&d), &d.Sequence)...)
	return d, err
}

// deliveryColumns are a delivery's own columns, in deliveryDests' order.
const deliveryColumns = `id, tenant_id, job_id, event_id, livemode, url, state, attempts,
	attempts_left, next_attempt_at, last_attempt_at, last_status, last_error, created_at,
	delivered_at, failed_at, resolved_at, resolved_note`

// deliveryDests are where a row's deliveryColumns are scanned into d.
func deliveryDests(d *store.Delivery) []any {
	return []any{&d.ID, &d.TenantID, stringDest{&d.JobID}, stringDest{&d.EventID}, &d.Livemode,
		&d.URL, &d.State, &d.Attempts, &d.AttemptsLeft, timeDest{&d.NextAttemptAt},
		nullTimeDest{&d.LastAttemptAt}, &d.LastStatus, &d.LastError, timeDest{&d.CreatedAt},
		nullTimeDest{&d.DeliveredAt}, nullTimeDest{&d.FailedAt}, nullTimeDest{&d.ResolvedAt},
		&d.ResolvedNote}
}

// insertDelivery inserts d with q, inside a transition's transaction or
// on its own.
func (db *DB) insertDelivery(ctx context.Context, q querier, d store.Delivery) error {
	if d.State == "" {
		d.State = store.DeliveryPending
	}
	_, err := q.ExecContext(ctx, `INSERT INTO deliveries (id, tenant_id, job_id, event_id, livemode,
		url, state, attempts, attempts_left, next_attempt_at, last_attempt_at, last_status, last_error,
		created_at, delivered_at, failed_at, resolved_at, resolved_note, host, attempts_started)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $8)`,
		d.ID, d.TenantID, nullString(d.JobID), nullString(d.EventID), d.Livemode, d.URL, d.State,
		d.Attempts, d.AttemptsLeft, db.t(d.NextAttemptAt), db.nt(d.LastAttemptAt), d.LastStatus,
		d.LastError, db.t(d.CreatedAt), db.nt(d.DeliveredAt), db.nt(d.FailedAt), db.nt(d.ResolvedAt),
		d.ResolvedNote, store.HostKey(d.URL))
	if err != nil {
		return fmt.Errorf("insert delivery %s: %w", d.ID, db.conflict(err))
	}
	return nil
}

// CreateDelivery inserts a delivery that belongs to no transition. An empty
// State is pending.
func (db *DB) CreateDelivery(ctx context.Context, d store.Delivery) error {
	if err := db.insertDelivery(ctx, db.w, d); err != nil {
		return fmt.Errorf("create delivery: %w", err)
	}
	return nil
}

// delivery reads one delivery of the tenant's with q.
func (db *DB) delivery(ctx context.Context, q querier, tenantID, deliveryID string) (store.Delivery, error) {
	d, err := scanDelivery(q.QueryRowContext(ctx, deliverySelect+` WHERE d.id = $1 AND d.tenant_id = $2`,
		deliveryID, tenantID))
	return d, notFound(err)
}

// Delivery returns one delivery of the tenant's.
func (db *DB) Delivery(ctx context.Context, tenantID, deliveryID string) (store.Delivery, error) {
	d, err := db.delivery(ctx, db.r, tenantID, deliveryID)
	if err != nil {
		return store.Delivery{}, fmt.Errorf("delivery %s: %w", deliveryID, err)
	}
	return d, nil
}

// ListDeliveries returns a job's deliveries in event sequence order.
func (db *DB) ListDeliveries(ctx context.Context, tenantID, jobID string) ([]store.Delivery, error) {
	ds, err := queryAll(ctx, db.r, scanDelivery, deliverySelect+` WHERE d.job_id = $1 AND d.tenant_id = $2
		ORDER BY COALESCE(e.sequence, 0), d.created_at, d.id`, jobID, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", jobID, err)
	}
	return ds, nil
}

// ListExceptions returns a tenant's deliveries that failed for good and are
// not resolved, those that failed first first.
func (db *DB) ListExceptions(ctx context.Context, p store.ListExceptionsParams) ([]store.Delivery, error) {
	var q params
	query := deliverySelect + ` WHERE d.tenant_id = ` + q.add(p.TenantID) +
		` AND d.livemode = ` + q.add(p.Livemode) + ` AND d.state = 'failed'`
	if p.URL != "" {
		query += ` AND d.url = ` + q.add(p.URL)
	}
	query += ` ORDER BY d.failed_at, d.id LIMIT ` + q.add(limitOr(p.Limit))
	ds, err := queryAll(ctx, db.r, scanDelivery, query, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list exceptions of %s: %w", p.TenantID, err)
	}
	return ds, nil
}

// claimQuery leases the due deliveries, at most $5 per host counting the
// leases running on each (busy): a lease is an attempt in flight, in any
// process, and only a pending delivery has one (every write that ends an
// attempt or a round clears it), which lets busy read the small index of
// leases alone. The scan skips hosts already at their limit and looks at most
// $6 due rows ahead; ranked then numbers each host's rows after its busy
// ones, so a host with room gets only what it has room for. A delivery
// waits while its job has an earlier event's delivery to the same URL that
// is pending and was never attempted, so that a job's events are first
// attempted in sequence order; pings have no job and never wait. The
// UPDATE checks state and lease again, as a row may have changed since
// the scan read it. $1 worker, $2 lease end, $3 now, $4 limit. States are
// literals, not arguments, here and wherever a partial index is meant to
// serve the query: PostgreSQL matches a partial index only against
// constants.
var claimQuery = `WITH busy AS (
	SELECT host, COUNT(*) AS n FROM deliveries
	WHERE lease_until IS NOT NULL AND lease_until > $3
	GROUP BY host),
due AS (
	SELECT d.id, d.host, d.job_id, d.url, d.event_id, d.next_attempt_at FROM deliveries d
	WHERE d.state = 'pending' AND d.next_attempt_at <= $3
		AND (d.lease_until IS NULL OR d.lease_until <= $3)
		AND d.host NOT IN (SELECT host FROM busy WHERE n >= $5)
	ORDER BY d.next_attempt_at, d.id
	LIMIT $6),
ranked AS (
	SELECT due.*, COALESCE(busy.n, 0) + ROW_NUMBER() OVER (
		PARTITION BY due.host ORDER BY due.next_attempt_at, due.id) AS slot
	FROM due LEFT JOIN busy ON busy.host = due.host),
pick AS (
	SELECT r.id FROM ranked r LEFT JOIN events e ON e.id = r.event_id
	WHERE r.slot <= $5 AND NOT EXISTS (
		SELECT 1 FROM deliveries b JOIN events be ON be.id = b.event_id
		WHERE b.job_id = r.job_id AND b.url = r.url AND b.state = 'pending'
			AND b.attempts = 0 AND be.sequence < e.sequence)
	ORDER BY r.next_attempt_at, r.id
	LIMIT $4)
UPDATE deliveries SET lease_owner = $1, lease_until = $2, attempts_started = attempts_started + 1
FROM pick WHERE deliveries.id = pick.id AND deliveries.state = 'pending'
	AND (deliveries.lease_until IS NULL OR deliveries.lease_until <= $3)
RETURNING ` + qualify("deliveries", deliveryColumns) + `, deliveries.attempts_started`

// claimedEvents reads the events of the deliveries just leased to $1
// until $2: the claim's own. Another lease of that worker with that very
// end (a claim at the same instant) adds only rows that are not looked
// up. lease_until IS NOT NULL, a constant, lets deliveries_leased serve
// it.
const claimedEvents = `SELECT ` + eventColumns + ` FROM events WHERE id IN (
	SELECT event_id FROM deliveries WHERE lease_until IS NOT NULL AND lease_owner = $1 AND lease_until = $2)`

// claimedSecrets reads the signing secrets valid at $3 of the tenants of
// the deliveries just leased to $1 until $2, newest first.
const claimedSecrets = `SELECT tenant_id, secret FROM signing_secrets
	WHERE (expires_at IS NULL OR expires_at > $3) AND tenant_id IN (
		SELECT tenant_id FROM deliveries WHERE lease_until IS NOT NULL AND lease_owner = $1 AND lease_until = $2)
	ORDER BY created_at DESC, id DESC`

// qualify puts table. before each of the comma-separated columns.
func qualify(table, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = table + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// noHostLimit stands for "no per-host limit" in claimQuery.
const noHostLimit = 1 << 30

// ClaimDeliveries leases up to p.Limit due deliveries to p.Worker until
// p.Now + p.Lease, at most p.PerHost per host across every worker, and
// returns them, earliest due first, with their event and their tenant's
// signing secrets.
func (db *DB) ClaimDeliveries(ctx context.Context, p store.ClaimParams) ([]store.ClaimedDelivery, error) {
	if p.Worker == "" {
		return nil, errors.New("claim deliveries: no worker name")
	}
	perHost := int64(p.PerHost)
	if perHost <= 0 {
		perHost = noHostLimit
	}
	limit := limitOr(p.Limit)
	// The look-ahead: the rows the claim ranks. Hosts at their limit are
	// skipped before it, so it holds the claimable rows of hosts with
	// room, and a host that fills up during this claim is skipped by the
	// next (the worker claims again while a claim finds something). Few
	// rows keep a claim cheap however long the backlog: the rows ranked
	// are most of a claim's cost.
	lookAhead := int64(limit) + min(perHost, 64)
	leaseEnd := db.t(p.Now.Add(p.Lease))
	var claimed []store.ClaimedDelivery
	events := map[string]*job.Event{}
	secrets := map[string][]string{}
	stmts := []Statement{{
		SQL:  claimQuery,
		Args: []any{p.Worker, leaseEnd, db.t(p.Now), limit, perHost, lookAhead},
		Row: func(row scanner) error {
			var c store.ClaimedDelivery
			err := row.Scan(append(deliveryDests(&c.Delivery), &c.Attempt)...)
			claimed = append(claimed, c)
			return err
		},
	}, {
		SQL:  claimedEvents,
		Args: []any{p.Worker, leaseEnd},
		Row: func(row scanner) error {
			e, err := scanEvent(row)
			events[e.ID] = &e
			return err
		},
	}, {
		SQL:  claimedSecrets,
		Args: []any{p.Worker, leaseEnd, db.t(p.Now)},
		Row: func(row scanner) error {
			var tenantID, secret string
			err := row.Scan(&tenantID, &secret)
			secrets[tenantID] = append(secrets[tenantID], secret)
			return err
		},
	}}
	if db.d.ClaimDeliveriesLock != "" {
		stmts = append([]Statement{{SQL: db.d.ClaimDeliveriesLock}}, stmts...)
	}
	// One round trip on PostgreSQL: the claim lock, the claim and the
	// reads of its events and signing secrets. The lock holds until the
	// claim commits.
	if err := db.pipeline(ctx, stmts...); err != nil {
		return nil, fmt.Errorf("claim deliveries for %s: %w", p.Worker, err)
	}
	for i := range claimed {
		claimed[i].Secrets = secrets[claimed[i].Delivery.TenantID]
		if e := events[claimed[i].Delivery.EventID]; e != nil {
			claimed[i].Event = e
			claimed[i].Delivery.Sequence = e.Sequence
		}
	}
	slices.SortFunc(claimed, func(a, b store.ClaimedDelivery) int {
		return cmp.Or(a.Delivery.NextAttemptAt.Compare(b.Delivery.NextAttemptAt),
			cmp.Compare(a.Delivery.ID, b.Delivery.ID))
	})
	return claimed, nil
}

// RenewDeliveries moves p.Worker's leases on p.IDs to p.Until.
func (db *DB) RenewDeliveries(ctx context.Context, p store.RenewDeliveriesParams) error {
	if len(p.IDs) == 0 {
		return nil
	}
	var q params
	// The rows are locked in id order, the order RecordAttempts writes
	// them in, so a renewal and a batch of records never deadlock.
	query := `UPDATE deliveries SET lease_until = ` + q.add(db.t(p.Until)) + ` WHERE id IN (
		SELECT id FROM deliveries WHERE lease_owner = ` + q.add(p.Worker) + ` AND state = 'pending'
		AND id IN (` + q.list(p.IDs) + `) ORDER BY id ` + db.d.LockRows + `)`
	if _, err := db.w.ExecContext(ctx, query, q.args...); err != nil {
		return fmt.Errorf("renew %d delivery leases of %s: %w", len(p.IDs), p.Worker, err)
	}
	return nil
}

// RecordAttempt stores one attempt and the delivery's new state in one
// transaction, and clears the lease (RecordAttempts, for one).
func (db *DB) RecordAttempt(ctx context.Context, p store.AttemptParams) (store.Delivery, error) {
	var tenantID string
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		tenantID, err = db.recordAttempt(ctx, tx, p)
		return err
	})
	if err != nil {
		return store.Delivery{}, fmt.Errorf("record attempt on %s: %w", p.DeliveryID, err)
	}
	return db.Delivery(ctx, tenantID, p.DeliveryID)
}

// RecordAttempts records several attempts in one transaction, so that one
// commit serves them all: on PostgreSQL a commit waits for its WAL to
// reach the disk, and the callback worker records an attempt per
// delivery. errs has one entry per attempt, nil when it was recorded;
// err is set when the transaction failed and nothing was.
//
// The attempts are written in delivery id order, the order in which a
// heartbeat's RenewDeliveries locks the same rows: in any other order the
// two can each hold a row the other waits for, and PostgreSQL then aborts
// one of them, here a whole batch of attempts already sent.
func (db *DB) RecordAttempts(ctx context.Context, ps []store.AttemptParams) (errs []error, err error) {
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(ps[a].DeliveryID, ps[b].DeliveryID) })
	if db.d.Pipeline != nil && db.d.WritableCTE {
		errs, err = db.recordInOneTrip(ctx, ps, order)
	} else {
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			errs = make([]error, len(ps))
			for _, i := range order {
				_, err := db.recordAttempt(ctx, tx, ps[i])
				switch {
				case errors.Is(err, store.ErrStale) || errors.Is(err, store.ErrNotFound):
					errs[i] = err
				case err != nil:
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("record %d attempts: %w", len(ps), err)
	}
	for i, err := range errs {
		if err != nil {
			errs[i] = fmt.Errorf("record attempt on %s: %w", ps[i].DeliveryID, err)
		}
	}
	return errs, nil
}

// recordInOneTrip is RecordAttempts in one round trip: a pipeline of one
// endAttemptCTE per attempt, in the given order. A statement that returns
// no row changed nothing (the lease was lost, or the delivery is gone),
// and is told apart after the commit.
func (db *DB) recordInOneTrip(ctx context.Context, ps []store.AttemptParams, order []int) ([]error, error) {
	recorded := make([]bool, len(ps))
	stmts := make([]Statement, 0, len(ps))
	for _, i := range order {
		args, err := db.attemptArgs(ps[i])
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, Statement{SQL: endAttemptCTE, Args: args,
			Row: func(scanner) error {
				recorded[i] = true
				return nil
			}})
	}
	if err := db.pipeline(ctx, stmts...); err != nil {
		return nil, db.conflict(err)
	}
	errs := make([]error, len(ps))
	for i, ok := range recorded {
		if !ok {
			errs[i] = whyNotLeased(ctx, db.w, ps[i].DeliveryID)
		}
	}
	return errs, nil
}

// recordAttempt ends one attempt inside tx and returns the delivery's
// tenant. The attempt's number is the one its claim counted
// (attempts_started), whatever p.Attempt.Number says, so that numbers never
// repeat, not even after an attempt a crash cut off. ErrStale when the
// lease was lost, ErrNotFound when the delivery is gone; neither writes.
func (db *DB) recordAttempt(ctx context.Context, tx *sql.Tx, p store.AttemptParams) (string, error) {
	args, err := db.attemptArgs(p)
	if err != nil {
		return "", err
	}
	a := p.Attempt
	var tenantID string
	if db.d.WritableCTE {
		// One statement, one round trip.
		err = tx.QueryRowContext(ctx, endAttemptCTE, args...).Scan(&tenantID)
	} else {
		var number int
		err = tx.QueryRowContext(ctx, endAttempt+` RETURNING attempts_started, tenant_id`,
			args[:10]...).Scan(&number, &tenantID)
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO delivery_attempts
				(id, delivery_id, number, started_at, duration_ns, status_code, response, error)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, p.DeliveryID, number, db.t(a.StartedAt),
				int64(a.Duration), a.StatusCode, a.Response, a.Error)
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return "", whyNotLeased(ctx, tx, p.DeliveryID)
	}
	if err != nil {
		return "", fmt.Errorf("insert attempt %s: %w", a.ID, db.conflict(err))
	}
	return tenantID, nil
}

// attemptArgs are the arguments of endAttemptCTE for p: $1 to $10 end the
// attempt (endAttempt's), $11 to $17 are the attempt's own row.
func (db *DB) attemptArgs(p store.AttemptParams) ([]any, error) {
	a := p.Attempt
	finished := db.t(a.StartedAt.Add(a.Duration))
	var next, delivered, failed any
	switch p.Outcome {
	case store.DeliveryPending:
		next = db.t(p.NextAttemptAt)
	case store.DeliveryDelivered:
		delivered = finished
	case store.DeliveryFailed:
		failed = finished
	default:
		return nil, fmt.Errorf("unknown outcome %q", p.Outcome)
	}
	return []any{p.Outcome, next, delivered, failed, db.t(a.StartedAt), a.StatusCode, a.Error,
		p.DeliveryID, p.Worker, store.DeliveryPending,
		a.ID, p.DeliveryID, db.t(a.StartedAt), int64(a.Duration), a.StatusCode, a.Response, a.Error}, nil
}

// endAttemptCTE ends an attempt and inserts its row in one statement
// (WritableCTE), and returns the delivery's tenant; no row when the
// worker no longer holds the delivery. Matching lease_owner is what makes
// a lost lease ErrStale: once another worker claims the delivery, this
// worker's attempt no longer changes it.
const endAttemptCTE = `WITH d AS (` + endAttempt + ` RETURNING attempts_started, tenant_id),
	a AS (INSERT INTO delivery_attempts
		(id, delivery_id, number, started_at, duration_ns, status_code, response, error)
		SELECT $11, $12, d.attempts_started, $13, $14, $15, $16, $17 FROM d)
	SELECT tenant_id FROM d`

// endAttempt ends an attempt on a delivery its worker holds: $1 outcome,
// $2 next attempt, $3 delivered, $4 failed, $5 started, $6 status,
// $7 error, $8 delivery, $9 worker, $10 pending.
const endAttempt = `UPDATE deliveries SET state = $1, attempts = attempts + 1,
	attempts_left = CASE WHEN attempts_left > 0 THEN attempts_left - 1 ELSE 0 END,
	next_attempt_at = COALESCE($2, next_attempt_at), delivered_at = COALESCE($3, delivered_at),
	failed_at = COALESCE($4, failed_at), last_attempt_at = $5, last_status = $6,
	last_error = $7, lease_owner = NULL, lease_until = NULL
	WHERE id = $8 AND lease_owner = $9 AND state = $10`

// whyNotLeased tells a missing delivery from one whose lease is lost.
func whyNotLeased(ctx context.Context, q querier, deliveryID string) error {
	var state string
	var owner sql.NullString
	err := q.QueryRowContext(ctx, `SELECT state, lease_owner FROM deliveries WHERE id = $1`,
		deliveryID).Scan(&state, &owner)
	if err != nil {
		return notFound(err)
	}
	return fmt.Errorf("%w: the delivery is %s and leased to %q", store.ErrStale, state, owner.String)
}

func scanAttempt(row scanner) (store.Attempt, error) {
	var a store.Attempt
	var ns int64
	err := row.Scan(&a.ID, &a.DeliveryID, &a.Number, timeDest{&a.StartedAt}, &ns,
		&a.StatusCode, &a.Response, &a.Error)
	a.Duration = time.Duration(ns)
	return a, err
}

// ListAttempts returns a delivery's attempts, first first.
func (db *DB) ListAttempts(ctx context.Context, deliveryID string) ([]store.Attempt, error) {
	as, err := queryAll(ctx, db.r, scanAttempt, `SELECT id, delivery_id, number, started_at,
		duration_ns, status_code, response, error FROM delivery_attempts
		WHERE delivery_id = $1 ORDER BY number`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("list attempts of %s: %w", deliveryID, err)
	}
	return as, nil
}

// ListJobAttempts returns the attempts of a job's deliveries by delivery.
func (db *DB) ListJobAttempts(ctx context.Context, tenantID, jobID string) (map[string][]store.Attempt, error) {
	as, err := queryAll(ctx, db.r, scanAttempt, `SELECT a.id, a.delivery_id, a.number, a.started_at,
		a.duration_ns, a.status_code, a.response, a.error FROM delivery_attempts a
		JOIN deliveries d ON d.id = a.delivery_id
		WHERE d.job_id = $1 AND d.tenant_id = $2 ORDER BY a.delivery_id, a.number`, jobID, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list attempts of job %s: %w", jobID, err)
	}
	byDelivery := map[string][]store.Attempt{}
	for _, a := range as {
		byDelivery[a.DeliveryID] = append(byDelivery[a.DeliveryID], a)
	}
	return byDelivery, nil
}

// Redeliver makes a delivery that is not pending pending again, due at
// p.At with p.Attempts attempts left, to p.URL when set, and clears how its
// last round ended.
// A pending delivery is returned unchanged.
func (db *DB) Redeliver(ctx context.Context, p store.RedeliverParams) (store.Delivery, error) {
	var d store.Delivery
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := db.delivery(ctx, tx, p.TenantID, p.DeliveryID)
		if err != nil {
			return err
		}
		if cur.JobID == "" {
			return fmt.Errorf("%w: a test ping is never sent again", store.ErrStale)
		}
		url := cmp.Or(p.URL, cur.URL)
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = $1, next_attempt_at = $2,
			attempts_left = $3, delivered_at = NULL, failed_at = NULL, resolved_at = NULL,
			resolved_note = '', lease_owner = NULL, lease_until = NULL, url = $6, host = $7
			WHERE id = $4 AND tenant_id = $5 AND state <> $1`,
			store.DeliveryPending, db.t(p.At), p.Attempts, p.DeliveryID, p.TenantID, url,
			store.HostKey(url)); err != nil {
			return err
		}
		d, err = db.delivery(ctx, tx, p.TenantID, p.DeliveryID)
		return err
	})
	if err != nil {
		return store.Delivery{}, fmt.Errorf("redeliver %s: %w", p.DeliveryID, err)
	}
	return d, nil
}

// ResolveDelivery closes an exception without delivering it. ErrStale if
// the delivery is not failed (any more).
func (db *DB) ResolveDelivery(ctx context.Context, p store.ResolveParams) (store.Delivery, error) {
	var d store.Delivery
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = $1, resolved_at = $2,
			resolved_note = $3 WHERE id = $4 AND tenant_id = $5 AND state = $6`,
			store.DeliveryResolved, db.t(p.At), p.Note, p.DeliveryID, p.TenantID, store.DeliveryFailed)
		if err != nil {
			return err
		}
		changed := mustAffect(res) == nil
		if d, err = db.delivery(ctx, tx, p.TenantID, p.DeliveryID); err != nil {
			return err
		}
		if !changed {
			return fmt.Errorf("%w: the delivery is %s, not %s", store.ErrStale, d.State, store.DeliveryFailed)
		}
		return nil
	})
	if err != nil {
		return store.Delivery{}, fmt.Errorf("resolve delivery %s: %w", p.DeliveryID, err)
	}
	return d, nil
}

// NextDeliveryAt returns when the earliest pending delivery falls due: its
// next attempt, or the end of its lease if that is later, since a leased
// delivery is only due again if its worker never reports back.
func (db *DB) NextDeliveryAt(ctx context.Context) (time.Time, error) {
	var t *time.Time
	err := db.r.QueryRowContext(ctx, `SELECT MIN(CASE
		WHEN lease_until IS NOT NULL AND lease_until > next_attempt_at THEN lease_until
		ELSE next_attempt_at END) FROM deliveries WHERE state = 'pending'`).Scan(nullTimeDest{&t})
	if err != nil {
		return time.Time{}, fmt.Errorf("next delivery: %w", err)
	}
	if t == nil {
		return time.Time{}, fmt.Errorf("next delivery: %w", store.ErrNotFound)
	}
	return *t, nil
}
