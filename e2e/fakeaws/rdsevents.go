package fakeaws

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// RDS events the double records for what it did, answered by
// DescribeEvents (awsapi.go). The set is small on purpose: only what the
// double really does, with the event IDs and messages of "Amazon RDS event
// categories and event messages", DB instance events
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html#USER_Events.Messages.instance).
// Storage changes get none: the double cannot tell a modification
// (RDS-EVENT-0017) from autoscaling growth (RDS-EVENT-0218), and a wrong
// event would be worse than none.
const eventsFile = "events.jsonl"

// Event is one RDS event.
type Event struct {
	Date             time.Time `json:"date"`
	Region           string    `json:"region"`
	SourceType       string    `json:"sourceType"`
	SourceIdentifier string    `json:"sourceIdentifier"`
	SourceArn        string    `json:"sourceArn"`
	EventID          string    `json:"eventId"`
	Categories       []string  `json:"categories"`
	Message          string    `json:"message"`
}

// rdsEvents lists the events of going from before to after: instances
// created and deleted, and the changes to what an instance runs (its
// inputs, which hold the running values: Record).
func rdsEvents(before, after *records, now time.Time) []Event {
	var out []Event
	ev := func(rec Record, id, category, message string) {
		out = append(out, Event{
			Date: now.UTC(), Region: rec.Region, SourceType: "db-instance",
			SourceIdentifier: apiStr(rec.Outputs["identifier"]), SourceArn: apiStr(rec.Outputs["arn"]),
			EventID: id, Categories: []string{category}, Message: message,
		})
	}
	for _, rec := range after.Resources {
		if rec.Type != instanceType {
			continue
		}
		i, existed := before.find(rec.Type, rec.ID)
		if !existed {
			ev(rec, "RDS-EVENT-0005", "creation", "DB instance created.")
			continue
		}
		old, now := before.Resources[i].Inputs, rec.Inputs
		if apiStr(old["instanceClass"]) != apiStr(now["instanceClass"]) {
			ev(rec, "RDS-EVENT-0012", "configuration change", "Applying modification to database instance class.")
			ev(rec, "RDS-EVENT-0014", "configuration change", "Finished applying modification to DB instance class.")
		}
		switch was, is := Unsecret(old["multiAz"]) == true, Unsecret(now["multiAz"]) == true; {
		case !was && is:
			ev(rec, "RDS-EVENT-0024", "configuration change", "Applying modification to convert to a Multi-AZ DB instance.")
			ev(rec, "RDS-EVENT-0025", "configuration change", "Finished applying modification to convert to a Multi-AZ DB instance.")
		case was && !is:
			ev(rec, "RDS-EVENT-0030", "configuration change", "Applying modification to convert to a standard (Single-AZ) DB instance.")
			ev(rec, "RDS-EVENT-0029", "configuration change", "Finished applying modification to convert to a standard (Single-AZ) DB instance.")
		}
		if pg := apiStr(now["parameterGroupName"]); pg != "" && pg != apiStr(old["parameterGroupName"]) {
			ev(rec, "RDS-EVENT-0011", "configuration change", "Updated to use DBParameterGroup "+pg+".")
		}
	}
	for _, rec := range before.Resources {
		if rec.Type != instanceType {
			continue
		}
		if _, ok := after.find(rec.Type, rec.ID); !ok {
			ev(rec, "RDS-EVENT-0003", "deletion", "DB instance deleted.")
		}
	}
	return out
}

// appendEvents adds events to the folder's events file; the caller holds
// the lock.
func appendEvents(dir string, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(dir, eventsFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("fakeaws: opening the RDS events: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, e := range evs {
		if err := enc.Encode(e); err != nil {
			f.Close()
			return fmt.Errorf("fakeaws: writing an RDS event: %w", err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("fakeaws: closing the RDS events: %w", err)
	}
	return nil
}

// loadEvents reads the folder's events, oldest first; the caller holds the
// lock.
func loadEvents(dir string) ([]Event, error) {
	return readLines[Event](filepath.Join(dir, eventsFile), "the RDS events")
}

// Events returns the RDS events recorded in the double's folder dir.
func Events(dir string) ([]Event, error) {
	s := &store{dir: dir}
	var out []Event
	err := s.locked(func() error {
		var err error
		out, err = loadEvents(dir)
		return err
	})
	return out, err
}
