package pglocal

// Point-in-time recovery on the local harness, for the restore drill's
// test: WAL archiving into a directory, a plain base backup of a running
// server, and a new server restored from that backup and the archive up to
// a target time, on its own port.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// ArchiveSettings make a server archive every completed WAL segment into
// dir (from Mkdir). The command refuses to overwrite a segment, as
// PostgreSQL's documentation asks of an archive_command.
func ArchiveSettings(dir string) Settings {
	return Settings{
		"archive_mode":    "on",
		"archive_command": fmt.Sprintf("test ! -f '%s/%%f' && cp '%%p' '%s/%%f'", dir, dir),
	}
}

// SwitchWAL closes the server's current WAL segment and waits until the
// archiver has copied it into archiveDir, so everything committed so far
// can be restored from the archive. It returns the segment's file name.
func (s *Server) SwitchWAL(ctx context.Context, archiveDir string) (string, error) {
	conn, err := s.Connect(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	var seg string
	if err := conn.QueryRow(ctx, "SELECT pg_walfile_name(pg_switch_wal())").Scan(&seg); err != nil {
		return "", fmt.Errorf("switch WAL on %s: %w", s.Name, err)
	}
	for {
		if _, err := os.Stat(filepath.Join(archiveDir, seg)); err == nil {
			return seg, nil
		}
		var failed string
		_ = conn.QueryRow(ctx, "SELECT coalesce(last_failed_wal, '') FROM pg_stat_archiver").Scan(&failed)
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("WAL segment %s of %s was not archived into %s (last failed: %q): %w", seg, s.Name, archiveDir, failed, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// BaseBackup takes a plain-format base backup of primary with
// pg_basebackup (WAL streamed into the backup, no standby configuration)
// into a new directory of the cluster named name, and returns its path.
// The backup is not started; StartRestored starts copies of it.
func (c *Cluster) BaseBackup(name string, primary *Server) (string, error) {
	if name == "" || filepath.Base(name) != name || name == "." || name == ".." {
		return "", fmt.Errorf("backup name %q: give one path element", name)
	}
	dir := filepath.Join(c.Dir, name)
	conninfo := fmt.Sprintf("host=127.0.0.1 port=%d user=%s application_name=pglocal_basebackup", primary.Port, Superuser)
	if _, err := c.run("pg_basebackup", "-D", dir, "-d", conninfo, "-X", "stream", "-c", "fast", "--no-sync"); err != nil {
		return "", fmt.Errorf("base backup of %s into %s: %w", primary.Name, dir, err)
	}
	return dir, nil
}

// Recovery says how StartRestored recovers a base backup.
type Recovery struct {
	// ArchiveDir is the WAL archive restore_command reads from.
	ArchiveDir string
	// TargetTime is recovery_target_time: recovery replays every
	// transaction committed at or before it, stops before the first one
	// committed after it, and promotes. The archive must hold a commit
	// after the target, or PostgreSQL stops with "recovery ended before
	// configured recovery target was reached".
	TargetTime time.Time
}

// StartRestored copies the base backup into a new data directory, sets it
// up to recover from the archive up to the target time, starts it on its
// own loopback port and waits until recovery has ended and the server has
// been promoted (it then accepts writes, like a restored RDS instance).
// settings override the base settings of the new server.
func (c *Cluster) StartRestored(ctx context.Context, name, backup string, r Recovery, settings Settings) (*Server, error) {
	if r.ArchiveDir == "" || r.TargetTime.IsZero() {
		return nil, errors.New("restore needs an archive directory and a target time")
	}
	if _, err := os.Stat(filepath.Join(backup, "PG_VERSION")); err != nil {
		return nil, fmt.Errorf("%s is not a base backup (no PG_VERSION): %w", backup, err)
	}
	all := Settings{
		"restore_command":        fmt.Sprintf("cp '%s/%%f' '%%p'", r.ArchiveDir),
		"recovery_target_time":   r.TargetTime.UTC().Format("2006-01-02 15:04:05.999999") + "+00",
		"recovery_target_action": "promote",
		"archive_mode":           "off",
	}
	for k, v := range settings {
		all[k] = v
	}
	s, err := c.newServer(name, all)
	if err != nil {
		return nil, err
	}
	if err := c.copyTree(backup, s.DataDir); err != nil {
		return nil, fmt.Errorf("copy base backup %s for %s: %w", backup, name, err)
	}
	if err := s.writeConfig(false); err != nil {
		return nil, err
	}
	if err := c.writeFile(filepath.Join(s.DataDir, "recovery.signal"), nil); err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	if err := s.WaitPromoted(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// WaitPromoted waits until the server has left recovery. It fails at once
// when the server stops, as it does when the recovery target cannot be
// reached, with the end of its log.
func (s *Server) WaitPromoted(ctx context.Context) error {
	for {
		if s.PID() == 0 {
			return fmt.Errorf("%s stopped during recovery:\n%s", s.Name, s.LogTail(20))
		}
		if conn, err := s.Connect(ctx); err == nil {
			var inRecovery bool
			qerr := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery)
			conn.Close(context.Background())
			if qerr == nil && !inRecovery {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not finish recovery: %w\n%s", s.Name, ctx.Err(), s.LogTail(20))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// copyTree copies a data directory, keeping file modes, and gives every
// copy to the server user.
func (c *Cluster) copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if err := os.Mkdir(target, info.Mode().Perm()); err != nil {
				return err
			}
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, target); err != nil {
				return err
			}
			return nil
		case d.Type().IsRegular():
			if err := copyFile(path, target, info.Mode().Perm()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: unexpected file type %s in a base backup", path, d.Type())
		}
		return c.chown(target)
	})
}

func copyFile(src, dst string, mode fs.FileMode) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(out, in)
	return err
}
