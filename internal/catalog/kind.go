package catalog

import (
	"bufio"
	_ "embed"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

//go:embed kind_alert_feeds.txt
var alertFeedData string

// alertFeeds is kind_alert_feeds.txt, read once.
var alertFeeds = func() (a struct {
	tables, notTables, aggregates, eventFields map[string]bool
	tableParts                                 []string
}) {
	a.tables, a.notTables, a.aggregates, a.eventFields = map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(alertFeedData))
	for sc.Scan() {
		key, val, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok || strings.HasPrefix(key, "#") {
			continue
		}
		val = strings.ToLower(strings.TrimSpace(val))
		switch key {
		case "table":
			a.tables[val] = true
		case "table-part":
			a.tableParts = append(a.tableParts, val)
		case "not-table":
			a.notTables[val] = true
		case "aggregate":
			a.aggregates[val] = true
		case "event-field":
			a.eventFields[val] = true
		default:
			panic("kind_alert_feeds.txt: unknown keyword " + key)
		}
	}
	return a
}()

// IsAlertTable tells whether the table name holds alerts another product raised.
func IsAlertTable(name string) bool {
	n := strings.ToLower(name)
	if alertFeeds.notTables[n] {
		return false
	}
	if alertFeeds.tables[n] {
		return true
	}
	for _, p := range alertFeeds.tableParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// IsAlertFeed tells whether r only forwards another product's alerts: it
// reads alert tables only (SecurityAlert filtered by ProductName, AlertInfo,
// AlertEvidence, a vendor's *Alerts* table) and does no aggregation over them;
// or, for ECS-style rules, it asks for event.kind: alert and filters on
// nothing but the module or dataset that raised it. A rule of a language
// whose rules describe events, never alerts (lang.Language.EventsNotAlerts:
// Sigma), is never an alert feed.
func IsAlertFeed(r *rule.Rule) bool {
	if l := lang.Of(r); l != nil && l.EventsNotAlerts {
		return false
	}
	if len(r.Tables) > 0 {
		for _, t := range r.Tables {
			if !IsAlertTable(t) {
				return false
			}
		}
		return !hasStage(r.Stages, func(s *rule.Stage) bool { return alertFeeds.aggregates[strings.ToLower(s.Kind)] })
	}
	// No tables: an ECS-style query on event.kind.
	kindAlert, other := false, false
	eachPredicate(r.Stages, func(p *rule.Predicate) {
		f := strings.ToLower(p.Field)
		switch {
		case f == "event.kind" && !p.Negated && (p.Kind == rule.OpEq || p.Kind == rule.OpIn):
			for _, v := range p.Values {
				if strings.EqualFold(v, "alert") {
					kindAlert = true
				}
			}
		case !alertFeeds.eventFields[f]:
			other = true
		}
	})
	return kindAlert && !other
}

// ClassifyKind sets r.Kind to alert_feed when r only forwards another
// product's alerts (IsAlertFeed). Correlations, functions, filters and
// building blocks keep their kind.
func ClassifyKind(r *rule.Rule) {
	switch r.Kind {
	case rule.KindCorrelation, rule.KindFunction, rule.KindFilter, rule.KindBuildingBlock, rule.KindAlertFeed:
		return
	}
	if IsAlertFeed(r) {
		r.Kind = rule.KindAlertFeed
	}
}

func hasStage(ss []rule.Stage, f func(*rule.Stage) bool) bool {
	for i := range ss {
		if f(&ss[i]) || hasStage(ss[i].Stages, f) {
			return true
		}
	}
	return false
}

func eachPredicate(ss []rule.Stage, f func(*rule.Predicate)) {
	for i := range ss {
		for j := range ss[i].Predicates {
			f(&ss[i].Predicates[j])
		}
		eachPredicate(ss[i].Stages, f)
	}
}
