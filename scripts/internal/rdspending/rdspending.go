package rdspending

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// Fields turns PendingModifiedValues (or a cluster's
// ClusterPendingModifiedValues) into its set fields by AWS name, the way
// the API returns them; nil when nothing is pending.
func Fields[T rdstypes.PendingModifiedValues | rdstypes.ClusterPendingModifiedValues](p *T) (map[string]any, error) {
	if p == nil {
		return nil, nil
	}
	data, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode PendingModifiedValues: %w", err)
	}
	var all map[string]any
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("decode PendingModifiedValues: %w", err)
	}
	out := map[string]any{}
	for k, v := range all {
		// Unset fields: nil pointers and slices, and the enum
		// AutomationMode, which is a plain string.
		if v == nil || v == "" {
			continue
		}
		if l, ok := v.([]any); ok && len(l) == 0 {
			continue
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// List renders pending fields as "Field=value, ...", sorted.
func List(p map[string]any) string {
	out := make([]string, 0, len(p))
	for k, v := range p {
		out = append(out, k+"="+Scalar(v))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// Scalar renders a JSON value for comparison and display.
func Scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "null"
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// NextWindow is the start of the next maintenance window after t, from a
// PreferredMaintenanceWindow ("Format: ddd:hh24:mi-ddd:hh24:mi ... in
// Universal Coordinated Time (UTC)", ModifyDBInstance API reference), as
// "Sun 2026-12-06 04:00 UTC"; "" when the window does not parse or t is
// zero.
func NextWindow(window string, t time.Time) string {
	start, _, ok := strings.Cut(window, "-")
	if !ok || t.IsZero() {
		return ""
	}
	parts := strings.Split(start, ":")
	if len(parts) != 3 {
		return ""
	}
	days := map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
		"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}
	day, ok := days[strings.ToLower(parts[0])]
	h, herr := strconv.Atoi(parts[1])
	m, merr := strconv.Atoi(parts[2])
	if !ok || herr != nil || merr != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return ""
	}
	t = t.UTC()
	next := time.Date(t.Year(), t.Month(), t.Day(), h, m, 0, 0, time.UTC)
	next = next.AddDate(0, 0, (int(day)-int(t.Weekday())+7)%7)
	if !next.After(t) {
		next = next.AddDate(0, 0, 7)
	}
	return next.Format("Mon 2006-01-02 15:04 UTC")
}
