package deploy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gocloud.dev/blob"
)

// Checkpoints: before every `up`, `destroy`, `refresh` and `repair` the tool
// exports the stack's state as it is (`pulumi stack export`, secrets
// encrypted) into a checkpoint of its own, so that one command,
// `deploy restore-state`, puts it back. Where they are kept:
// checkpoint_store.go.

// EnvCheckpointDir overrides where checkpoints go.
const EnvCheckpointDir = "DEPLOY_CHECKPOINT_DIR"

// KeepCheckpoints is how many checkpoints are kept per stack.
const KeepCheckpoints = 20

// CheckpointRoot is the local folder that holds every stack's checkpoints
// for a backend: the override; <backend>/deploy-checkpoints on a file://
// backend; "" for any other self-managed backend (s3://, ...), whose
// checkpoints are kept in its bucket; and <repo>/.deploy-checkpoints/<digest>
// for Pulumi Cloud.
func CheckpointRoot(repoRoot, backendURL, override string) string {
	if override != "" {
		return override
	}
	if dir := fileBackendDir(backendURL); dir != "" {
		return filepath.Join(dir, "deploy-checkpoints")
	}
	if u, err := url.Parse(backendURL); err == nil && u.Scheme != "http" && u.Scheme != "https" && blob.DefaultURLMux().ValidBucketScheme(u.Scheme) {
		return ""
	}
	sum := sha256.Sum256([]byte(backendURL))
	return filepath.Join(repoRoot, ".deploy-checkpoints", hex.EncodeToString(sum[:])[:12])
}

// CheckpointDir is the folder of one stack's checkpoints.
func CheckpointDir(root, project, stack string) string {
	return filepath.Join(root, project, stack)
}

// ValidateState checks that data is a whole exported deployment: JSON
// holding a version and a deployment with a manifest. It is what a restore
// and a checkpoint require.
func ValidateState(data []byte) error {
	var doc struct {
		Version    *int `json:"version"`
		Deployment *struct {
			Manifest *json.RawMessage `json:"manifest"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("not a whole exported state (%d bytes): %w", len(data), err)
	}
	switch {
	case doc.Version == nil:
		return errors.New("not an exported state: no version")
	case doc.Deployment == nil:
		return errors.New("not an exported state: no deployment")
	case doc.Deployment.Manifest == nil:
		return errors.New("not an exported state: the deployment has no manifest")
	}
	return nil
}

// SaveCheckpoint writes one checkpoint of a stack's exported state, named
// by the time and the operation it precedes, and prunes the oldest beyond
// KeepCheckpoints. It returns the file's path.
func SaveCheckpoint(dir string, now time.Time, op Op, data []byte) (string, error) {
	if err := ValidateState(data); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("checkpoint: create %s: %w", dir, err)
	}
	file := filepath.Join(dir, checkpointName(now, op))
	if err := writeWhole(file, data); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	list, err := Checkpoints(dir)
	if err != nil {
		return file, err
	}
	for len(list) > KeepCheckpoints {
		if err := os.Remove(list[0]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return file, fmt.Errorf("checkpoint: prune %s: %w", list[0], err)
		}
		list = list[1:]
	}
	return file, nil
}

// writeWhole writes data to file through a synced temporary file in the
// same folder and a rename, so that the file is never left half written.
func writeWhole(file string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create a temporary file beside %s: %w", file, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp.Name(), file, err)
	}
	return nil
}

// Checkpoints lists a stack's checkpoints, oldest first.
func Checkpoints(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the checkpoints in %s: %w", dir, err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	sort.Strings(out)
	return out, nil
}

// LatestCheckpoint is a stack's newest checkpoint, "" when it has none.
func LatestCheckpoint(dir string) (string, error) {
	list, err := Checkpoints(dir)
	if err != nil || len(list) == 0 {
		return "", err
	}
	return list[len(list)-1], nil
}

// StateUnreadableError is a stack whose state the CLI cannot read
// (truncated or corrupted): nothing ran, and the error says how to restore
// the last checkpoint.
type StateUnreadableError struct {
	Project, Stack string
	Cause          error
	// Restore is the command that restores the newest checkpoint; Latest
	// that checkpoint ("" when there is none).
	Restore, Latest string
}

func (e *StateUnreadableError) Error() string {
	msg := fmt.Sprintf("the state of %s/%s on the backend cannot be read, so nothing was run: %v", e.Project, e.Stack, e.Cause)
	if e.Latest == "" {
		return msg + "; no checkpoint of it exists: restore the state file from the backend's own backups " +
			"(.pulumi/backups, or the bucket's object versions) with `pulumi stack import --file <file>`"
	}
	return msg + fmt.Sprintf("; restore the newest checkpoint (%s) with `%s`", e.Latest, e.Restore)
}

func (e *StateUnreadableError) Unwrap() error { return e.Cause }

// unreadableState tells a state the CLI could not decode from other
// failures (a wrong passphrase, no access): the messages of Go's JSON
// decoder and of the CLI's checkpoint loading.
func unreadableState(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	for _, m := range []string{
		"unexpected end of JSON input",
		"invalid character",
		"could not deserialize",
		"cannot unmarshal",
		"unexpected EOF",
		"decoding checkpoint",
		"failed to deserialize",
	} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}
