// Command hostile benchmarks a server under hostile uploads: eight at once
// (two decompression bombs, two files of nested forms, two pages of a
// million operators, two ordinary 20-page files) while a client creates
// jobs. It prints
//
//   - the server's peak RSS (VmHWM) over the hostile run (target: under
//     512 MB);
//   - each ordinary file's time from upload to proof_generated, against the
//     same files uploaded together to an idle server in the same run (the
//     anchor; target: at most 2×);
//   - the p50 and p99 of POST /api/jobs during the hostile run, against the
//     same client on the idle server.
//
// Every file is generated here (internal/hostilepdf, internal/pdfwrite).
// Run from the repository root:
//
//	go run ./bench/hostile [-runs 1]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/atomyx/submit/bench/internal/server"
	"github.com/atomyx/submit/internal/hostilepdf"
	"github.com/atomyx/submit/internal/pdfium"
	"github.com/atomyx/submit/internal/pdfwrite"
)

func main() {
	runs := flag.Int("runs", 1, "how many times to run the idle anchor and the hostile run")
	flag.Parse()
	if err := run(*runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// upload is one generated input and whether it is an ordinary file.
type upload struct {
	name, path string
	ordinary   bool
}

func run(runs int) error {
	dir, err := os.MkdirTemp("", "submit-bench-hostile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := server.Build(dir)
	if err != nil {
		return err
	}
	files, err := generate(dir)
	if err != nil {
		return err
	}
	// Warm the renderer's compilation cache once, so no measured server
	// compiles PDFium.
	cache := filepath.Join(dir, "cache")
	warm, err := pdfium.New(pdfium.Options{CacheDir: filepath.Join(cache, "renderer")})
	if err != nil {
		return err
	}
	warm.Close()

	var ordinary []upload
	for _, f := range files {
		if f.ordinary {
			ordinary = append(ordinary, f)
		}
	}
	for i := range runs {
		idle, err := serve(bin, filepath.Join(dir, fmt.Sprintf("idle-%d", i)), cache, ordinary)
		if err != nil {
			return fmt.Errorf("idle run: %w", err)
		}
		hostile, err := serve(bin, filepath.Join(dir, fmt.Sprintf("hostile-%d", i)), cache, files)
		if err != nil {
			return fmt.Errorf("hostile run: %w", err)
		}
		report(i+1, idle, hostile)
	}
	fmt.Println("\nidle: a fresh server takes the two ordinary files at once while one client creates 50 jobs a second;")
	fmt.Println("hostile: a fresh server takes all eight files at once while the same client creates jobs.")
	fmt.Println("to proof: PUT /api/jobs/{id}/artwork start → proof_generated (polled every 50 ms); peak RSS: the server's VmHWM.")
	return nil
}

// generate writes the eight inputs.
func generate(dir string) ([]upload, error) {
	var out []upload
	add := func(name string, ordinary bool, write func(*os.File) error) error {
		path := filepath.Join(dir, name+".pdf")
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := write(f); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, upload{name: name, path: path, ordinary: ordinary})
		return f.Close()
	}
	for i := range 2 {
		steps := []struct {
			name     string
			ordinary bool
			write    func(*os.File) error
		}{
			{"bomb", false, file(hostilepdf.ContentBomb(hostilepdf.GiB * 4))},
			{"nested-forms", false, file(hostilepdf.NestedForms(6, 10))},
			{"million-ops", false, file(hostilepdf.MillionOperators(1_000_000))},
			// An ordinary leaflet: 20 A4 pages, each a 150 ppi picture
			// under 38 lines of text.
			{"ordinary", true, func(f *os.File) error {
				return pdfwrite.WriteSample(f, pdfwrite.SampleSpec{Pages: 20, ImageW: 1240, ImageH: 1754, Noise: 24, DistinctImages: true, Lines: 38})
			}},
		}
		for _, s := range steps {
			if err := add(fmt.Sprintf("%s-%d", s.name, i+1), s.ordinary, s.write); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// createsPerSecond paces the job-creating client: an ERP's steady traffic,
// not a load test that would itself take a core from the pipeline.
const createsPerSecond = 50

// file writes a generated file.
func file(b []byte) func(*os.File) error {
	return func(f *os.File) error { _, err := f.Write(b); return err }
}

// outcome is one server's run.
type outcome struct {
	peakKB   int
	toProof  map[string]time.Duration // ordinary files only
	ends     map[string]string        // every file: how it ended
	creates  []time.Duration          // POST /api/jobs latencies
	failures int                      // POST /api/jobs that failed
}

// serve starts a fresh server, uploads every file at once, each to its own
// job, while one client creates jobs at a steady pace, and waits until the
// pipeline is done with every file.
func serve(bin, dataDir, cache string, files []upload) (outcome, error) {
	srv, err := server.Start(bin, dataDir, cache)
	if err != nil {
		return outcome{}, err
	}
	defer srv.Stop()
	res := outcome{toProof: map[string]time.Duration{}, ends: map[string]string{}}

	stop := make(chan struct{})
	creator := make(chan struct{})
	go func() {
		defer close(creator)
		tick := time.NewTicker(time.Second / createsPerSecond)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			start := time.Now()
			if _, err := srv.CreateJob(fmt.Sprintf("LOAD-%d", n)); err != nil {
				res.failures++
				continue
			}
			res.creates = append(res.creates, time.Since(start))
		}
	}()

	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(files))
	for _, f := range files {
		wg.Go(func() {
			id, err := srv.CreateJob("BENCH-" + f.name)
			if err != nil {
				errs <- err
				return
			}
			start := time.Now()
			if err := srv.Upload(id, f.path); err != nil {
				errs <- fmt.Errorf("upload %s: %w", f.name, err)
				return
			}
			status, note, err := srv.WaitDone(id, 20*time.Minute)
			if err != nil {
				errs <- fmt.Errorf("%s: %w", f.name, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			res.ends[f.name] = status + " " + note
			if f.ordinary {
				if status != "proof_generated" {
					errs <- fmt.Errorf("ordinary file %s ended %s: %s", f.name, status, note)
					return
				}
				res.toProof[f.name] = time.Since(start)
			}
		})
	}
	wg.Wait()
	close(stop)
	<-creator
	close(errs)
	if err := <-errs; err != nil {
		return res, err
	}
	res.peakKB, err = srv.PeakKB()
	return res, err
}

func report(run int, idle, hostile outcome) {
	fmt.Printf("run %d\n", run)
	fmt.Printf("  peak RSS: idle %d MB, hostile %d MB (target < 512 MB)\n", idle.peakKB/1024, hostile.peakKB/1024)
	names := make([]string, 0, len(idle.toProof))
	for name := range idle.toProof {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		a, b := idle.toProof[name], hostile.toProof[name]
		fmt.Printf("  %-12s to proof: idle %8s, hostile %8s, ratio %.2f (target ≤ 2)\n", name,
			a.Round(10*time.Millisecond), b.Round(10*time.Millisecond), float64(b)/float64(a))
	}
	ip50, ip99 := percentiles(idle.creates)
	hp50, hp99 := percentiles(hostile.creates)
	fmt.Printf("  POST /api/jobs: idle p50 %s p99 %s (%d jobs), hostile p50 %s p99 %s (%d jobs, %d failed)\n",
		ip50, ip99, len(idle.creates), hp50, hp99, len(hostile.creates), hostile.failures)
	ends := make([]string, 0, len(hostile.ends))
	for name, end := range hostile.ends {
		ends = append(ends, fmt.Sprintf("    %-14s %s", name, clip(end, 140)))
	}
	slices.Sort(ends)
	fmt.Println("  how each hostile-run file ended:")
	for _, e := range ends {
		fmt.Println(e)
	}
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	if len(d) == 0 {
		return 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) time.Duration {
		return s[min(len(s)-1, int(q*float64(len(s))))].Round(10 * time.Microsecond)
	}
	return at(0.50), at(0.99)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
