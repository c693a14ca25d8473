// Package proctest measures what a piece of work costs a process: it runs
// a test in a process of its own, so that nothing else the test binary
// did counts, and reads the process's memory from /proc (Linux).
//
// The parent calls Run with the child test's name; the child, seeing its
// environment, resets the peak with ResetPeak, does the work, reads
// Status and hands its figures back with Report.
package proctest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// resultPrefix starts the line a child prints its result on.
const resultPrefix = "PROCTEST "

// Run runs the test named test of this test binary in a new process with
// env added to the environment, waits at most limit, and decodes what
// the child passed to Report into result.
func Run(t *testing.T, test string, limit time.Duration, env []string, result any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child %s: %v\n%s%s", test, err, out.String(), stderr.String())
	}
	for line := range strings.Lines(out.String()) {
		if js, ok := strings.CutPrefix(line, resultPrefix); ok {
			if err := json.Unmarshal([]byte(js), result); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("child %s printed no result:\n%s%s", test, out.String(), stderr.String())
}

// Report prints the child's result for Run.
func Report(t *testing.T, result any) {
	t.Helper()
	js, err := json.Marshal(result)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s%s\n", resultPrefix, js)
}

// ResetPeak resets the process's peak resident size (VmHWM) to its
// current resident size, by writing 5 to /proc/self/clear_refs, so that
// the peak read next is the work's. It reports whether it could.
func ResetPeak() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// Status reads a "VmXXX: n kB" line of /proc/self/status (VmHWM, VmRSS),
// in bytes.
func Status(t *testing.T, key string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", key)
	return 0
}
