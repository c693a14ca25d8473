// Command callbacks benchmarks callback delivery on SQLite.
//
// Throughput: it records N events with the worker stopped, starts the
// worker, and measures how fast a local receiver that answers 204 at once
// gets them all. Latency: with the worker running it records events at a
// steady rate below saturation and measures, for each, the time from the
// event's commit to its first attempt arriving at the receiver. The anchor is
// the receiver itself: the same number of signed POSTs sent straight to it by
// a plain loop of HTTP clients, with no database, so the ratio shows what
// durability costs. Run from the repository root:
//
//	go run ./bench/callbacks [-events 5000] [-rate 200]
//
// With -db (a PostgreSQL URL) it also measures the throughput run on
// PostgreSQL, in a database it makes and drops, with one worker process
// and then with -processes of them: each a child process of this command
// with its own pool, as `submit serve` processes would be. It counts the
// (delivery, attempt) pairs the receiver got more than once, which must
// be none:
//
//	go run ./bench/callbacks -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -processes 3
//
// On a shared machine one run says little: -runs 3 repeats the
// throughput runs in turn and prints each round and the medians.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atomyx/submit/bench/internal/pgdb"
	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/postgres"
	"github.com/atomyx/submit/internal/store/sqlite"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
	"github.com/atomyx/submit/pkg/webhook"
)

func main() {
	n := flag.Int("events", 5000, "events for the throughput run")
	rate := flag.Int("rate", 200, "events per second for the latency run")
	latN := flag.Int("latency-events", 2000, "events for the latency run")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the throughput run here")
	dbURL := flag.String("db", "", "a PostgreSQL URL: also run the throughput run on PostgreSQL")
	processes := flag.Int("processes", 3, "with -db, how many worker processes share the database in the last run")
	child := flag.String("child", "", "internal: run a worker on this PostgreSQL URL until killed")
	runs := flag.Int("runs", 1, "rounds of the throughput runs (SQLite, then with -db one PostgreSQL process and -processes of them), interleaved so that a noisy machine weighs on each alike; with more than one, the medians are printed too")
	flag.Parse()
	profile = *cpuprofile
	if *child != "" {
		runChild(*child)
		return
	}

	dir, err := os.MkdirTemp("", "submit-bench-callbacks-")
	check(err)
	defer os.RemoveAll(dir)

	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()

	fmt.Printf("callback delivery, SQLite, receiver answering 204 on loopback\n\n")
	var sqliteRates []float64
	pgRates := map[int][]float64{}
	for round := range *runs {
		if *runs > 1 {
			fmt.Printf("round %d of %d\n", round+1, *runs)
		}
		tput := throughput(dir, srv.URL, rc, *n)
		sqliteRates = append(sqliteRates, float64(*n)/tput.Seconds())
		fmt.Printf("throughput: %d deliveries in %s = %.0f/s (target ≥ 2000/s)\n", *n, tput.Round(time.Millisecond), float64(*n)/tput.Seconds())
		if round == 0 {
			anchor := direct(srv.URL, rc, *n)
			fmt.Printf("anchor:     %d signed POSTs straight to the receiver, 16 clients, no database: %.0f/s\n", *n, float64(*n)/anchor.Seconds())
			fmt.Printf("ratio:      %.0f%% of the anchor\n\n", 100*anchor.Seconds()/tput.Seconds())
			p50, p99 := latency(dir, srv.URL, rc, *latN, *rate)
			fmt.Printf("latency at %d events/s, event committed → first attempt received: p50 %s, p99 %s (target p99 < 50ms)\n",
				*rate, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))
		}
		if *dbURL == "" {
			continue
		}
		fmt.Println()
		for _, procs := range []int{1, *processes} {
			took, startup, dups := throughputPostgres(*dbURL, srv.URL, rc, *n, procs)
			pgRates[procs] = append(pgRates[procs], float64(*n)/took.Seconds())
			fmt.Printf("PostgreSQL, %d worker process(es): %d deliveries in %s = %.0f/s (target ≥ 2000/s with 3; %.2f× SQLite's); first after %s; (delivery, attempt) pairs received twice: %d\n",
				procs, *n, took.Round(time.Millisecond), float64(*n)/took.Seconds(), tput.Seconds()/took.Seconds(), startup.Round(time.Millisecond), dups)
		}
		fmt.Println()
	}
	if *runs > 1 {
		fmt.Printf("medians of %d rounds: SQLite %.0f/s (%.0f to %.0f)", *runs, median(sqliteRates), slices.Min(sqliteRates), slices.Max(sqliteRates))
		for _, procs := range []int{1, *processes} {
			if rates := pgRates[procs]; len(rates) > 0 {
				fmt.Printf(", PostgreSQL with %d process(es) %.0f/s (%.0f to %.0f)", procs, median(rates), slices.Min(rates), slices.Max(rates))
			}
		}
		fmt.Println()
	}
}

// median is the middle of xs, or the mean of the two middle values.
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	m := len(s) / 2
	if len(s)%2 == 0 {
		return (s[m-1] + s[m]) / 2
	}
	return s[m]
}

// profile is where the throughput run's CPU profile goes, if anywhere.
var profile string

// receiver answers 204 and notes when each event first arrived, and how
// often each (delivery, attempt) pair came.
type receiver struct {
	mu    sync.Mutex
	first map[string]time.Time
	pairs map[string]int
	count atomic.Int64
}

func newReceiver() *receiver {
	return &receiver{first: map[string]time.Time{}, pairs: map[string]int{}}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	body, _ := io.ReadAll(r.Body)
	var p struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(body, &p)
	rc.mu.Lock()
	rc.pairs[r.Header.Get(webhook.HeaderDelivery)+"/"+r.Header.Get(webhook.HeaderAttempt)]++
	if _, seen := rc.first[p.EventID]; !seen {
		rc.first[p.EventID] = now
		rc.count.Add(1)
	}
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// firstArrival is when the first event arrived since the last reset.
func (rc *receiver) firstArrival() time.Time {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var first time.Time
	for _, t := range rc.first {
		if first.IsZero() || t.Before(first) {
			first = t
		}
	}
	return first
}

func (rc *receiver) reset() {
	rc.mu.Lock()
	rc.first = map[string]time.Time{}
	rc.pairs = map[string]int{}
	rc.mu.Unlock()
	rc.count.Store(0)
}

// setup opens a fresh database with a tenant whose callback URL is url and
// n jobs awaiting upload.
func setup(path, url string, n int) (*sqlite.DB, *workflow.Service, []string, string) {
	db, err := sqlite.Open(context.Background(), path)
	check(err)
	flow, ids, tenantID := fill(db, url, n)
	return db, flow, ids, tenantID
}

// fill migrates st and gives it a tenant whose callback URL is url and n
// jobs awaiting upload.
func fill(db interface {
	store.Store
	Migrate(context.Context) ([]string, error)
}, url string, n int) (*workflow.Service, []string, string) {
	ctx := context.Background()
	_, err := db.Migrate(ctx)
	check(err)
	tn, _, err := vault.New(db).EnsureTenant(ctx, "bench")
	check(err)
	check(db.UpdateTenantSettings(ctx, tn.ID, store.TenantSettings{CallbackURL: url}))
	flow := &workflow.Service{Store: db, Now: time.Now, Attempts: 7}
	ids := make([]string, n)
	for i := range ids {
		j := flow.NewJob(workflow.NewJobParams{TenantID: tn.ID, Livemode: true, ExternalID: fmt.Sprint("B", i)})
		check(flow.CreateJob(ctx, j, nil))
		ids[i] = j.ID
	}
	return flow, ids, tn.ID
}

func newWorker(db store.Store) *callback.Worker {
	w, err := callback.New(callback.Config{
		Store: db, Client: netguard.NewClient(netguard.Options{AllowInsecure: true}),
		Logger: slog.New(slog.DiscardHandler), PerHost: 32, Concurrency: 32,
	})
	check(err)
	return w
}

func throughput(dir, url string, rc *receiver, n int) time.Duration {
	ctx := context.Background()
	db, flow, ids, tenantID := setup(filepath.Join(dir, "tput.db"), url, n)
	defer db.Close()
	for _, id := range ids {
		_, err := flow.Transition(ctx, workflow.Change{TenantID: tenantID, JobID: id, To: job.Uploaded})
		check(err)
	}
	rc.reset()
	w := newWorker(db)
	if profile != "" {
		f, err := os.Create(profile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	check(w.Start(ctx))
	for rc.count.Load() < int64(n) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	w.Stop()
	return elapsed
}

func latency(dir, url string, rc *receiver, n, rate int) (p50, p99 time.Duration) {
	ctx := context.Background()
	db, flow, ids, tenantID := setup(filepath.Join(dir, "lat.db"), url, n)
	defer db.Close()
	rc.reset()
	w := newWorker(db)
	flow.Notify = w.Notify
	check(w.Start(ctx))
	defer w.Stop()
	committed := map[string]time.Time{}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for _, id := range ids {
		<-tick.C
		ev, err := flow.Transition(ctx, workflow.Change{TenantID: tenantID, JobID: id, To: job.Uploaded})
		check(err)
		committed[ev.ID] = time.Now()
	}
	for rc.count.Load() < int64(n) {
		time.Sleep(time.Millisecond)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var lat []time.Duration
	for id, at := range committed {
		lat = append(lat, rc.first[id].Sub(at))
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100]
}

// direct is the anchor: signed POSTs of a callback-sized body from 16
// clients, straight to the receiver.
func direct(url string, rc *receiver, n int) time.Duration {
	rc.reset()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	secret := webhook.NewSecret()
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				body := fmt.Appendf(nil, `{"event_id":"evt_%d","event_type":"uploaded","occurred_at":"2026-05-11T10:23:45Z","session_id":"ses_x","order_ref":"B","status":"uploaded","sequence":1,"livemode":true,"files":{},"errors":[],"attempt":1}`, i)
				req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
				check(webhook.Sign(req.Header, webhook.Message{ID: fmt.Sprint("del_", i), Timestamp: time.Now(), Body: body}, []string{secret}))
				res, err := client.Do(req)
				check(err)
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// throughputPostgres is the throughput run on a fresh PostgreSQL database
// with procs worker processes. It returns how long the receiver took to
// get every event from the start of the processes, how much of that
// passed before the first arrived (the processes starting and opening
// their pools), and how many (delivery, attempt) pairs came twice.
func throughputPostgres(pgURL, receiverURL string, rc *receiver, n, procs int) (elapsed, startup time.Duration, dups int) {
	ctx := context.Background()
	tmp, err := pgdb.Create(pgURL, "bench_callbacks")
	check(err)
	defer tmp.Drop()
	db, err := postgres.Open(ctx, tmp.URL, postgres.Pool{})
	check(err)
	flow, ids, tenantID := fill(db, receiverURL, n)
	for _, id := range ids {
		_, err := flow.Transition(ctx, workflow.Change{TenantID: tenantID, JobID: id, To: job.Uploaded})
		check(err)
	}
	// Statistics, as autovacuum gathers them within a minute of a load
	// like this one: without them PostgreSQL plans the claim for an
	// empty table, reading every due row where it needs a few.
	stats, err := sql.Open("pgx", tmp.URL)
	check(err)
	_, err = stats.Exec(`ANALYZE`)
	check(err)
	check(stats.Close())
	check(db.Close())
	rc.reset()
	self, err := os.Executable()
	check(err)
	start := time.Now()
	var children []*exec.Cmd
	for range procs {
		cmd := exec.Command(self, "-child", tmp.URL)
		cmd.Stderr = os.Stderr
		check(cmd.Start())
		children = append(children, cmd)
	}
	for rc.count.Load() < int64(n) {
		time.Sleep(time.Millisecond)
	}
	elapsed = time.Since(start)
	startup = rc.firstArrival().Sub(start)
	for _, c := range children {
		_ = c.Process.Kill()
		_ = c.Wait()
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, k := range rc.pairs {
		if k > 1 {
			dups++
		}
	}
	return elapsed, startup, dups
}

// runChild is a worker process: it sends the deliveries of the database
// at dbURL until it is killed.
func runChild(dbURL string) {
	db, err := postgres.Open(context.Background(), dbURL, postgres.Pool{})
	check(err)
	check(newWorker(db).Start(context.Background()))
	select {}
}
