package disk_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// TestReserveBody: a write's hold shrinks as its bytes are written, so
// an upload in progress is not counted twice (written and still held);
// a body of unknown length holds the limit.
func TestReserveBody(t *testing.T) {
	dir := disktest.Tmpfs(t, "40m")
	f := &disk.Floor{Dir: dir, Min: 16 << 20}
	if _, _, err := f.ReserveBody(-1, 30<<20, strings.NewReader("")); !errors.Is(err, disk.ErrFull) {
		t.Errorf("a body of unknown length, up to 30 MiB, on 40 MiB with a 16 MiB floor: %v, want ErrFull", err)
	}
	body, release, err := f.ReserveBody(20<<20, 30<<20, bytes.NewReader(make([]byte, 20<<20)))
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "upload"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.CopyN(out, body, 10<<20); err != nil {
		t.Fatal(err)
	}
	// 30 MiB free, 10 MiB still held, 16 MiB floor: 4 MiB for others.
	// Counting the written half again would leave none.
	if err := f.Check(); err != nil {
		t.Errorf("Check halfway through a write that fits: %v", err)
	}
	other, err := f.Reserve(3 << 20)
	if err != nil {
		t.Errorf("3 MiB beside a write half done: %v", err)
	} else {
		other()
	}
	release()
	release() // twice is harmless
	all, err := f.Reserve(13 << 20)
	if err != nil {
		t.Errorf("13 MiB once the write's hold is released: %v", err)
	} else {
		all()
	}
}
