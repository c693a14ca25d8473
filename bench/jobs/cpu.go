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

// cpuTimes returns the CPU time (user and system) of each process in pids
// so far, or of every process named postgres when pids is nil.
func cpuTimes(pids []int) map[int]time.Duration {
	out := map[int]time.Duration{}
	if pids == nil {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if pid, err := strconv.Atoi(e.Name()); err == nil {
				pids = append(pids, pid)
			}
		}
		defer func() {
			for pid := range out {
				if comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm"); strings.TrimSpace(string(comm)) != "postgres" {
					delete(out, pid)
				}
			}
		}()
	}
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// The fields after the command, which is in parentheses and may
		// hold spaces: state is the 3rd field, utime the 14th, stime the 15th.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
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
