package failover

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// The ways the drill's probes reach the database (failover-drill --via).
const (
	// ViaWriter connects to the database's own writer endpoint.
	ViaWriter = "writer"
	// ViaProxy connects through the RDS Proxy endpoint.
	ViaProxy = "proxy"
)

// ViaRun is one drill of a comparison: how its probes connected, and what
// it measured.
type ViaRun struct {
	Via    string  `json:"via"`
	Report *Report `json:"report"`
}

// Comparison is the report of drills of the same database through
// different endpoints, one failover each, in the order they ran.
type Comparison struct {
	Runs []ViaRun `json:"runs"`
	// Passed is true when every run passed its thresholds.
	Passed bool `json:"passed"`
}

// NewComparison gathers the runs and their joint verdict.
func NewComparison(runs []ViaRun) *Comparison {
	c := &Comparison{Runs: runs, Passed: len(runs) > 0}
	for _, r := range runs {
		c.Passed = c.Passed && r.Report != nil && r.Report.Verdict.Passed
	}
	return c
}

// summary is the human report's lines of r, label and value, for the
// side-by-side table: the same figures WriteHuman prints, one per line.
func summary(r *Report) [][2]string {
	verdict := "PASSED"
	if !r.Verdict.Passed {
		verdict = "FAILED"
	}
	returned := "not returned"
	if r.Trigger.ReturnedAfterMs != nil {
		returned = fmtMs(*r.Trigger.ReturnedAfterMs)
	}
	o := r.Outage
	first, recovered, down := "none", "-", "none observed"
	if o.Observed {
		first = strings.TrimPrefix(fmtOpt(o.FirstFailedWriteAfterTriggerMs), "t+")
		if o.Recovered {
			recovered = strings.TrimPrefix(fmtOpt(o.RecoveredAfterTriggerMs), "t+")
			down = fmt.Sprintf("%s (±%s)", fmtMs(o.DowntimeMs), fmtMs(o.UncertaintyMs))
		} else {
			recovered = "not recovered"
			down = "at least " + fmtMs(o.DowntimeMs)
		}
	}
	dns := "not probed"
	if r.DNS.Probed {
		dns = fmt.Sprintf("%s -> %s at %s", strings.Join(r.DNS.Before, ","), strings.Join(r.DNS.After, ","), fmtOpt(r.DNS.ChangedAfterTriggerMs))
	}
	az := "-"
	if pl := r.Placement; pl.Before != nil {
		after := "unknown"
		if pl.After != nil {
			after = pl.After.AvailabilityZone
		}
		az = pl.Before.AvailabilityZone + " -> " + after
	}
	return [][2]string{
		{"Failover drill", verdict},
		{"target", r.Target.Host},
		{"trigger", r.Trigger.Name},
		{"returned after", returned},
		{"writes", fmt.Sprintf("%d attempted, %d acknowledged, %d failed", r.Writes.Attempted, r.Writes.Acknowledged, r.Writes.Failed)},
		{"write latency", fmt.Sprintf("median %s, max %s", fmtMs(r.Writes.MedianLatencyMs), fmtMs(r.Writes.MaxLatencyMs))},
		{"first failed", first},
		{"recovered", recovered},
		{"DOWNTIME", down},
		{"reads", fmt.Sprintf("%d probes, %d failed, read downtime %s", r.Reads.Attempted, r.Reads.Failed, fmtMs(r.Reads.DowntimeMs))},
		{"new server at", fmtOpt(r.Reads.ServerChangedAfterTriggerMs)},
		{"DNS", dns},
		{"availability zone", az},
		{"LOST WRITES", fmt.Sprintf("%d (threshold %d)", r.Loss.LostAcknowledged, r.Thresholds.MaxLostWrites)},
	}
}

// WriteHuman prints the runs side by side, one column per run, then each
// run's failures and notes.
func (c *Comparison) WriteHuman(w io.Writer) error {
	var b strings.Builder
	verdict := "PASSED"
	if !c.Passed {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "Failover drills side by side: %s (one failover per run, in this order)\n", verdict)
	tw := tabwriter.NewWriter(&b, 0, 0, 3, ' ', 0)
	fmt.Fprint(tw, "  via")
	cols := make([][][2]string, len(c.Runs))
	for i, r := range c.Runs {
		fmt.Fprintf(tw, "\t%s", r.Via)
		cols[i] = summary(r.Report)
	}
	fmt.Fprintln(tw)
	if len(cols) > 0 {
		for row := range cols[0] {
			fmt.Fprintf(tw, "  %s", cols[0][row][0])
			for _, col := range cols {
				fmt.Fprintf(tw, "\t%s", col[row][1])
			}
			fmt.Fprintln(tw)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range c.Runs {
		for _, f := range r.Report.Verdict.Failures {
			fmt.Fprintf(&b, "  FAIL (%s): %s\n", r.Via, f)
		}
		for _, n := range r.Report.Verdict.Notes {
			fmt.Fprintf(&b, "  note (%s): %s\n", r.Via, n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
