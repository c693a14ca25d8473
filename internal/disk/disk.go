// Package disk keeps uploads from filling the file system of the data
// directory. SQLite (and any database sharing that disk) cannot commit on
// a full disk, so one large upload could make every API call fail.
// Uploads are refused, with words, before the free space would fall under
// a floor, and a server under its floor reports itself not ready.
package disk

import (
	"errors"
	"fmt"
	"io"
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
	rr, err := f.hold(need, nil)
	if err != nil {
		return nil, err
	}
	return rr.release, nil
}

// hold reserves need bytes for a write of body (nil for none).
func (f *Floor) hold(need int64, body io.Reader) (*reservedReader, error) {
	if f == nil || f.Min <= 0 {
		return &reservedReader{r: body}, nil
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
	return &reservedReader{r: body, f: f, left: need}, nil
}

// ReserveBody is Reserve for writing body: what it holds shrinks by each
// byte body gives, since the file system's free space shrinks as those
// bytes are written, so that an upload in progress is not counted twice
// (once written, once still held). need < 0, a body of unknown length,
// holds limit, the most the body may be.
func (f *Floor) ReserveBody(need, limit int64, body io.Reader) (io.Reader, func(), error) {
	if need < 0 || need > limit {
		need = limit
	}
	rr, err := f.hold(need, body)
	if err != nil {
		return nil, nil, err
	}
	return rr, rr.release, nil
}

// reservedReader is a hold on a Floor: what is left of it, given back as
// the bytes of its body pass or when it is released.
type reservedReader struct {
	r    io.Reader
	f    *Floor // nil: nothing held
	left int64  // guarded by f.mu
}

func (rr *reservedReader) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	rr.give(int64(n))
	return n, err
}

// release gives back what is still held; twice is harmless.
func (rr *reservedReader) release() { rr.give(-1) }

// give gives back n bytes of the hold, or all of it for n < 0.
func (rr *reservedReader) give(n int64) {
	if rr.f == nil || n == 0 {
		return
	}
	rr.f.mu.Lock()
	defer rr.f.mu.Unlock()
	if n < 0 || n > rr.left {
		n = rr.left
	}
	rr.left -= n
	rr.f.reserved -= n
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
