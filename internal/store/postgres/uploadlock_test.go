package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/store/pgtest"
	tusd "github.com/tus/tusd/v2/pkg/handler"
)

// TestUploadLocker takes one upload's lock from two lockers on one
// database, as two processes would: the second cannot take it while the
// first holds it, can after Unlock, and can after the holder's session
// ends without unlocking (a process killed with SIGKILL).
func TestUploadLocker(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	first, second := openURL(t, url).UploadLocker(), openURL(t, url).UploadLocker()
	first.Poll, second.Poll = 10*time.Millisecond, 10*time.Millisecond
	uploadID := "job_" + id.Token(8) + "-" + id.Token(16)

	lock := func(l *UploadLocker, wait time.Duration) (tusd.Lock, error) {
		t.Helper()
		k, err := l.NewLock(uploadID)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), wait)
		defer cancel()
		return k, k.Lock(ctx, func() {})
	}
	held, err := lock(first, 5*time.Second)
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	if _, err := lock(second, 300*time.Millisecond); !errors.Is(err, tusd.ErrLockTimeout) {
		t.Fatalf("second lock while the first holds it: %v, want ErrLockTimeout", err)
	}
	if err := held.Unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	again, err := lock(second, 5*time.Second)
	if err != nil {
		t.Fatalf("second lock after the unlock: %v", err)
	}

	// The holder's session ends (its process died): the lock is free.
	var pid int
	err = first.db.QueryRowContext(t.Context(),
		`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
		   AND ((classid::bigint << 32) | objid::bigint) = $1`, lockKey(uploadID)).Scan(&pid)
	if err != nil {
		t.Fatalf("find the holder's session: %v", err)
	}
	if _, err := first.db.ExecContext(t.Context(), `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	if _, err := lock(first, 5*time.Second); err != nil {
		t.Errorf("lock after the holder's session ended: %v", err)
	}
	if err := again.Unlock(); err == nil {
		t.Error("unlock on a terminated session: no error")
	}
}
