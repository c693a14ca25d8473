package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes the serve lock of a SQLite data directory: one
// `submit serve` at a time may use it. SQLite itself would let two share
// the file, but each would then take the other's work for a dead
// process's; with the lock held, a starting server knows that every lease
// in its database is a dead process's and ends them at once. The lock is
// an flock on <data-dir>/serve.lock, released by the kernel when the
// process ends, however it ends. Other commands (key, user, migrate) do
// not take it.
func lockDataDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "serve.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another submit serve is using the data directory %s: stop it first, "+
				"give this one its own --data-dir, or run several processes on PostgreSQL (--database-url)", dir)
		}
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	return f, nil
}
