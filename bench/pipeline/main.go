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
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

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
	bin := filepath.Join(dir, "submit")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/submit").CombinedOutput(); err != nil {
		return fmt.Errorf("build submit: %v\n%s", err, out)
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
	port, err := freePort()
	if err != nil {
		return result{}, err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return result{}, err
	}
	if err := os.Symlink(filepath.Join(filepath.Dir(dataDir), "cache"), filepath.Join(dataDir, "cache")); err != nil {
		return result{}, err
	}
	base := "http://" + port
	cmd := exec.Command(bin, "serve", "--data-dir", dataDir, "--addr", port, "--public-url", base, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "SUBMIT_ALLOW_INSECURE_URLS=true")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	key, err := readKey(stdout)
	if err != nil {
		return result{}, err
	}
	if err := waitReady(base); err != nil {
		return result{}, err
	}
	id, err := createJob(base, key)
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	if err := upload(base, key, id, f.path); err != nil {
		return result{}, err
	}
	status, note, err := waitDone(base, key, id, 30*time.Minute)
	if err != nil {
		return result{}, err
	}
	res := result{toProof: time.Since(start), status: status, note: note}
	res.peakKB, err = vmHWM(cmd.Process.Pid)
	return res, err
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

var keyRE = regexp.MustCompile(`sk_live_[A-Za-z0-9_-]+`)

// readKey finds the first key that serve prints on a new data directory,
// then drains the rest of stdout.
func readKey(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if k := keyRE.FindString(sc.Text()); k != "" {
			go func() { _, _ = io.Copy(io.Discard, r) }()
			return k, nil
		}
	}
	return "", fmt.Errorf("serve printed no API key")
}

func waitReady(base string) error {
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
	}
	return fmt.Errorf("server not ready after 2 minutes")
}

func call(method, url, key, ctype string, body io.Reader, size int64) (map[string]any, error) {
	req, err := http.NewRequestWithContext(context.Background(), method, url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if size > 0 {
		req.ContentLength = size
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return nil, fmt.Errorf("%s %s: %d: %w", method, url, resp.StatusCode, err)
	}
	if resp.StatusCode >= 300 {
		return v, fmt.Errorf("%s %s: %d %v", method, url, resp.StatusCode, v["detail"])
	}
	return v, nil
}

func createJob(base, key string) (string, error) {
	v, err := call("POST", base+"/api/jobs", key, "application/json", strings.NewReader(`{"externalId":"BENCH-1"}`), 0)
	if err != nil {
		return "", err
	}
	return v["id"].(string), nil
}

func upload(base, key, id, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, _ := f.Stat()
	_, err = call("PUT", base+"/api/jobs/"+id+"/artwork?filename="+filepath.Base(path), key, "application/pdf", f, st.Size())
	return err
}

// waitDone polls the job until the pipeline has nothing more to do.
func waitDone(base, key, id string, limit time.Duration) (status, note string, err error) {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		v, err := call("GET", base+"/api/jobs/"+id, key, "", nil, 0)
		if err != nil {
			return "", "", err
		}
		switch s := v["status"].(string); s {
		case "proof_generated":
			return s, "", nil
		case "preflight_failed":
			b, _ := json.Marshal(v["errors"])
			return s, string(b), nil
		}
	}
	return "", "", fmt.Errorf("no proof after %v", limit)
}

// vmHWM reads a process's peak resident set size in KiB.
func vmHWM(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
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
