// Package vocab is ruledex's common field vocabulary: for each platform,
// the fields of each of its sources (a table, a log source, a data model, an
// event type) mapped to one canonical name, so that the same fact, a
// process's command line, is one name whatever the language wrote
// (`CommandLine`, `ProcessCommandLine`, `process.command_line`,
// `Processes.process`, `target.process.command_line`).
//
// The canonical names are ECS's (the Elastic Common Schema,
// https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html):
// it is the schema most detection engineers already know, from Elastic's
// rules and from Sigma's ECS back ends. OCSF (https://schema.ocsf.io) is the
// vendor-neutral alternative; ECS was chosen because readers recognise its
// names at sight. The few facts ECS has no field for get an ECS-style name
// marked as ruledex's own (ecs: false in data/canonical.yaml).
//
// Everything is data (data/*.yaml, embedded): the canonical names, field
// sets shared by several platforms (Sysmon's, the Windows Security log's),
// and one file per platform whose sources each cite the vendor's schema
// document. A source is chosen for a rule by the rule's tables (globs) or by
// a positive indicator (`metadata.event_type=PROCESS_LAUNCH`); sources marked
// fallback apply to every rule of the platform after the chosen ones.
//
// The package names no language: the data is keyed by the platform names
// that rules carry (rule.Rule.Platform).
package vocab
