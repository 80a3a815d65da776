package fakeaws

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// The double keeps everything in one folder, named by the FAKEAWS_DIR
// environment variable, so that every plugin process the engine starts (one
// per stack operation, sometimes several at once) sees the same "AWS":
//
//	records.json  the resources that exist now
//	calls.jsonl   one JSON object per call, in the order they were made
//	lock          taken (flock) around every read-modify-write of the two
const (
	// DirEnv names the folder of the double's records and call log.
	DirEnv = "FAKEAWS_DIR"

	recordsFile = "records.json"
	callsFile   = "calls.jsonl"
	lockFile    = "lock"
)

// Record is one resource that exists in the double's "AWS".
type Record struct {
	Type    string         `json:"type"`
	ID      string         `json:"id"`
	URN     string         `json:"urn"`
	Region  string         `json:"region"`
	Inputs  map[string]any `json:"inputs"`
	Outputs map[string]any `json:"outputs"`
	// Pending are the modifications AWS holds for the maintenance window
	// (Pulumi input names; PendingModifiedValues renders them as
	// DescribeDBInstances does). Inputs and Outputs are what runs now.
	Pending map[string]any `json:"pending,omitempty"`
}

// records is the content of records.json.
type records struct {
	// Generations counts the creates made so far per URN, so that a
	// replacement gets a new ID although its URN is the same.
	Generations map[string]int `json:"generations"`
	Resources   []Record       `json:"resources"`
	// Snapshots are the final snapshots deleted DB instances left, by
	// name; RDS keeps them after the instance is gone.
	Snapshots []string `json:"snapshots,omitempty"`
	// ClusterSnapshots are the final DB cluster snapshots deleted DB
	// clusters left, by name (a namespace of their own), and Writers the
	// writer instance of each live Multi-AZ DB cluster that has failed over,
	// by cluster ID (cluster.go).
	ClusterSnapshots []string          `json:"clusterSnapshots,omitempty"`
	Writers          map[string]string `json:"writers,omitempty"`
}

func (r *records) find(typ, id string) (int, bool) {
	for i, rec := range r.Resources {
		if rec.Type == typ && rec.ID == id {
			return i, true
		}
	}
	return -1, false
}

// findIn is find for a resource the provider of region manages: AWS
// names many resources per region (a type's Unique "region" or "vpc": a
// KMS alias, a DB instance), so two records may share a type and an ID in
// two regions, and only the one in region is the provider's; another
// region's is not found, as AWS answers a regional API with "not found"
// for a name that exists only elsewhere. Other types are found in any
// region (find): their IDs are AWS-generated, or the type is global.
func (r *records) findIn(typ, id, region string) (int, bool) {
	for i, rec := range r.Resources {
		if rec.Type == typ && rec.ID == id && rec.Region == region {
			return i, true
		}
	}
	if t, ok := types[typ]; ok && (t.Unique == "region" || t.Unique == "vpc") {
		return -1, false
	}
	return r.find(typ, id)
}

// usedBy returns another live resource that inUse counts as using resource
// i (given resource i's ID), or nil; nil inUse counts none.
func (r *records) usedBy(i int, inUse func(user Record, id string) bool) *Record {
	if inUse == nil {
		return nil
	}
	id := r.Resources[i].ID
	for j := range r.Resources {
		if j != i && inUse(r.Resources[j], id) {
			return &r.Resources[j]
		}
	}
	return nil
}

func mentions(v any, s string) bool {
	switch x := v.(type) {
	case string:
		return x == s
	case []any:
		for _, e := range x {
			if mentions(e, s) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if k != "__defaults" && mentions(e, s) {
				return true
			}
		}
	}
	return false
}

// Call is one line of the call log.
type Call struct {
	Time    time.Time      `json:"time"`
	PID     int            `json:"pid"`
	Method  string         `json:"method"`
	Type    string         `json:"type,omitempty"`
	URN     string         `json:"urn,omitempty"`
	Stack   string         `json:"stack,omitempty"`
	Project string         `json:"project,omitempty"`
	Name    string         `json:"name,omitempty"`
	ID      string         `json:"id,omitempty"`
	Preview bool           `json:"preview,omitempty"`
	Inputs  map[string]any `json:"inputs,omitempty"`
	Outputs map[string]any `json:"outputs,omitempty"`
	// Replaces lists the properties whose change forces a replacement
	// (Diff only).
	Replaces []string `json:"replaces,omitempty"`
	Changes  []string `json:"changes,omitempty"`
	Note     string   `json:"note,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// store is the on-disk state shared by all plugin processes.
type store struct{ dir string }

func newStore(dir string) (*store, error) {
	if dir == "" {
		return nil, fmt.Errorf("fakeaws: %s is not set: the aws test double needs a folder for its records and call log", DirEnv)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("fakeaws: creating %s=%s: %w", DirEnv, dir, err)
	}
	return &store{dir: dir}, nil
}

// locked runs fn while holding the folder's lock.
func (s *store) locked(fn func() error) error {
	f, err := os.OpenFile(filepath.Join(s.dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("fakeaws: opening the lock file: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("fakeaws: locking %s: %w", f.Name(), err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing the file releases it too
	return fn()
}

// update loads the records, lets fn change them and writes them back
// atomically, all under the lock. Nothing is written when fn fails.
func (s *store) update(fn func(*records) error) error {
	return s.locked(func() error {
		r, err := loadRecords(s.dir)
		if err != nil {
			return err
		}
		before, err := loadRecords(s.dir)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		if err := saveRecords(s.dir, r); err != nil {
			return err
		}
		// The RDS events of what changed (rdsevents.go).
		return appendEvents(s.dir, rdsEvents(before, r, time.Now()))
	})
}

// view loads the records under the lock and hands them to fn.
func (s *store) view(fn func(*records) error) error {
	return s.locked(func() error {
		r, err := loadRecords(s.dir)
		if err != nil {
			return err
		}
		return fn(r)
	})
}

// log appends one call to calls.jsonl.
func (s *store) log(c Call) error {
	line, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("fakeaws: encoding the %s call for the log: %w", c.Method, err)
	}
	line = append(line, '\n')
	return s.locked(func() error {
		f, err := os.OpenFile(filepath.Join(s.dir, callsFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("fakeaws: opening the call log: %w", err)
		}
		if _, err := f.Write(line); err != nil {
			f.Close()
			return fmt.Errorf("fakeaws: writing the call log: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("fakeaws: closing the call log: %w", err)
		}
		return nil
	})
}

func loadRecords(dir string) (*records, error) {
	r := &records{Generations: map[string]int{}}
	data, err := os.ReadFile(filepath.Join(dir, recordsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fakeaws: reading the records: %w", err)
	}
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("fakeaws: decoding %s: %w", filepath.Join(dir, recordsFile), err)
	}
	if r.Generations == nil {
		r.Generations = map[string]int{}
	}
	return r, nil
}

func saveRecords(dir string, r *records) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("fakeaws: encoding the records: %w", err)
	}
	tmp, err := os.CreateTemp(dir, recordsFile+".*")
	if err != nil {
		return fmt.Errorf("fakeaws: creating a temporary records file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("fakeaws: writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("fakeaws: closing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, recordsFile)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("fakeaws: replacing the records file: %w", err)
	}
	return nil
}

// Records returns the resources that exist in the double's folder dir.
func Records(dir string) ([]Record, error) {
	s := &store{dir: dir}
	var out []Record
	err := s.view(func(r *records) error {
		out = r.Resources
		return nil
	})
	return out, err
}

// Calls returns the call log of the double's folder dir, oldest first.
func Calls(dir string) ([]Call, error) {
	return readLines[Call](filepath.Join(dir, callsFile), "the call log")
}

// readLines reads a file of one JSON value per line, oldest first; a
// missing file holds none.
func readLines[T any](path, what string) ([]T, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fakeaws: opening %s: %w", what, err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("fakeaws: %s line %d: %w", path, n, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("fakeaws: reading %s: %w", path, err)
	}
	return out, nil
}

// CallLogPath is the call log's file in the double's folder dir, for tests
// that search its raw text.
func CallLogPath(dir string) string { return filepath.Join(dir, callsFile) }

// RecordsPath is the records file in the double's folder dir.
func RecordsPath(dir string) string { return filepath.Join(dir, recordsFile) }
