package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

const (
	minutesPerDay  = 24 * 60
	minutesPerWeek = 7 * minutesPerDay
	minWindow      = 30
)

// window is a span of minutes from the start of a period (a day or a week).
// end may exceed the period length when the window wraps past midnight or
// the end of the week.
type window struct{ start, end, period int }

var weekdays = map[string]int{"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

func clock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("%q is not hh:mm", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func parseDailyWindow(s string) (window, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return window{}, fmt.Errorf("no -")
	}
	a, err := clock(from)
	if err != nil {
		return window{}, err
	}
	b, err := clock(to)
	if err != nil {
		return window{}, err
	}
	return span(a, b, minutesPerDay)
}

func parseWeeklyWindow(s string) (window, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return window{}, fmt.Errorf("no -")
	}
	a, err := weekMinute(from)
	if err != nil {
		return window{}, err
	}
	b, err := weekMinute(to)
	if err != nil {
		return window{}, err
	}
	return span(a, b, minutesPerWeek)
}

func weekMinute(s string) (int, error) {
	day, hm, ok := strings.Cut(s, ":")
	d, known := weekdays[day]
	if !ok || !known {
		return 0, fmt.Errorf("%q does not start with a day mon..sun", s)
	}
	m, err := clock(hm)
	if err != nil {
		return 0, err
	}
	return d*minutesPerDay + m, nil
}

func span(a, b, period int) (window, error) {
	if b <= a {
		b += period
	}
	if b-a < minWindow {
		return window{}, fmt.Errorf("%d minutes is shorter than 30", b-a)
	}
	if b-a >= period {
		return window{}, fmt.Errorf("the window covers the whole period")
	}
	return window{start: a, end: b, period: period}, nil
}

// windowsOverlap reports whether the weekly maintenance window meets the
// daily backup window on any day of the week.
func windowsOverlap(daily, weekly window) bool {
	for day := -1; day <= 7; day++ {
		s := day*minutesPerDay + daily.start
		e := day*minutesPerDay + daily.end
		for _, shift := range []int{0, minutesPerWeek} {
			ws, we := weekly.start+shift, weekly.end+shift
			if s < we && ws < e {
				return true
			}
		}
	}
	return false
}
