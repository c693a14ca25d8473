// Command jobs benchmarks POST /api/jobs.
//
// It starts `submit serve` on a fresh SQLite database and drives it with 32
// concurrent clients, then does the same against the floor: a bare net/http
// server (this program, in a child process) that decodes the same JSON and
// inserts one row into SQLite with the same settings (WAL, one writer
// connection, synchronous=NORMAL). It prints jobs/s and p50/p99 latency for
// both and the ratio. Run it from the repository root:
//
//	go run ./bench/jobs [-duration 10s] [-clients 32]
//
// With -db, a PostgreSQL URL whose user may create databases, it also runs
// `submit serve` on PostgreSQL: first one process, then -processes of them
// on one database, driven round robin by the clients themselves (no load
// balancer), each configuration on a database of its own that it creates
// and drops. It then prints PostgreSQL's ratios to SQLite and of several
// processes to one:
//
//	go run ./bench/jobs -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -processes 3
//
// Each configuration's line also gives the CPU per job of the server
// processes and, on PostgreSQL, of the database's processes, read from
// /proc (Linux) while it is driven.
//
// The servers inherit the environment, so SUBMIT_* variables set their
// settings: SUBMIT_DB_MAX_CONNS=8 tries a smaller pool. For PostgreSQL it
// also prints how many sessions the database opened while being driven.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atomyx/submit/bench/internal/pgdb"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

func main() {
	duration := flag.Duration("duration", 10*time.Second, "how long to drive each server")
	clients := flag.Int("clients", 32, "concurrent clients")
	floorAddr := flag.String("serve-floor", "", "internal: run the floor server on this address")
	floorDB := flag.String("floor-db", "", "internal: the floor's database file")
	binFlag := flag.String("bin", "", "a built submit binary (default: build ./cmd/submit)")
	pgURL := flag.String("db", "", "PostgreSQL URL of a user that may create databases: also run on PostgreSQL")
	processes := flag.Int("processes", 3, "with -db, how many submit serve processes share one PostgreSQL database in the last run")
	flag.Parse()
	if *floorAddr != "" {
		serveFloor(*floorAddr, *floorDB)
		return
	}
	dir, err := os.MkdirTemp("", "submit-bench-")
	check(err)
	defer os.RemoveAll(dir)

	bin := *binFlag
	if bin == "" {
		bin = filepath.Join(dir, "submit")
		run("go", "build", "-o", bin, "./cmd/submit")
	}
	self, err := os.Executable()
	check(err)

	fmt.Printf("POST /api/jobs, %d clients, %s each, %d cores\n\n", *clients, *duration, numCPU())
	floorAddrs := freeAddr()
	floor := start(exec.Command(self, "-serve-floor", floorAddrs, "-floor-db", filepath.Join(dir, "floor.db")))
	waitUp("http://" + floorAddrs + "/healthz")
	base := measure([]int{floor.Process.Pid}, false, func() result {
		return drive([]string{"http://" + floorAddrs + "/jobs"}, "", *clients, *duration)
	})
	stop(floor)

	lite := runSubmit(bin, filepath.Join(dir, "sqlite"), "", 1, *clients, *duration, nil)
	var pg1, pgN result
	if *pgURL != "" {
		pg1 = runPostgres(bin, filepath.Join(dir, "pg1"), *pgURL, 1, *clients, *duration)
		pgN = runPostgres(bin, filepath.Join(dir, "pgN"), *pgURL, *processes, *clients, *duration)
	}

	fmt.Printf("%-40s %9s %9s %9s %7s %11s %11s %9s\n", "", "jobs/s", "p50", "p99", "errors", "server CPU", "db CPU", "sessions")
	base.print("floor (decode + one INSERT, SQLite)")
	lite.print("submit serve, SQLite")
	if *pgURL != "" {
		pg1.print("submit serve, PostgreSQL, 1 process")
		pgN.print(fmt.Sprintf("submit serve, PostgreSQL, %d processes", *processes))
	}
	fmt.Printf("\nSQLite: submit reaches %.0f%% of the floor's throughput (target ≥ 50%%); p99 %s (target < 50ms)\n",
		100*lite.rate/base.rate, lite.p99.Round(10*time.Microsecond))
	if *pgURL != "" {
		fmt.Printf("PostgreSQL, 1 process: %.2f× SQLite's throughput (target ≥ 0.8×); p99 %s (target < 50ms)\n",
			pg1.rate/lite.rate, pg1.p99.Round(10*time.Microsecond))
		fmt.Printf("PostgreSQL, %d processes: %.2f× one process's throughput (target ≥ 0.9×); p99 %s (target < 100ms)\n",
			*processes, pgN.rate/pg1.rate, pgN.p99.Round(10*time.Microsecond))
	}
}

// runSubmit starts n `submit serve` processes on one database (dbURL, or
// SQLite when empty and n is 1), drives them round robin and stops them.
// sessions, when not nil, counts the database's sessions so far: the
// result has how many were opened while driving.
func runSubmit(bin, dir, dbURL string, n, clients int, d time.Duration, sessions func() int64) result {
	var urls []string
	var key string
	var pids []int
	for i := range n {
		addr := freeAddr()
		cmd, k := startSubmit(bin, filepath.Join(dir, fmt.Sprint(i)), addr, dbURL, i == 0)
		defer stop(cmd)
		pids = append(pids, cmd.Process.Pid)
		if i == 0 {
			key = k
		}
		urls = append(urls, "http://"+addr+"/api/jobs")
	}
	run := func() result {
		return measure(pids, dbURL != "", func() result { return drive(urls, key, clients, d) })
	}
	if sessions == nil {
		return run()
	}
	before := sessions()
	r := run()
	r.sessions = sessions() - before
	return r
}

// runPostgres runs submit on a database of its own, created for the run on
// the server of pgURL and dropped after.
func runPostgres(bin, dir, pgURL string, n, clients int, d time.Duration) result {
	db, err := pgdb.Create(pgURL, "bench")
	check(err)
	defer db.Drop()
	// PostgreSQL counts sessions as they start, in statistics it may
	// publish up to a second late.
	sessions := func() int64 {
		time.Sleep(time.Second)
		var n int64
		check(db.Admin.QueryRow(`SELECT sessions FROM pg_stat_database WHERE datname = $1`, db.Name).Scan(&n))
		return n
	}
	return runSubmit(bin, dir, db.URL, n, clients, d, sessions)
}

// body is a realistic job request, the same for both servers.
func body(i int64) []byte {
	return fmt.Appendf(nil, `{"externalId":"BENCH-%d","metadata":[{"propertyId":"orderNumber","propertyName":"Order number","value":"BENCH-%d"},{"propertyId":"customer","propertyName":"Customer","value":"Example Print Ltd"}],"brand":{"color":"#1A73E8","logo":"https://example.com/logo.png"},"callbackURL":"https://erp.example.com/hooks/submit","preflight":{"profile":"default","trimSize":{"width":210,"height":297,"unit":"mm"},"pageCount":2,"bleed":{"size":3,"unit":"mm"}}}`, i, i)
}

type result struct {
	rate     float64
	jobs     int
	p50, p99 time.Duration
	errors   int64
	sessions int64 // new database sessions while driving, on PostgreSQL
	// CPU per job of the server processes (SQLite's work is inside them)
	// and of PostgreSQL's processes.
	serverCPU, dbCPU time.Duration
}

func (r result) print(name string) {
	fmt.Printf("%-40s %9.0f %9s %9s %7d %11s %11s", clip(name, 40), r.rate, r.p50.Round(10*time.Microsecond),
		r.p99.Round(10*time.Microsecond), r.errors, perJob(r.serverCPU), perJob(r.dbCPU))
	if r.sessions > 0 {
		fmt.Printf(" %9d", r.sessions)
	}
	fmt.Println()
}

// drive sends requests from n clients for d, to each of urls in turn, and
// measures them.
func drive(urls []string, key string, n int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var seq, errs atomic.Int64
	lat := make([][]time.Duration, n)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for c := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				i := seq.Add(1)
				req, _ := http.NewRequest("POST", urls[i%int64(len(urls))], bytes.NewReader(body(i)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", i))
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				if err != nil || res.StatusCode != http.StatusCreated {
					errs.Add(1)
					continue
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		log.Fatalf("no successful request to %s", strings.Join(urls, ", "))
	}
	return result{
		rate: float64(len(all)) / elapsed.Seconds(), jobs: len(all), errors: errs.Load(),
		p50: all[len(all)/2], p99: all[len(all)*99/100],
	}
}

// floorJob is the request decoded by the floor, the same fields as Submit's.
type floorJob struct {
	ExternalID  string            `json:"externalId"`
	Metadata    []json.RawMessage `json:"metadata"`
	Brand       json.RawMessage   `json:"brand"`
	CallbackURL string            `json:"callbackURL"`
	Preflight   json.RawMessage   `json:"preflight"`
}

// serveFloor is the anchor: JSON decode and one INSERT, nothing else.
func serveFloor(addr, path string) {
	// The writer settings of internal/store/sqlite.
	dsn := path + "?_busy_timeout=10000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	check(err)
	db.SetMaxOpenConns(1)
	_, err = db.Exec(`CREATE TABLE jobs (id INTEGER PRIMARY KEY, external_id TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)`)
	check(err)
	http.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	http.HandleFunc("POST /jobs", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var j floorJob
		if err == nil {
			err = json.Unmarshal(b, &j)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := db.Exec(`INSERT INTO jobs (external_id, body, created_at) VALUES (?, ?, ?)`, j.ExternalID, string(b), time.Now().UTC())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		id, _ := res.LastInsertId()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%d}`, id)
	})
	check(http.ListenAndServe(addr, nil))
}

var keyRE = regexp.MustCompile(`sk_live_[0-9A-Za-z]{44}`)

// startSubmit starts the real server and, when first, reads the first key
// it prints: the processes after the first find the database bootstrapped.
func startSubmit(bin, dir, addr, dbURL string, first bool) (*exec.Cmd, string) {
	cmd := exec.Command(bin, "serve", "--data-dir", dir, "--addr", addr, "--log-level", "warn")
	if dbURL != "" {
		cmd.Args = append(cmd.Args, "--database-url", dbURL)
	}
	out, err := cmd.StdoutPipe()
	check(err)
	cmd.Stderr = os.Stderr
	start(cmd)
	keys := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if k := keyRE.FindString(sc.Text()); k != "" {
				keys <- k
			}
		}
	}()
	if !first {
		waitUp("http://" + addr + "/readyz")
		return cmd, ""
	}
	select {
	case k := <-keys:
		waitUp("http://" + addr + "/readyz")
		return cmd, k
	case <-time.After(60 * time.Second):
		log.Fatal("submit serve printed no key within 60s")
	}
	return nil, ""
}

func start(cmd *exec.Cmd) *exec.Cmd {
	check(cmd.Start())
	return cmd
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
	}
}

func waitUp(url string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatalf("%s did not come up", url)
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().String()
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Run())
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(strings.Count(string(b), "processor\t:"), 1)
}

// perJob prints a CPU time per job in µs, "-" when not measured.
func perJob(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%d µs/job", d.Microseconds())
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
