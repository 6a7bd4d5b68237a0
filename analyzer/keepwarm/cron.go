package keepwarm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

const minutesPerWeek = 7 * 24 * 60

var dayNames = [7]string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

// weekMinute is a minute of the week, Sunday 00:00 = 0.
type weekMinute int

// toUTC shifts a minute of the owner's week to UTC with the zone's offset at
// ref. A DST change moves the crons by an hour: re-emit them when it happens
// (EventBridge rules evaluate in UTC, §5.7).
func toUTC(m weekMinute, loc *time.Location, ref time.Time) weekMinute {
	_, off := ref.In(loc).Zone()
	return weekMinute(((int(m)-off/60)%minutesPerWeek + minutesPerWeek) % minutesPerWeek)
}

func (m weekMinute) parts() (wd, hour, minute int) {
	return int(m) / 1440, int(m) % 1440 / 60, int(m) % 60
}

// cronGroup is one cron line: the same minutes at the same hours on a set of days.
type cronGroup struct {
	days    uint8 // bit d = weekday d, 0 = Sunday
	hours   []int
	minutes []int
}

// pingCrons turns a ping schedule into one PingSchedule per distinct
// (day set, minutes) group of UTC hours.
func pingCrons(s *schedule, loc *time.Location, ref time.Time) []PingSchedule {
	type hourKey struct{ hour, minute int }
	days := map[hourKey]uint8{}
	for wd := range s.slots {
		for h := range s.slots[wd] {
			if !s.slots[wd][h] {
				continue
			}
			base := wd*1440 + h*60 + int(s.offset/time.Minute)
			for off := 0; off < 60; off += int(s.every / time.Minute) {
				d, uh, um := toUTC(weekMinute(base+off), loc, ref).parts()
				days[hourKey{uh, um}] |= 1 << d
			}
		}
	}
	// Group: per hour, the minutes per day set; then hours sharing both.
	perHour := map[int]map[uint8][]int{}
	for k, mask := range days {
		if perHour[k.hour] == nil {
			perHour[k.hour] = map[uint8][]int{}
		}
		perHour[k.hour][mask] = append(perHour[k.hour][mask], k.minute)
	}
	groups := map[string]*cronGroup{}
	for h, byMask := range perHour {
		for mask, mins := range byMask {
			slices.Sort(mins)
			key := fmt.Sprint(mask, mins)
			if groups[key] == nil {
				groups[key] = &cronGroup{days: mask, minutes: mins}
			}
			groups[key].hours = append(groups[key].hours, h)
		}
	}
	out := make([]PingSchedule, 0, len(groups))
	for _, g := range groups {
		slices.Sort(g.hours)
		out = append(out, g.schedule(s))
	}
	slices.SortFunc(out, func(a, b PingSchedule) int { return strings.Compare(a.Cron, b.Cron) })
	return out
}

func (g *cronGroup) schedule(s *schedule) PingSchedule {
	std, eb := minuteFields(g.minutes)
	hours := listField(g.hours, 24, strconv.Itoa)
	ps := PingSchedule{
		Cron:        fmt.Sprintf("%s %s * * %s", std, hours, dayField(g.days, strconv.Itoa)),
		EventBridge: eventBridge(eb, hours, g.days),
		K:           s.k,
		Every:       s.every,
		Payload:     fmt.Sprintf(`{"warmer":true,"concurrency":%d}`, s.k),
	}
	if s.k > 1 {
		ps.HandlerDelay = s.delay
	}
	ps.Description = fmt.Sprintf("%s at %s UTC on %s, k=%d", everyText(s.every), hoursText(g.hours), dayField(g.days, dayName), s.k)
	return ps
}

// eventBridge writes cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)
// with '?' in day-of-month when day-of-week is set, as EventBridge requires (§5.7).
func eventBridge(minutes, hours string, days uint8) string {
	if days == 0x7f {
		return fmt.Sprintf("cron(%s %s * * ? *)", minutes, hours)
	}
	return fmt.Sprintf("cron(%s %s ? * %s *)", minutes, hours, dayField(days, dayName))
}

// minuteFields writes a minute set as the standard field and the
// EventBridge field: a step from the first minute across the hour is
// "*/5" or "7-59/15" (standard) and "0/5" or "7/15" (EventBridge).
func minuteFields(mins []int) (std, eb string) {
	if len(mins) > 1 {
		step := mins[1] - mins[0]
		regular := mins[0] < step && mins[len(mins)-1]+step >= 60
		for i := 2; i < len(mins) && regular; i++ {
			regular = mins[i]-mins[i-1] == step
		}
		if regular {
			std = fmt.Sprintf("%d-59/%d", mins[0], step)
			if mins[0] == 0 {
				std = fmt.Sprintf("*/%d", step)
			}
			return std, fmt.Sprintf("%d/%d", mins[0], step)
		}
	}
	f := listField(mins, 60, strconv.Itoa)
	return f, f
}

// listField writes sorted values as ranges ("7-17", "1,3,5-7"), or "*" when
// all n values are present.
func listField(vals []int, n int, name func(int) string) string {
	if len(vals) == n {
		return "*"
	}
	var parts []string
	for i := 0; i < len(vals); {
		j := i
		for j+1 < len(vals) && vals[j+1] == vals[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, name(vals[i])+"-"+name(vals[j]))
		} else {
			parts = append(parts, name(vals[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// dayField writes a weekday set: 5-field crons take numbers (Vixie cron
// accepts no ranges of names), EventBridge takes names.
func dayField(mask uint8, name func(int) string) string {
	var days []int
	for d := range 7 {
		if mask&(1<<d) != 0 {
			days = append(days, d)
		}
	}
	return listField(days, 7, name)
}

func dayName(d int) string { return dayNames[d] }

func everyText(every time.Duration) string {
	if every >= time.Hour {
		return "once an hour"
	}
	return "every " + strconv.Itoa(int(every/time.Minute)) + " min"
}

func hoursText(hours []int) string {
	if len(hours) == 24 {
		return "every hour"
	}
	return listField(hours, 24, func(h int) string { return fmt.Sprintf("%02d", h) }) + "h"
}

// levelActions writes the scheduled actions that set capacity n at local
// hour h (minus lead when raising) on the days of a day type.
func levelActions(dt, h int, n int, lead time.Duration, loc *time.Location, ref time.Time, reserve string) string {
	var mask uint8
	minute := weekMinute(h*60 - int(lead/time.Minute))
	var at weekMinute
	for d := range 7 {
		if dayTypeOf(time.Weekday(d)) != dt {
			continue
		}
		at = toUTC(weekMinute(d*1440)+minute, loc, ref)
		wd, _, _ := at.parts()
		mask |= 1 << wd
	}
	_, uh, um := at.parts()
	cron := fmt.Sprintf("cron(%d %d ? * %s *)", um, uh, dayField(mask, dayName))
	switch reserve {
	case ActionAlwaysReady:
		return fmt.Sprintf("%s: alwaysReady instanceCount=%d", cron, n)
	case ActionMinInstances:
		return fmt.Sprintf("%s: --min-instances=%d", cron, n)
	}
	return fmt.Sprintf("%s: MinCapacity=%d", cron, n)
}
