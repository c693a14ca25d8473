package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// CPU per job, read from /proc while a configuration is driven: what the
// server processes and PostgreSQL's processes spent for each job made. On
// a machine whose cores are full the throughput ratios say little on their
// own; these say where the time went (three processes on two cores spent
// about three times one process's CPU per job on 2026-12-03). Outside
// Linux they read zero and print as "-".

// clockTick is the unit of /proc's CPU times: USER_HZ, 100 on Linux.
const clockTick = 10 * time.Millisecond

// cpuTimes returns the CPU time (user and system) so far of each process
// in pids, or, when pids is nil, of every process named postgres: the
// server and its backends.
func cpuTimes(pids []int) map[int]time.Duration {
	onlyPostgres := pids == nil
	if onlyPostgres {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if pid, err := strconv.Atoi(e.Name()); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	out := map[int]time.Duration{}
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// "pid (command) state …": the command may hold spaces, so the
		// fields are counted after its closing parenthesis, where utime
		// and stime are the 12th and 13th.
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || (onlyPostgres && s[open+1:end] != "postgres") {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 13 {
			continue
		}
		user, _ := strconv.ParseInt(f[11], 10, 64)
		sys, _ := strconv.ParseInt(f[12], 10, 64)
		out[pid] = time.Duration(user+sys) * clockTick
	}
	return out
}

// cpuSince is the CPU the processes of now spent since before; a process
// started in between counts whole.
func cpuSince(before, now map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, t := range now {
		d += t - before[pid]
	}
	return d
}

// measure runs drive and sets the result's CPU per job: of the server
// processes pids, and of PostgreSQL's when db is set.
func measure(pids []int, db bool, drive func() result) result {
	server := cpuTimes(pids)
	var pg map[int]time.Duration
	if db {
		pg = cpuTimes(nil)
	}
	r := drive()
	if r.jobs > 0 {
		r.serverCPU = cpuSince(server, cpuTimes(pids)) / time.Duration(r.jobs)
		if db {
			r.dbCPU = cpuSince(pg, cpuTimes(nil)) / time.Duration(r.jobs)
		}
	}
	return r
}
