package deploy

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gocloud.dev/blob"
)

// Where checkpoints are kept. A checkpoint must outlive the machine that
// wrote it: a hosted CI runner is gone when its job ends, and the run that
// needs the checkpoint (after a corrupted state, or a repair gone wrong)
// runs on another. So a self-managed backend keeps them in its own bucket,
// beside the state, under deploy-checkpoints/<project>/<stack>/: on a
// file:// backend that is the folder <backend>/deploy-checkpoints (files of
// mode 0600, written through a synced temporary file and a rename); on an
// s3:// backend the objects s3://<bucket>/<path>/deploy-checkpoints/...,
// written whole by one PutObject. A checkpoint is `pulumi stack export`
// without --show-secrets: every secret in it is the ciphertext the stack's
// secrets provider made (the passphrase or the KMS key), exactly as in the
// state file beside it, and the object is stored with the same server-side
// encryption as the state: the backend URL's ssetype and kmskeyid
// parameters, which the tool opens the bucket with as the CLI does
// (gocloud.dev/blob/s3blob, URLOpener), and otherwise the bucket's default
// encryption, which S3 applies to every new object (at least SSE-S3 since
// 5 January 2023: Amazon S3 User Guide, "Using server-side encryption with
// Amazon S3 managed keys (SSE-S3)"). Only Pulumi Cloud, whose service keeps
// every version of a stack's state itself, has its checkpoints on the
// machine that runs the tool (<repo>/.deploy-checkpoints/, git-ignored).
// DEPLOY_CHECKPOINT_DIR names a folder instead. Each stack keeps its newest
// KeepCheckpoints.

// checkpointStore keeps a backend's checkpoints. Locations are what a
// person reads: a path, or the URL of an object.
type checkpointStore interface {
	Save(ctx context.Context, project, stack string, now time.Time, op Op, data []byte) (string, error)
	List(ctx context.Context, project, stack string) ([]string, error)
	Read(ctx context.Context, project, stack, location string) ([]byte, error)
	// Describe names where a stack's checkpoints are.
	Describe(project, stack string) string
}

// checkpointName is a checkpoint's name: its time and the operation it
// precedes, so that names sort by time.
func checkpointName(now time.Time, op Op) string {
	return now.UTC().Format("20060102T150405.000000000Z") + "-before-" + string(op) + ".json"
}

// dirStore keeps checkpoints in a local folder.
type dirStore struct{ root string }

func (s dirStore) Save(_ context.Context, project, stack string, now time.Time, op Op, data []byte) (string, error) {
	return SaveCheckpoint(CheckpointDir(s.root, project, stack), now, op, data)
}

func (s dirStore) List(_ context.Context, project, stack string) ([]string, error) {
	return Checkpoints(CheckpointDir(s.root, project, stack))
}

func (s dirStore) Read(_ context.Context, project, stack, location string) ([]byte, error) {
	if !strings.ContainsRune(location, os.PathSeparator) {
		location = filepath.Join(CheckpointDir(s.root, project, stack), location)
	}
	return os.ReadFile(location)
}

func (s dirStore) Describe(project, stack string) string {
	return CheckpointDir(s.root, project, stack)
}

// bucketStore keeps checkpoints in the backend's bucket.
type bucketStore struct{ b *Backend }

const checkpointPrefix = "deploy-checkpoints/"

func (s bucketStore) dir(project, stack string) string {
	return checkpointPrefix + path.Join(project, stack) + "/"
}

func (s bucketStore) Describe(project, stack string) string { return s.b.Where(s.dir(project, stack)) }

func (s bucketStore) Save(ctx context.Context, project, stack string, now time.Time, op Op, data []byte) (string, error) {
	if err := ValidateState(data); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	key := s.dir(project, stack) + checkpointName(now, op)
	// One PutObject: the object is whole or absent (S3 never shows a
	// partial upload).
	if err := s.b.Bucket.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return "", fmt.Errorf("checkpoint: write %s: %w", s.b.Where(key), err)
	}
	keys, err := s.keys(ctx, project, stack)
	if err != nil {
		return s.b.Where(key), err
	}
	for len(keys) > KeepCheckpoints {
		if err := s.b.Bucket.Delete(ctx, keys[0]); err != nil && !isNotFound(err) {
			return s.b.Where(key), fmt.Errorf("checkpoint: prune %s: %w", s.b.Where(keys[0]), err)
		}
		keys = keys[1:]
	}
	return s.b.Where(key), nil
}

func (s bucketStore) keys(ctx context.Context, project, stack string) ([]string, error) {
	objs, err := listKeys(ctx, s.b.Bucket, s.dir(project, stack))
	if err != nil {
		return nil, fmt.Errorf("list the checkpoints in %s: %w", s.Describe(project, stack), err)
	}
	var keys []string
	for _, o := range objs {
		if name := path.Base(o.Key); strings.HasSuffix(name, ".json") && strings.Contains(name, "-before-") && path.Dir(o.Key)+"/" == s.dir(project, stack) {
			keys = append(keys, o.Key)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

func (s bucketStore) List(ctx context.Context, project, stack string) ([]string, error) {
	keys, err := s.keys(ctx, project, stack)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = s.b.Where(k)
	}
	return out, err
}

// Read reads a checkpoint named by its location (as List gives it) or by
// its name alone; a path to a local file is read from disk.
func (s bucketStore) Read(ctx context.Context, project, stack, location string) ([]byte, error) {
	if _, err := os.Stat(location); err == nil {
		return os.ReadFile(location)
	}
	key := strings.TrimPrefix(location, s.b.Where(""))
	key = strings.TrimPrefix(key, "/")
	if !strings.Contains(key, "/") {
		key = s.dir(project, stack) + key
	}
	if !strings.HasPrefix(key, s.dir(project, stack)) {
		return nil, fmt.Errorf("%s is neither a file here nor a checkpoint of %s/%s in %s", location, project, stack, s.Describe(project, stack))
	}
	data, err := s.b.Bucket.ReadAll(ctx, key)
	if isNotFound(err) {
		return nil, fmt.Errorf("no checkpoint %s: %w", s.b.Where(key), fs.ErrNotExist)
	}
	return data, err
}

// latest is a stack's newest checkpoint's location, "" when it has none.
func latest(ctx context.Context, s checkpointStore, project, stack string) (string, error) {
	if s == nil {
		return "", nil
	}
	list, err := s.List(ctx, project, stack)
	if err != nil || len(list) == 0 {
		return "", err
	}
	return list[len(list)-1], nil
}
