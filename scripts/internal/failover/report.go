package failover

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Report is what a drill measured. Durations are milliseconds; times
// ("…AfterTriggerMs") are offsets from the moment the trigger was fired,
// taken from the monotonic clock.
type Report struct {
	StartedAt  time.Time    `json:"startedAt"`
	Target     TargetInfo   `json:"target"`
	Trigger    TriggerInfo  `json:"trigger"`
	Settings   SettingsInfo `json:"settings"`
	Thresholds Thresholds   `json:"thresholds"`

	Writes    WriteStats    `json:"writes"`
	Outage    Outage        `json:"outage"`
	Reads     ReadStats     `json:"reads"`
	DNS       DNSReport     `json:"dns"`
	Placement PlacementInfo `json:"placement"`
	Loss      Loss          `json:"loss"`
	TableKept bool          `json:"tableKept"`

	Verdict Verdict `json:"verdict"`
}

// TargetInfo names what was drilled.
type TargetInfo struct {
	Host  string `json:"host"`
	Port  int    `json:"port,omitempty"`
	Table string `json:"table"`
}

// TriggerInfo says how and when the failover was started.
type TriggerInfo struct {
	Name string `json:"name"`
	// ReturnedAfterMs is how long the trigger call or command took; null
	// when it had not returned when the observation ended.
	ReturnedAfterMs *float64 `json:"returnedAfterMs"`
}

// SettingsInfo are the drill's settings.
type SettingsInfo struct {
	WritesPerSecond float64 `json:"writesPerSecond"`
	WriteTimeoutMs  float64 `json:"writeTimeoutMs"`
	ProbeIntervalMs float64 `json:"probeIntervalMs"`
	DNSIntervalMs   float64 `json:"dnsIntervalMs"`
	WarmupMs        float64 `json:"warmupMs"`
	SettleMs        float64 `json:"settleMs"`
	MaxWaitMs       float64 `json:"maxWaitMs"`
}

// Thresholds are the pass conditions.
type Thresholds struct {
	MaxDowntimeMs float64 `json:"maxDowntimeMs"`
	MaxLostWrites int     `json:"maxLostWrites"`
}

// WriteStats count write attempts.
type WriteStats struct {
	Attempted    int `json:"attempted"`
	Acknowledged int `json:"acknowledged"`
	Failed       int `json:"failed"`
	// FailedBeforeTrigger counts failures during the warm-up: a target
	// that is already unstable makes the measurement doubtful.
	FailedBeforeTrigger int     `json:"failedBeforeTrigger"`
	MaxLatencyMs        float64 `json:"maxLatencyMs"`
	MedianLatencyMs     float64 `json:"medianLatencyMs"`
}

// Outage is the client-observed write outage.
type Outage struct {
	// Observed is false when no write failed after the trigger.
	Observed bool `json:"observed"`
	// Recovered is false when writes were still failing when the
	// observation ended.
	Recovered bool `json:"recovered"`
	// FirstFailedWriteAfterTriggerMs is when the first failed write was
	// issued (it may be slightly negative: a write in flight at the trigger).
	FirstFailedWriteAfterTriggerMs *float64 `json:"firstFailedWriteAfterTriggerMs"`
	// RecoveredAfterTriggerMs is when the first write after the last failure
	// was acknowledged.
	RecoveredAfterTriggerMs *float64 `json:"recoveredAfterTriggerMs"`
	// DowntimeMs is client-observed downtime: from the issue of the first
	// failed write to the acknowledgement of the first write that succeeded
	// after the last failed one. When not recovered, it runs to the end of
	// the observation and is a lower bound.
	DowntimeMs float64 `json:"downtimeMs"`
	// UncertaintyMs bounds the measurement error of DowntimeMs: the time at
	// each edge between the last evidence of one state and the first
	// evidence of the other (about one write interval each).
	UncertaintyMs float64 `json:"uncertaintyMs"`
	// Windows lists each run of consecutive failed writes.
	Windows []Window `json:"windows"`
	// Errors counts the failed writes' messages, most frequent first.
	Errors []ErrorCount `json:"errors"`
}

// Window is one run of failed writes, as offsets from the trigger.
type Window struct {
	StartMs      float64 `json:"startMs"`
	EndMs        float64 `json:"endMs"`
	FailedWrites int     `json:"failedWrites"`
}

// ErrorCount is how often one error message was seen.
type ErrorCount struct {
	Message string `json:"message"`
	Count   int    `json:"count"`
}

// ReadStats summarise the read probe.
type ReadStats struct {
	Attempted int `json:"attempted"`
	Failed    int `json:"failed"`
	// DowntimeMs is the read probe's outage, measured like writes.
	DowntimeMs float64 `json:"downtimeMs"`
	// ServerBefore and ServerAfter identify the server that answered the
	// last probe before the trigger and the last probe of the drill.
	ServerBefore string `json:"serverBefore"`
	ServerAfter  string `json:"serverAfter"`
	// ServerChangedAfterTriggerMs is when a probe was first answered by a
	// different server.
	ServerChangedAfterTriggerMs *float64 `json:"serverChangedAfterTriggerMs"`
	// StandbyAnswers counts probes answered by a server in recovery.
	StandbyAnswers int `json:"standbyAnswers"`
}

// DNSReport is what the DNS probe saw.
type DNSReport struct {
	// Probed is false when the host was an IP address.
	Probed  bool     `json:"probed"`
	Lookups int      `json:"lookups"`
	Failed  int      `json:"failed"`
	Before  []string `json:"before"`
	After   []string `json:"after"`
	// ChangedAfterTriggerMs is when the answer first differed from the
	// answer before the trigger; null when it never changed.
	ChangedAfterTriggerMs *float64 `json:"changedAfterTriggerMs"`
}

// PlacementInfo is where the instance ran before and after (RDS only).
type PlacementInfo struct {
	Before  *Placement `json:"before,omitempty"`
	After   *Placement `json:"after,omitempty"`
	Changed *bool      `json:"azChanged,omitempty"`
	Error   string     `json:"error,omitempty"`
}

// Loss compares acknowledged writes with the rows found after recovery.
type Loss struct {
	TableFound bool `json:"tableFound"`
	// LostAcknowledged counts writes whose commit returned without error
	// but whose row is missing.
	LostAcknowledged int `json:"lostAcknowledged"`
	// LostSeqs lists up to 100 of them.
	LostSeqs []int64 `json:"lostSeqs"`
	// PresentUnacknowledged counts writes that reported an error yet were
	// committed: the commit reached the server, its answer did not reach us.
	PresentUnacknowledged int `json:"presentUnacknowledged"`
	// RowsFound is the number of rows read back.
	RowsFound int `json:"rowsFound"`
}

// Verdict is the outcome against the thresholds.
type Verdict struct {
	Passed   bool     `json:"passed"`
	Failures []string `json:"failures"`
	Notes    []string `json:"notes"`
}

type analysisInput struct {
	writes     []WriteSample
	probes     []ProbeSample
	dns        []DNSSample
	present    map[int64]bool
	tableFound bool
	trigStart  time.Duration
	trigEnd    time.Duration
	fired      bool
	end        time.Duration
	interval   time.Duration
	hostIsIP   bool
}

func ptr(v float64) *float64 { return &v }

// analyze fills the measurements and the verdict of rep.
func analyze(rep *Report, in analysisInput) {
	rel := func(t time.Duration) float64 { return ms(t - in.trigStart) }
	if in.fired {
		rep.Trigger.ReturnedAfterMs = ptr(ms(in.trigEnd - in.trigStart))
	}

	// Writes.
	w := &rep.Writes
	var lat []time.Duration
	errCount := map[string]int{}
	for _, s := range in.writes {
		w.Attempted++
		if s.OK {
			w.Acknowledged++
			lat = append(lat, s.End-s.Start)
			continue
		}
		w.Failed++
		errCount[s.Err]++
		if s.End < in.trigStart {
			w.FailedBeforeTrigger++
		}
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		w.MaxLatencyMs = ms(lat[len(lat)-1])
		w.MedianLatencyMs = ms(lat[len(lat)/2])
	}
	for msg, n := range errCount {
		rep.Outage.Errors = append(rep.Outage.Errors, ErrorCount{Message: msg, Count: n})
	}
	sort.Slice(rep.Outage.Errors, func(i, j int) bool {
		a, b := rep.Outage.Errors[i], rep.Outage.Errors[j]
		return a.Count > b.Count || a.Count == b.Count && a.Message < b.Message
	})

	// Outage windows among writes that ended after the trigger.
	o := &rep.Outage
	o.Windows = []Window{}
	first, lastFail, recovery := -1, -1, -1
	for i, s := range in.writes {
		if s.End < in.trigStart {
			continue
		}
		if !s.OK {
			if first < 0 {
				first = i
			}
			if lastFail < 0 || lastFail != i-1 {
				o.Windows = append(o.Windows, Window{StartMs: rel(s.Start)})
			}
			o.Windows[len(o.Windows)-1].FailedWrites++
			o.Windows[len(o.Windows)-1].EndMs = rel(in.end)
			lastFail = i
			recovery = -1
			continue
		}
		if lastFail >= 0 && recovery < 0 {
			recovery = i
			o.Windows[len(o.Windows)-1].EndMs = rel(s.End)
		}
	}
	if first >= 0 {
		o.Observed = true
		f := in.writes[first]
		o.FirstFailedWriteAfterTriggerMs = ptr(rel(f.Start))
		var unc time.Duration
		if first > 0 {
			unc += max(0, f.Start-in.writes[first-1].End)
		}
		if recovery >= 0 {
			r := in.writes[recovery]
			o.Recovered = true
			o.RecoveredAfterTriggerMs = ptr(rel(r.End))
			o.DowntimeMs = ms(r.End - f.Start)
			unc += max(0, r.Start-in.writes[lastFail].End)
		} else {
			o.DowntimeMs = ms(in.end - f.Start)
		}
		o.UncertaintyMs = ms(unc)
	}

	// Reads.
	r := &rep.Reads
	var rFirst, rRec time.Duration = -1, -1
	for _, p := range in.probes {
		r.Attempted++
		if !p.OK {
			r.Failed++
			if p.End >= in.trigStart {
				if rFirst < 0 {
					rFirst = p.Start
				}
				rRec = -1
			}
			continue
		}
		if p.InRecovery {
			r.StandbyAnswers++
		}
		if p.End < in.trigStart {
			r.ServerBefore = p.Server
			continue
		}
		if rFirst >= 0 && rRec < 0 {
			rRec = p.End
		}
		if r.ServerChangedAfterTriggerMs == nil && r.ServerBefore != "" && p.Server != r.ServerBefore {
			r.ServerChangedAfterTriggerMs = ptr(rel(p.End))
		}
		r.ServerAfter = p.Server
	}
	if rFirst >= 0 {
		if rRec < 0 {
			rRec = in.end
		}
		r.DowntimeMs = ms(rRec - rFirst)
	}

	// DNS.
	dn := &rep.DNS
	dn.Probed = !in.hostIsIP && len(in.dns) > 0
	dn.Before, dn.After = []string{}, []string{}
	for _, s := range in.dns {
		dn.Lookups++
		if s.Err != "" {
			dn.Failed++
			continue
		}
		if s.At < in.trigStart {
			dn.Before = s.Addrs
			continue
		}
		if dn.ChangedAfterTriggerMs == nil && len(dn.Before) > 0 && !equal(s.Addrs, dn.Before) {
			dn.ChangedAfterTriggerMs = ptr(rel(s.At))
		}
		dn.After = s.Addrs
	}

	// Placement.
	if rep.Placement.Before != nil && rep.Placement.After != nil {
		changed := rep.Placement.Before.AvailabilityZone != rep.Placement.After.AvailabilityZone
		rep.Placement.Changed = &changed
	}

	// Loss.
	l := &rep.Loss
	l.TableFound = in.tableFound
	l.RowsFound = len(in.present)
	l.LostSeqs = []int64{}
	for _, s := range in.writes {
		switch {
		case s.OK && !in.present[s.Seq]:
			l.LostAcknowledged++
			if len(l.LostSeqs) < 100 {
				l.LostSeqs = append(l.LostSeqs, s.Seq)
			}
		case !s.OK && in.present[s.Seq]:
			l.PresentUnacknowledged++
		}
	}

	// Verdict.
	v := &rep.Verdict
	v.Failures, v.Notes = []string{}, []string{}
	th := rep.Thresholds
	switch {
	case !o.Observed:
		if rep.Placement.Changed != nil && *rep.Placement.Changed {
			v.Notes = append(v.Notes, "no write failed, yet the availability zone changed: the failover was shorter than the write interval")
		} else {
			v.Failures = append(v.Failures, fmt.Sprintf("no write failed within %s of the trigger: the failover was not observed (did the trigger fail the database over?)", time.Duration(rep.Settings.MaxWaitMs)*time.Millisecond))
		}
	case !o.Recovered:
		v.Failures = append(v.Failures, fmt.Sprintf("writes had not recovered when the observation ended: downtime is at least %s, over the RTO threshold of %s", fmtMs(o.DowntimeMs), fmtMs(th.MaxDowntimeMs)))
	case o.DowntimeMs > th.MaxDowntimeMs:
		v.Failures = append(v.Failures, fmt.Sprintf("client-observed downtime %s exceeds the RTO threshold of %s", fmtMs(o.DowntimeMs), fmtMs(th.MaxDowntimeMs)))
	}
	if l.LostAcknowledged > th.MaxLostWrites {
		v.Failures = append(v.Failures, fmt.Sprintf("%d acknowledged writes are missing after the failover (threshold %d): RPO is not zero", l.LostAcknowledged, th.MaxLostWrites))
	}
	if !l.TableFound {
		v.Notes = append(v.Notes, "the drill table does not exist on the new primary: it never reached the standby")
	}
	if w.FailedBeforeTrigger > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("%d writes failed before the trigger: the target was already unstable", w.FailedBeforeTrigger))
	}
	if l.PresentUnacknowledged > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("%d writes reported an error but were committed (their acknowledgement was lost in the failover): applications must treat such errors as 'outcome unknown'", l.PresentUnacknowledged))
	}
	if dn.Probed && o.Observed && dn.ChangedAfterTriggerMs == nil {
		v.Notes = append(v.Notes, "the endpoint's DNS answer did not change")
	}
	if !in.fired {
		v.Notes = append(v.Notes, "the trigger had not returned when the observation ended")
	}
	v.Passed = len(v.Failures) == 0
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func fmtMs(v float64) string {
	d := time.Duration(v * float64(time.Millisecond))
	if d < 10*time.Millisecond {
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

func fmtOpt(v *float64) string {
	if v == nil {
		return "never"
	}
	return "t+" + fmtMs(*v)
}

// WriteHuman prints the report for a person.
func (r *Report) WriteHuman(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	verdict := "PASSED"
	if !r.Verdict.Passed {
		verdict = "FAILED"
	}
	p("Failover drill: %s", verdict)
	p("  target           %s (table %s)", r.Target.Host, r.Target.Table)
	p("  trigger          %s", r.Trigger.Name)
	if r.Trigger.ReturnedAfterMs != nil {
		p("                   returned after %s", fmtMs(*r.Trigger.ReturnedAfterMs))
	}
	p("  writes           %d attempted at %g/s, %d acknowledged, %d failed (median latency %s, max %s)",
		r.Writes.Attempted, r.Settings.WritesPerSecond, r.Writes.Acknowledged, r.Writes.Failed,
		fmtMs(r.Writes.MedianLatencyMs), fmtMs(r.Writes.MaxLatencyMs))
	o := r.Outage
	if o.Observed {
		p("  first failed     %s after the trigger", strings.TrimPrefix(fmtOpt(o.FirstFailedWriteAfterTriggerMs), "t+"))
		if o.Recovered {
			p("  recovered        %s after the trigger", strings.TrimPrefix(fmtOpt(o.RecoveredAfterTriggerMs), "t+"))
			p("  DOWNTIME         %s (±%s; RTO threshold %s)", fmtMs(o.DowntimeMs), fmtMs(o.UncertaintyMs), fmtMs(r.Thresholds.MaxDowntimeMs))
		} else {
			p("  DOWNTIME         at least %s, not recovered (RTO threshold %s)", fmtMs(o.DowntimeMs), fmtMs(r.Thresholds.MaxDowntimeMs))
		}
		for _, win := range o.Windows {
			p("    failing        t+%s .. t+%s (%d writes)", fmtMs(win.StartMs), fmtMs(win.EndMs), win.FailedWrites)
		}
		for i, e := range o.Errors {
			if i == 3 {
				break
			}
			p("    error x%-5d   %s", e.Count, e.Message)
		}
	} else {
		p("  DOWNTIME         none observed")
	}
	p("  reads            %d probes, %d failed, read downtime %s", r.Reads.Attempted, r.Reads.Failed, fmtMs(r.Reads.DowntimeMs))
	if r.Reads.ServerChangedAfterTriggerMs != nil {
		p("                   answered by a new server from %s", fmtOpt(r.Reads.ServerChangedAfterTriggerMs))
	}
	if r.DNS.Probed {
		p("  DNS              %s -> %s, changed at %s (%d lookups, %d failed)",
			strings.Join(r.DNS.Before, ","), strings.Join(r.DNS.After, ","), fmtOpt(r.DNS.ChangedAfterTriggerMs), r.DNS.Lookups, r.DNS.Failed)
	} else {
		p("  DNS              not probed (the host is an IP address)")
	}
	pl := r.Placement
	if pl.Before != nil {
		after := "unknown"
		if pl.After != nil {
			after = pl.After.AvailabilityZone
		}
		p("  availability zone %s -> %s", pl.Before.AvailabilityZone, after)
	}
	p("  LOST WRITES      %d acknowledged writes missing (threshold %d); %d rows found; %d unacknowledged writes committed",
		r.Loss.LostAcknowledged, r.Thresholds.MaxLostWrites, r.Loss.RowsFound, r.Loss.PresentUnacknowledged)
	if len(r.Loss.LostSeqs) > 0 {
		seqs := make([]string, 0, 10)
		for i, s := range r.Loss.LostSeqs {
			if i == 10 {
				seqs = append(seqs, "...")
				break
			}
			seqs = append(seqs, fmt.Sprint(s))
		}
		p("                   missing sequence numbers: %s", strings.Join(seqs, ", "))
	}
	for _, f := range r.Verdict.Failures {
		p("  FAIL: %s", f)
	}
	for _, n := range r.Verdict.Notes {
		p("  note: %s", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
