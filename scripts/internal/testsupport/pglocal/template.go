package pglocal

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// templates holds, per installation (bin directory), a data directory
// initdb made once in this process. A new primary is a copy of it: initdb
// takes seconds on a busy machine (it bootstraps and fills the catalogs),
// a copy a fraction of that, and tests that build many clusters (the
// failover drills build one per run) pay initdb once.
//
// The template lives in a directory of its own under the system temp
// directory, named and owned like a cluster directory, so it outlives every
// Cluster of the process (none may remove it while another copies it) and
// the first New after the process has gone sweeps it (SweepStale).
var templates struct {
	mu   sync.Mutex
	dirs map[string]string // bin directory -> template data directory
}

// initdbArgs are the initdb options of every primary, after -D.
var initdbArgs = []string{"-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"}

// initdb makes dataDir a fresh data directory: a copy of this process's
// template for the cluster's installation, made on first use.
func (c *Cluster) initdb(dataDir string) error {
	tmpl, err := c.template()
	if err != nil {
		return err
	}
	// cp -a keeps the owner (the postgres user when the caller is root) and
	// the 0700 mode the server insists on.
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "cp", "-a", tmpl, dataDir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("copy the initdb template %s to %s: %w: %s", tmpl, dataDir, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (c *Cluster) template() (string, error) {
	templates.mu.Lock()
	defer templates.mu.Unlock()
	if d, ok := templates.dirs[c.binDir]; ok {
		if _, err := os.Stat(filepath.Join(d, "PG_VERSION")); err == nil {
			return d, nil
		}
		// Removed under us (a sweep from another process cannot, while we
		// live; a person can): make it again.
	}
	dir, err := os.MkdirTemp("", clusterPrefix+"template-")
	if err != nil {
		return "", fmt.Errorf("create the initdb template directory: %w", err)
	}
	if err := writeOwner(dir); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	if err := c.chown(dir); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	data := filepath.Join(dir, "data")
	if _, err := c.run("initdb", append([]string{"-D", data}, initdbArgs...)...); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("initdb for the template: %w", err)
	}
	if templates.dirs == nil {
		templates.dirs = map[string]string{}
	}
	templates.dirs[c.binDir] = data
	return data, nil
}
