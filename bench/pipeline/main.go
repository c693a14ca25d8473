// Command pipeline benchmarks the customer flow from upload to proof:
//
//   - upload → proof_generated, through a real `submit serve` process, for a
//     20-page image-heavy PDF and a 250-page book;
//   - proof rendering per page (internal/proof, as the pipeline runs it)
//     against `pdftoppm -r 150 -jpeg` on the same files, in the same run;
//   - the server's peak RSS (VmHWM) while it takes a 500 MB PDF from upload
//     to proof.
//
// Every file is generated here (internal/pdfwrite), so the run needs only
// Go and poppler-utils. Run from the repository root:
//
//	go run ./bench/pipeline [-big-mb 500] [-keep]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/atomyx/submit/bench/internal/server"
	"github.com/atomyx/submit/internal/pdfium"
	"github.com/atomyx/submit/internal/pdfwrite"
	"github.com/atomyx/submit/internal/proof"
)

func main() {
	bigMB := flag.Int("big-mb", 500, "size of the large file in MB")
	keep := flag.Bool("keep", false, "keep the generated files and data directories")
	flag.Parse()
	// The in-process renders below collect garbage as `submit serve` does.
	pdfium.TuneGC(os.Getenv)
	if err := run(*bigMB, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// file is one generated input.
type file struct {
	name, path string
	pages      int
}

func run(bigMB int, keep bool) error {
	dir, err := os.MkdirTemp("", "submit-bench-pipeline-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	bin, err := server.Build(dir)
	if err != nil {
		return err
	}
	files, err := generate(dir, bigMB)
	if err != nil {
		return err
	}
	// Warm the renderer's compilation cache once; every server shares it,
	// so no measured server compiles PDFium (an operator's second start).
	warm, err := pdfium.New(pdfium.Options{CacheDir: filepath.Join(dir, "cache", "renderer")})
	if err != nil {
		return err
	}
	warm.Close()
	fmt.Printf("%-14s %6s %9s %12s %10s %12s %12s %8s %12s %8s\n", "file", "pages", "MB", "to proof", "peak RSS", "ours/page", "pdftoppm/pg", "ratio", "1 core/page", "ratio")
	for _, f := range files {
		st, _ := os.Stat(f.path)
		res, err := serverRun(bin, filepath.Join(dir, "data-"+f.name), f)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		ours, err := renderOurs(f, dir, 2)
		if err != nil {
			return fmt.Errorf("%s: render: %w", f.name, err)
		}
		theirs, err := renderPoppler(f, dir)
		if err != nil {
			return fmt.Errorf("%s: pdftoppm: %w", f.name, err)
		}
		oneCore, err := renderOurs(f, dir, 1)
		if err != nil {
			return fmt.Errorf("%s: render: %w", f.name, err)
		}
		fmt.Printf("%-14s %6d %9.1f %12s %9dM %12s %12s %8.2f %12s %8.2f\n", f.name, f.pages, float64(st.Size())/1e6,
			res.toProof.Round(10*time.Millisecond), res.peakKB/1024, ours.Round(100*time.Microsecond),
			theirs.Round(100*time.Microsecond), float64(ours)/float64(theirs),
			oneCore.Round(100*time.Microsecond), float64(oneCore)/float64(theirs))
		if res.status != "proof_generated" {
			fmt.Printf("  (ended %s: %s)\n", res.status, res.note)
		}
	}
	fmt.Println("\nto proof: PUT /api/jobs/{id}/artwork start → job status proof_generated (polled every 50 ms), fresh server per file.")
	fmt.Println("peak RSS: VmHWM of the server process over its whole life (start, upload, preflight, proof).")
	fmt.Println("ours/page: internal/proof as the pipeline runs it (PDFium/wazero, 150 dpi, JPEG q85, up to 2 instances on one document), wall time per page;")
	fmt.Println("pdftoppm/pg: pdftoppm -r 150 -jpeg, one process, wall time per page; ratio < 1 means ours is faster;")
	fmt.Println("1 core/page: internal/proof with one instance, the cost of a page on one core, against the same pdftoppm run.")
	return nil
}

// generate writes the three inputs.
func generate(dir string, bigMB int) ([]file, error) {
	specs := []struct {
		name string
		spec pdfwrite.SampleSpec
	}{
		// 20 A4 pages, each its own 300 ppi photo (2480×3508).
		{"images-20", pdfwrite.SampleSpec{Pages: 20, ImageW: 2480, ImageH: 3508, Noise: 24, DistinctImages: true}},
		// A 250-page A5 book: 38 lines of text-like shapes per page.
		{"book-250", pdfwrite.SampleSpec{Pages: 250, TrimW: 148, TrimH: 210, Lines: 38}},
	}
	var out []file
	for _, s := range specs {
		f, err := write(dir, s.name, s.spec)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	// The large file: 300 ppi photos, one object per page, until bigMB.
	probe, err := write(dir, "probe", pdfwrite.SampleSpec{Pages: 1, ImageW: 2480, ImageH: 3508, Noise: 120, JPEGQuality: 95})
	if err != nil {
		return nil, err
	}
	st, _ := os.Stat(probe.path)
	pages := max(1, int(int64(bigMB)*1e6/st.Size()))
	big, err := write(dir, fmt.Sprintf("big-%dMB", bigMB), pdfwrite.SampleSpec{Pages: pages, ImageW: 2480, ImageH: 3508, Noise: 120, JPEGQuality: 95, DistinctImages: true})
	if err != nil {
		return nil, err
	}
	return append(out, big), nil
}

func write(dir, name string, s pdfwrite.SampleSpec) (file, error) {
	path := filepath.Join(dir, name+".pdf")
	f, err := os.Create(path)
	if err != nil {
		return file{}, err
	}
	defer f.Close()
	if err := pdfwrite.WriteSample(f, s); err != nil {
		return file{}, err
	}
	return file{name: name, path: path, pages: s.Pages}, nil
}

// result is one server run.
type result struct {
	toProof      time.Duration
	peakKB       int
	status, note string
}

// serverRun starts a fresh server, uploads the file and waits for the
// proof, then reads the server's peak RSS.
func serverRun(bin, dataDir string, f file) (result, error) {
	srv, err := server.Start(bin, dataDir, filepath.Join(filepath.Dir(dataDir), "cache"))
	if err != nil {
		return result{}, err
	}
	defer srv.Stop()
	id, err := srv.CreateJob("BENCH-1")
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	if err := srv.Upload(id, f.path); err != nil {
		return result{}, err
	}
	status, note, err := srv.WaitDone(id, 30*time.Minute)
	if err != nil {
		return result{}, err
	}
	res := result{toProof: time.Since(start), status: status, note: note}
	res.peakKB, err = srv.PeakKB()
	return res, err
}

// renderOurs renders every page with the pipeline's renderer settings and
// a pool of the given number of instances, and returns the wall time per
// page (JPEG encoding included).
func renderOurs(f file, dir string, workers int) (time.Duration, error) {
	pool, err := pdfium.New(pdfium.Options{CacheDir: filepath.Join(dir, "cache", "renderer"), Workers: workers})
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	r := proof.New(pool, proof.Options{})
	in, err := os.Open(f.path)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	st, _ := in.Stat()
	start := time.Now()
	// Pages are discarded: this measures rendering and encoding.
	n, err := r.Render(context.Background(), in, st.Size(), func(proof.Page) error { return nil })
	if err != nil {
		return 0, err
	}
	return time.Since(start) / time.Duration(max(n, 1)), nil
}

// renderPoppler runs pdftoppm -r 150 -jpeg on the file and returns the time
// per page.
func renderPoppler(f file, dir string) (time.Duration, error) {
	out := filepath.Join(dir, "poppler-"+f.name)
	if err := os.MkdirAll(out, 0o750); err != nil {
		return 0, err
	}
	defer os.RemoveAll(out)
	start := time.Now()
	if b, err := exec.Command("pdftoppm", "-r", "150", "-jpeg", f.path, filepath.Join(out, "p")).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("%v: %s", err, b)
	}
	return time.Since(start) / time.Duration(f.pages), nil
}
