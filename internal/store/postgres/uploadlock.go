package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"
)

// UploadLocker is tusd's Locker for resumable uploads shared by several
// processes: tusd takes an upload's lock for every HEAD, PATCH and DELETE,
// so that two requests never write the same upload at once, and with
// several `submit serve` processes behind a load balancer a customer's
// resume may reach another process than the request it replaces. tusd's
// memorylocker would let both write.
//
// A lock is a PostgreSQL session-level advisory lock, taken on a
// connection set aside from the pool for as long as the lock is held.
// PostgreSQL releases it when that session ends, so a process killed with
// SIGKILL leaves no lock behind: its connections close and the resume on
// another process takes the lock at once. The cost is one connection of
// the pool per request in progress on an upload (a PATCH of one chunk).
//
// tusd asks a lock's holder to let go (the requestRelease callback) when
// another request wants it, so that a PATCH left hanging by a dropped
// connection does not block the resume. That request is passed on within
// the process; a holder in another process is not asked, and ends when
// its body stops arriving (the server's body read deadline), within
// tusd's wait for a lock (AcquireLockTimeout, 20 s).
type UploadLocker struct {
	db *sql.DB
	// Poll is how often a wanted lock is tried again. Default 100 ms.
	Poll time.Duration

	mu   sync.Mutex
	held map[string]func() // requestRelease of the locks this process holds
}

// uploadLockNamespace keeps the upload locks' keys apart from the other
// advisory locks on the database (the migrations' lock).
const uploadLockNamespace = "submit/tus-upload\x00"

// UploadLocker returns the locker of resumable uploads on this database.
func (db *DB) UploadLocker() *UploadLocker { return NewUploadLocker(db.Writer()) }

// NewUploadLocker makes a locker that takes its connections from db.
func NewUploadLocker(db *sql.DB) *UploadLocker {
	return &UploadLocker{db: db, held: map[string]func(){}}
}

// UseIn makes the locker the one of tusd's composer.
func (l *UploadLocker) UseIn(c *tusd.StoreComposer) { c.UseLocker(l) }

// NewLock returns the lock of one upload, not yet taken.
func (l *UploadLocker) NewLock(id string) (tusd.Lock, error) {
	return &uploadLock{l: l, id: id, key: lockKey(id)}, nil
}

// lockKey is the advisory lock's 64-bit key of an upload id.
func lockKey(id string) int64 {
	h := fnv.New64a()
	h.Write([]byte(uploadLockNamespace))
	h.Write([]byte(id))
	return int64(h.Sum64())
}

type uploadLock struct {
	l    *UploadLocker
	id   string
	key  int64
	conn *sql.Conn // while held
}

// Lock tries the lock until it is taken or ctx ends (tusd.ErrLockTimeout).
func (k *uploadLock) Lock(ctx context.Context, requestRelease func()) error {
	if k.conn != nil {
		return errors.New("upload lock: already held")
	}
	conn, err := k.l.db.Conn(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return tusd.ErrLockTimeout
		}
		return fmt.Errorf("upload lock: take a connection: %w", err)
	}
	poll := k.l.Poll
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	for asked := false; ; {
		var ok bool
		err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, k.key).Scan(&ok)
		if err == nil && ok {
			k.conn = conn
			k.l.mu.Lock()
			k.l.held[k.id] = requestRelease
			k.l.mu.Unlock()
			return nil
		}
		if err != nil {
			discard(conn)
			if ctx.Err() != nil {
				return tusd.ErrLockTimeout
			}
			return fmt.Errorf("upload lock %s: %w", k.id, err)
		}
		if !asked { // held: ask its holder to let go, if it is in this process
			asked = true
			k.l.mu.Lock()
			release := k.l.held[k.id]
			k.l.mu.Unlock()
			if release != nil {
				release()
			}
		}
		select {
		case <-ctx.Done():
			conn.Close()
			return tusd.ErrLockTimeout
		case <-time.After(poll):
		}
	}
}

// Unlock releases the lock and returns its connection to the pool. A
// connection whose unlock fails is closed instead: its session ends, and
// with it the lock.
func (k *uploadLock) Unlock() error {
	conn := k.conn
	if conn == nil {
		return nil
	}
	k.conn = nil
	k.l.mu.Lock()
	delete(k.l.held, k.id)
	k.l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock($1)`, k.key).Scan(&ok); err != nil || !ok {
		discard(conn)
		if err != nil {
			return fmt.Errorf("upload unlock %s: %w", k.id, err)
		}
		return fmt.Errorf("upload unlock %s: the lock was not held", k.id)
	}
	return conn.Close()
}

// discard closes the connection's session rather than returning it to the
// pool: database/sql closes a connection whose Raw call reports it bad.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
