package proc

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Process is one process as its /proc/<pid>/stat states it.
type Process struct {
	Pid, PPid int
	// Comm is the command name (field 2 of stat, without its parentheses).
	Comm string
}

// Children lists the processes whose parent is parent. It fails only when
// /proc cannot be listed; a process that ends while it is read is left out.
func Children(parent int) ([]Process, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var out []Process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name in field 2 may hold spaces and parentheses; it
		// ends at the last ')'. Field 4 is the parent's pid (proc(5)).
		s := string(data)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, err := strconv.Atoi(fields[1])
		if err != nil || ppid != parent {
			continue
		}
		out = append(out, Process{Pid: pid, PPid: ppid, Comm: s[open+1 : end]})
	}
	return out, nil
}
