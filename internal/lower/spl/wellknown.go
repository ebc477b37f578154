package lowerspl

import (
	"regexp"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/spl"
)

// What Splunk Enterprise Security and ESCU define that a repository of
// detections calls without defining: macros, the data sources of ESCU's
// naming, and ESCU's default schedules. A repository's own definitions
// (macros/*.yml, macros.conf, data_sources/*.yml, deployments/*.yml) come
// first; these fill in what it lacks.

// wellKnownMacro returns the definition Splunk ES or ESCU gives the macro
// key (name or name(N)), nil when none:
//   - name_filter: the per-detection filter ESCU ships empty for the
//     customer to fill, `search *` (every event kept);
//   - drop_dm_object_name(1): Splunk ES's (SA-Utils)
//     `rename $object$.* AS *`, the data model's object name taken off the
//     fields;
//   - security_content_summariesonly and security_content_ctime(1): ESCU's
//     own (summariesonly=false allow_old_summaries=true
//     fillnull_value=null; convert timeformat=... ctime($field$)).
//
// https://github.com/splunk/security_content/tree/develop/macros
// https://docs.splunk.com/Documentation/ES/latest/Admin/Listofsearchmacros
func wellKnownMacro(key string) *spl.MacroDef {
	switch key {
	case "drop_dm_object_name(1)":
		return &spl.MacroDef{Name: "drop_dm_object_name", Args: []string{"object"}, Definition: "rename $object$.* AS *"}
	case "security_content_summariesonly":
		return &spl.MacroDef{Name: key, Definition: "summariesonly=false allow_old_summaries=true fillnull_value=null"}
	case "security_content_ctime(1)":
		return &spl.MacroDef{Name: "security_content_ctime", Args: []string{"field"}, Definition: `convert timeformat="%Y-%m-%dT%H:%M:%S" ctime($field$)`}
	}
	if strings.HasSuffix(key, "_filter") && !strings.Contains(key, "(") {
		return &spl.MacroDef{Name: key, Definition: "search *"}
	}
	return nil
}

// dataSource is what a data source says of the events a detection reads.
type dataSource struct {
	Name               string
	Source, Sourcetype string
	Separator, Value   string // the field naming the event type and the value for this data source
}

// Data sources named the ESCU way when the repository does not define
// them: the product, then the event's id or name.
var builtinSources = []struct {
	prefix                        *regexp.Regexp
	source, sourcetype, separator string
}{
	{regexp.MustCompile(`^Sysmon EventID (\d+)$`), "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational", "xmlwineventlog", "EventID"},
	{regexp.MustCompile(`^Windows (?:Event Log )?Security (\d+)$`), "XmlWinEventLog:Security", "xmlwineventlog", "EventCode"},
	{regexp.MustCompile(`^Windows Event Log Defender (\d+)$`), "XmlWinEventLog:Microsoft-Windows-Windows Defender/Operational", "xmlwineventlog", "EventCode"},
	{regexp.MustCompile(`^Windows Event Log Printservice (\d+)$`), "WinEventLog:Microsoft-Windows-PrintService/Admin", "WinEventLog", "EventCode"},
	{regexp.MustCompile(`^Windows Event Log TaskScheduler (\d+)$`), "WinEventLog:Microsoft-Windows-TaskScheduler/Operational", "wineventlog", "EventCode"},
	{regexp.MustCompile(`^Windows Event Log System (\d+)$`), "XmlWinEventLog:System", "xmlwineventlog", "EventCode"},
	{regexp.MustCompile(`^Powershell Script Block Logging (4104)$`), "XmlWinEventLog:Microsoft-Windows-PowerShell/Operational", "xmlwineventlog", "EventCode"},
	{regexp.MustCompile(`^AWS CloudTrail (\w+)$`), "aws_cloudtrail", "aws:cloudtrail", "eventName"},
	{regexp.MustCompile(`^O365 (.+)$`), "o365", "o365:management:activity", "Operation"},
	{regexp.MustCompile(`^Azure Active Directory (.+)$`), "Azure AD", "azure:monitor:aad", "operationName"},
}

// builtinSource reads a data source from its name alone.
func builtinSource(name string) *dataSource {
	for _, b := range builtinSources {
		if m := b.prefix.FindStringSubmatch(name); m != nil {
			return &dataSource{Name: name, Source: b.source, Sourcetype: b.sourcetype, Separator: b.separator, Value: m[1]}
		}
	}
	return nil
}

// builtinSchedules are ESCU's default deployments by detection type
// (deployments/*.yml of security_content): hourly, the last hour ending
// ten minutes ago; baselines daily over the day before.
var builtinSchedules = map[string]schedule{
	"ttp":         {Cron: "0 * * * *", Earliest: "-70m@m", Latest: "-10m@m"},
	"anomaly":     {Cron: "0 * * * *", Earliest: "-70m@m", Latest: "-10m@m"},
	"hunting":     {Cron: "0 * * * *", Earliest: "-70m@m", Latest: "-10m@m"},
	"correlation": {Cron: "0 * * * *", Earliest: "-70m@m", Latest: "-10m@m"},
	"baseline":    {Cron: "10 0 * * *", Earliest: "-1450m@m", Latest: "-10m@m"},
}

// dataModels names the objects of the Common Information Model that
// detections read, with what each holds.
// https://docs.splunk.com/Documentation/CIM/latest/User/Overview
var dataModels = map[string]string{
	"Endpoint.Processes":              "Process activity",
	"Endpoint.Filesystem":             "File system activity",
	"Endpoint.Registry":               "Registry activity",
	"Endpoint.Services":               "Services",
	"Endpoint.Ports":                  "Listening ports",
	"Network_Traffic.All_Traffic":     "Network traffic",
	"Network_Resolution.DNS":          "DNS queries and answers",
	"Web.Web":                         "Web requests",
	"Web.Proxy":                       "Web proxy requests",
	"Authentication.Authentication":   "Authentication events",
	"Change.All_Changes":              "Changes",
	"Change.Instance_Changes":         "Cloud instance changes",
	"Email.All_Email":                 "Email",
	"Risk.All_Risk":                   "Risk events",
	"Intrusion_Detection.IDS_Attacks": "Intrusion detection alerts",
	"Certificates.All_Certificates":   "Certificates",
	"Updates.Updates":                 "Software updates",
	"Vulnerabilities.Vulnerabilities": "Vulnerability scans",
	"Network_Sessions.All_Sessions":   "Network sessions",
	"Alerts.Alerts":                   "Alerts",
	"Splunk_Audit.Search_Activity":    "Splunk search activity",
	"Data_Access.Data_Access":         "Data access",
	"Malware.Malware_Attacks":         "Malware detections",
	"Change.Account_Management":       "Account management changes",
}
