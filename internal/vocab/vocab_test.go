package vocab

import "testing"

// TestEveryCanonicalListed: every canonical name a mapping gives is in
// data/canonical.yaml (with its title), and every basename and part names
// a listed field.
func TestEveryCanonicalListed(t *testing.T) {
	v := Default()
	for _, p := range v.Platforms() {
		for _, s := range v.Sources(p) {
			for _, m := range s.Fields() {
				if m.Canonical == "" {
					continue
				}
				if _, ok := v.Canonical(m.Canonical); !ok {
					t.Errorf("%s %s: %s maps to %s, which canonical.yaml does not list", p, s.Name, m.Field, m.Canonical)
				}
			}
		}
	}
	for _, c := range v.Canonicals() {
		for _, other := range []string{c.Basename, c.Part} {
			if _, ok := v.Canonical(other); other != "" && !ok {
				t.Errorf("%s names %s, which is not listed", c.Name, other)
			}
		}
		if c.Title == "" {
			t.Errorf("%s has no title", c.Name)
		}
	}
}

func TestResolve(t *testing.T) {
	v := Default()
	has := func(pairs ...string) func(string, string) bool {
		return func(f, val string) bool {
			for i := 0; i+1 < len(pairs); i += 2 {
				if pairs[i] == f && pairs[i+1] == val {
					return true
				}
			}
			return false
		}
	}
	for _, tc := range []struct {
		platform string
		tables   []string
		has      func(string, string) bool
		field    string
		want     string
		kind     string
	}{
		{"sigma", []string{"windows//process_creation"}, nil, "Image", "process.executable", "process"},
		{"sigma", []string{"windows//process_creation"}, nil, "CommandLine", "process.command_line", "process"},
		{"sigma", []string{"windows//image_load"}, nil, "OriginalFileName", "dll.pe.original_file_name", "image_load"},
		{"sigma", []string{"windows//dns_query"}, nil, "QueryName", "dns.question.name", "dns"},
		{"sigma", []string{"windows/security/"}, nil, "NewProcessName", "process.executable", "windows_security"},
		{"kusto", []string{"DeviceProcessEvents"}, nil, "FileName", "process.name", "process"},
		{"kusto", []string{"DeviceProcessEvents"}, nil, "InitiatingProcessFileName", "process.parent.name", "process"},
		{"kusto", []string{"DeviceNetworkEvents"}, nil, "InitiatingProcessFileName", "process.name", "network"},
		{"kusto", []string{"DeviceFileEvents"}, nil, "FileName", "file.name", "file"},
		{"kusto", []string{"DeviceRegistryEvents"}, nil, "RegistryKey", "registry.path", "registry"},
		{"elastic", []string{"event.category:process"}, nil, "process.name", "process.name", "process"},
		{"elastic", []string{"event.category:process"}, nil, "process.args", "process.args", "process"},
		{"splunk", []string{"datamodel:Endpoint.Processes"}, nil, "Processes.process", "process.command_line", "process"},
		{"splunk", []string{"datamodel:Endpoint.Processes"}, nil, "process_name", "process.name", "process"},
		{"splunk", []string{"datamodel:Network_Resolution"}, nil, "DNS.query", "dns.question.name", "dns"},
		{"splunk", []string{"XmlWinEventLog:Microsoft-Windows-Sysmon/Operational"}, has("EventCode", "1"), "ParentImage", "process.parent.executable", "process"},
		{"chronicle", []string{"udm"}, has("metadata.event_type", "PROCESS_LAUNCH"), "principal.process.file.full_path", "process.parent.executable", "process"},
		{"chronicle", []string{"udm"}, has("metadata.event_type", "NETWORK_CONNECTION"), "principal.process.file.full_path", "process.executable", "network"},
		{"chronicle", []string{"udm"}, has("metadata.event_type", "NETWORK_DNS"), "network.dns.questions.name", "dns.question.name", "dns"},
	} {
		srcs := v.Select(tc.platform, tc.tables, tc.has)
		got, src, ok := Resolve(srcs, tc.field)
		if !ok || got != tc.want {
			t.Errorf("%s %v %s = %q, %v; want %q", tc.platform, tc.tables, tc.field, got, ok, tc.want)
			continue
		}
		if len(srcs) == 0 || srcs[0].Kind != tc.kind {
			t.Errorf("%s %v: first source %v, want kind %s (field from %s)", tc.platform, tc.tables, srcs, tc.kind, src.Name)
		}
	}
}

func TestHasField(t *testing.T) {
	for _, tc := range []struct {
		platform, table, field string
		known, has             bool
	}{
		{"kusto", "DeviceProcessEvents", "ProcessCommandLine", true, true},
		{"kusto", "DeviceProcessEvents", "processcommandline", true, true},
		{"kusto", "DeviceProcessEvents", "RemoteIP", true, false},
		{"kusto", "DeviceNetworkEvents", "Nonsense", false, false}, // not a complete list
		{"kusto", "NoSuchTable", "FileName", false, false},
		{"sigma", "windows//process_creation", "TargetFilename", true, false},
		{"sigma", "windows//process_creation", "EventID", true, true}, // every Windows event has it
		{"sigma", "linux//process_creation", "CommandLine", true, true},
	} {
		known, has := HasField(tc.platform, tc.table, tc.field)
		if known != tc.known || has != tc.has {
			t.Errorf("HasField(%s, %s, %s) = %v, %v; want %v, %v", tc.platform, tc.table, tc.field, known, has, tc.known, tc.has)
		}
	}
}
