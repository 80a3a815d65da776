package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // s3:// backends, opened as the Pulumi CLI opens them
	"gocloud.dev/gcerrors"
)

// The backend's bucket. A self-managed (diy) backend is a gocloud.dev blob
// bucket: the CLI opens the backend URL with blob's default URL mux and,
// for every scheme but file://, prefixes the bucket with the URL's path
// (pulumi pkg v3.274.1, backend/diy/backend.go, newDIYBackend:
// blobmux.OpenBucket, then blob.PrefixedBucket(bucket, bucketSubDir)). The
// deploy tool opens it the same way to read the CLI's lock files and to keep
// its own records beside the state: the heartbeats of the runs that hold a
// stack (deploy-locks/) and the checkpoints (deploy-checkpoints/). An
// s3:// URL's query parameters (region, and the server-side encryption
// ones, ssetype and kmskeyid: gocloud.dev/blob/s3blob, URLOpener) apply to
// those records as to the state.

// Backend is the backend's bucket and how to name a key of it to a person.
type Backend struct {
	Bucket *blob.Bucket
	// URL is the backend URL; Dir its folder for a file:// backend.
	URL, Dir string
}

// Where names a key of the bucket for a person: a path on a file://
// backend, the URL and key on any other.
func (b *Backend) Where(key string) string {
	if b.Dir != "" {
		return path.Join(b.Dir, key)
	}
	return strings.TrimSuffix(strings.SplitN(b.URL, "?", 2)[0], "/") + "/" + key
}

// Close closes the bucket.
func (b *Backend) Close() error {
	if b == nil || b.Bucket == nil {
		return nil
	}
	return b.Bucket.Close()
}

// OpenBackend opens a self-managed backend's bucket; nil, nil for a backend
// that is not one (Pulumi Cloud), whose locks and records the service keeps.
func OpenBackend(ctx context.Context, backendURL string) (*Backend, error) {
	if dir := fileBackendDir(backendURL); dir != "" {
		b, err := openDir(dir)
		if err != nil {
			return nil, err
		}
		return &Backend{Bucket: b, URL: backendURL, Dir: dir}, nil
	}
	u, err := url.Parse(backendURL)
	if err != nil || u.Scheme == "" || u.Scheme == "http" || u.Scheme == "https" {
		return nil, nil
	}
	if !blob.DefaultURLMux().ValidBucketScheme(u.Scheme) {
		return nil, nil
	}
	b, err := blob.OpenBucket(ctx, legacyS3Params(backendURL))
	if err != nil {
		return nil, fmt.Errorf("open the state backend's bucket %s: %w", RedactURL(backendURL), err)
	}
	if sub := strings.Trim(u.Path, "/"); sub != "" {
		b = blob.PrefixedBucket(b, sub+"/")
	}
	return &Backend{Bucket: b, URL: RedactURL(backendURL)}, nil
}

// legacyS3Params rewrites an s3:// URL's parameters of the AWS SDK v1 era
// as the CLI does before it opens the bucket (backend/diy/backend.go,
// translateLegacyS3Params): disableSSL becomes disable_https (gocloud.dev
// v0.46 rejects the old name) unless the endpoint has a scheme, and a
// scheme-less endpoint gets http:// or https://. The CLI's third change, a
// checksum setting for third-party stores, is left to the environment.
func legacyS3Params(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" {
		return s
	}
	q := u.Query()
	insecure := false
	if v, ok := q["disableSSL"]; ok {
		insecure = strings.EqualFold(v[len(v)-1], "true") || v[len(v)-1] == "1"
		q.Del("disableSSL")
		if !strings.Contains(q.Get("endpoint"), "://") {
			q.Set("disable_https", fmt.Sprint(insecure))
		}
	}
	if ep := q.Get("endpoint"); ep != "" && !strings.Contains(ep, "://") {
		scheme := "https://"
		if insecure {
			scheme = "http://"
		}
		q.Set("endpoint", scheme+ep)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// openDir opens a folder as a bucket: written through a temporary file
// beside the key and a rename (so a key is whole or absent), with no
// metadata side files.
func openDir(dir string) (*blob.Bucket, error) {
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{CreateDir: true, DirFileMode: 0o700, NoTempDir: true, Metadata: fileblob.MetadataDontWrite})
	if err != nil {
		return nil, fmt.Errorf("open the folder %s: %w", dir, err)
	}
	return b, nil
}

// RedactURL drops the user information of a URL, for messages.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = nil
	return u.String()
}

func isNotFound(err error) bool { return gcerrors.Code(err) == gcerrors.NotFound }

func isPreconditionFailed(err error) bool {
	return gcerrors.Code(err) == gcerrors.FailedPrecondition
}

// listKeys lists the keys under prefix (recursively), sorted.
func listKeys(ctx context.Context, b *blob.Bucket, prefix string) ([]*blob.ListObject, error) {
	var out []*blob.ListObject
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		if !obj.IsDir {
			out = append(out, obj)
		}
	}
	return out, nil
}
