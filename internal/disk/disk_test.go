package disk_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/atomyx/submit/internal/disk"
	"github.com/atomyx/submit/internal/disk/disktest"
)

// TestFloorOnASmallDisk: on a real 40 MiB file system, a reservation that
// would leave less than the floor is refused, reservations of writes in
// flight add up, and releasing one gives its room back.
func TestFloorOnASmallDisk(t *testing.T) {
	dir := disktest.Tmpfs(t, "40m")
	f := &disk.Floor{Dir: dir, Min: 10 << 20}
	free, err := disk.Free(dir)
	if err != nil || free < 39<<20 || free > 40<<20 {
		t.Fatalf("Free = %d, %v; want about 40 MiB", free, err)
	}
	if _, err := f.Reserve(31 << 20); !errors.Is(err, disk.ErrFull) {
		t.Errorf("Reserve of 31 MiB on 40 MiB with a 10 MiB floor: %v, want ErrFull", err)
	}
	first, err := f.Reserve(20 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Reserve(11 << 20); !errors.Is(err, disk.ErrFull) {
		t.Errorf("a second reservation while the first is held: %v, want ErrFull", err)
	}
	first()
	first() // twice is harmless
	second, err := f.Reserve(20 << 20)
	if err != nil {
		t.Errorf("after release: %v", err)
	} else {
		second()
	}
	if err := f.Check(); err != nil {
		t.Errorf("Check of an empty disk: %v", err)
	}
	disktest.Fill(t, dir, 5<<20)
	if err := f.Check(); !errors.Is(err, disk.ErrFull) {
		t.Errorf("Check with 5 MiB free and a 10 MiB floor: %v, want ErrFull", err)
	}
}

func TestFloorOff(t *testing.T) {
	var none *disk.Floor
	for _, f := range []*disk.Floor{none, {Dir: "/does/not/exist"}} {
		if release, err := f.Reserve(1 << 62); err != nil {
			t.Errorf("%+v: %v", f, err)
		} else {
			release()
		}
	}
	huge := &disk.Floor{Dir: t.TempDir(), Min: 1 << 62}
	if err := huge.Check(); !errors.Is(err, disk.ErrFull) {
		t.Errorf("a floor larger than any disk: %v, want ErrFull", err)
	}
	if _, err := (&disk.Floor{Dir: filepath.Join(t.TempDir(), "missing"), Min: 1}).Reserve(0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing directory: %v", err)
	}
}

func TestIsFull(t *testing.T) {
	write := &os.PathError{Op: "write", Path: "/data/tus/x", Err: syscall.ENOSPC}
	for err, want := range map[error]bool{
		fmt.Errorf("store: %w", write): true, fmt.Errorf("x: %w", disk.ErrFull): true,
		&os.PathError{Op: "write", Err: syscall.EDQUOT}: true, errors.New("connection reset"): false, nil: false,
	} {
		if got := disk.IsFull(err); got != want {
			t.Errorf("IsFull(%v) = %v", err, got)
		}
	}
}
