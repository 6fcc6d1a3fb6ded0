package digest

import (
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// owner names the process that holds a run or claims its readers, in a form
// another process on the same machine can check against the live system:
// host, boot id, pid and the process's start time (in clock ticks since
// boot), then a random tag that tells apart two runs of one process.
//
// A pid alone is not enough, since pids are reused: the same pid with another
// start time, or another boot id, is another process.
type owner struct {
	Host  string
	Boot  string
	PID   int
	Start string
	Tag   string
}

// self is the owner name of this process, with a fresh tag.
func self() owner {
	host, _ := os.Hostname()
	return owner{Host: host, Boot: bootID(), PID: os.Getpid(), Start: startTime(os.Getpid()), Tag: rand.Text()[:8]}
}

func (o owner) String() string {
	return fmt.Sprintf("%s/%s/%d/%s/%s", o.Host, o.Boot, o.PID, o.Start, o.Tag)
}

// parseOwner reads an owner name; ok is false for a name in another form
// (older versions wrote host/pid/tag), which no check can then clear.
func parseOwner(s string) (o owner, ok bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 {
		return owner{}, false
	}
	pid, err := strconv.Atoi(parts[2])
	if err != nil {
		return owner{}, false
	}
	return owner{Host: parts[0], Boot: parts[1], PID: pid, Start: parts[3], Tag: parts[4]}, true
}

// Describe says who holds a run, for people: "pid 4242 on host web-1", or
// the raw name when it is in no known form.
func Describe(name string) string {
	o, ok := parseOwner(name)
	if !ok {
		return name
	}
	return fmt.Sprintf("pid %d on host %s", o.PID, o.Host)
}

// gone tells whether the process named is known to have ended: it ran on this
// host, and either the machine booted since, or no process with its pid and
// start time lives now. A process on another host, or named in another form,
// is never known gone: only its lease tells.
func gone(name string) bool {
	o, ok := parseOwner(name)
	if !ok || o.Boot == "" || o.Start == "" {
		return false
	}
	if host, _ := os.Hostname(); host != o.Host {
		return false
	}
	if boot := bootID(); boot == "" || boot != o.Boot {
		return boot != ""
	}
	return startTime(o.PID) != o.Start
}

// bootID is the kernel's id of this boot, empty where /proc does not say.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// startTime is when process pid started, in clock ticks since boot (field 22
// of /proc/PID/stat), or empty when no such process lives. The command name
// in field 2 may hold spaces and parentheses: fields are counted from the
// last ')'.
func startTime(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(s[i+1:]) // from field 3, the state
	if len(fields) < 20 {
		return ""
	}
	if fields[0] == "Z" || fields[0] == "X" { // a zombie: ended, not yet reaped
		return ""
	}
	return fields[19]
}
