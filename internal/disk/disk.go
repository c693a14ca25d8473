// Package disk keeps uploads from filling the file system of the data
// directory. SQLite (and any database sharing that disk) cannot commit on
// a full disk, so one large upload could make every API call fail.
// Uploads are refused, with words, before the free space would fall under
// a floor, and a server under its floor reports itself not ready.
package disk

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
)

// ErrFull is wrapped when a write would take the free space under the
// floor, or when the disk itself refused a write for want of space.
var ErrFull = errors.New("not enough free disk space")

// IsFull reports whether err means the disk has no room: a refusal of a
// Floor, or a write the file system refused (ENOSPC, EDQUOT).
func IsFull(err error) bool {
	return errors.Is(err, ErrFull) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// Floor is the free space to keep on the file system of Dir. Writes in
// flight hold what they reserved, so uploads running at once cannot take
// the free space under the floor together. A nil Floor, or one with Min 0,
// checks nothing. It is safe for concurrent use.
type Floor struct {
	// Dir is a directory on the file system to watch: the data directory.
	Dir string
	// Min is the free space, in bytes, that uploads must leave.
	Min int64

	mu       sync.Mutex
	reserved int64
}

// Reserve checks that need more bytes can be written without the free
// space falling under the floor, counting the reservations of writes in
// flight, and holds them until release is called. The error wraps ErrFull
// when they cannot.
func (f *Floor) Reserve(need int64) (release func(), err error) {
	if f == nil || f.Min <= 0 {
		return func() {}, nil
	}
	free, err := Free(f.Dir)
	if err != nil {
		return nil, err
	}
	need = max(need, 0)
	f.mu.Lock()
	defer f.mu.Unlock()
	if left := free - f.reserved - need; left < f.Min {
		return nil, fmt.Errorf("%w: %s needed, %s free (%s held by writes in progress), %s must stay free",
			ErrFull, mib(need), mib(free), mib(f.reserved), mib(f.Min))
	}
	f.reserved += need
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			f.reserved -= need
			f.mu.Unlock()
		})
	}, nil
}

// Check reports, wrapping ErrFull, when the free space is already under
// the floor: the server then refuses every upload.
func (f *Floor) Check() error {
	release, err := f.Reserve(0)
	if err == nil {
		release()
	}
	return err
}

// Free returns the bytes an unprivileged process may still write on the
// file system of dir.
func Free(dir string) (int64, error) {
	n, err := free(dir)
	if err != nil {
		return 0, fmt.Errorf("free space of %s: %w", dir, err)
	}
	return n, nil
}

// mib writes n for an operator's log.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
