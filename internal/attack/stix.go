package attack

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// stixObject holds the parts of a STIX 2.1 object that the table needs.
type stixObject struct {
	Type               string `json:"type"`
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Revoked            bool   `json:"revoked"`
	Deprecated         bool   `json:"x_mitre_deprecated"`
	Shortname          string `json:"x_mitre_shortname"`
	Version            string `json:"x_mitre_version"`
	ExternalReferences []struct {
		SourceName string `json:"source_name"`
		ExternalID string `json:"external_id"`
	} `json:"external_references"`
	KillChainPhases []struct {
		KillChainName string `json:"kill_chain_name"`
		PhaseName     string `json:"phase_name"`
	} `json:"kill_chain_phases"`
	TacticRefs       []string `json:"tactic_refs"`
	RelationshipType string   `json:"relationship_type"`
	SourceRef        string   `json:"source_ref"`
	TargetRef        string   `json:"target_ref"`
	XPlatforms       []string `json:"x_mitre_platforms"`
}

// attackID returns the object's ATT&CK id (its mitre-attack external id).
func (o *stixObject) attackID() string {
	for _, r := range o.ExternalReferences {
		if r.SourceName == "mitre-attack" && r.ExternalID != "" {
			return r.ExternalID
		}
	}
	return ""
}

// ImportSTIX reads MITRE's ATT&CK Enterprise STIX 2.1 bundle (the
// enterprise-attack.json of mitre/cti or attack-stix-data, gzipped or not)
// into a table: the tactics of the Enterprise matrix in its order, and every
// attack-pattern with a mitre-attack id, with its tactics (kill chain
// phases of the mitre-attack kill chain), platforms, deprecated and revoked
// state and, for a revoked one, the technique its revoked-by relationship
// names.
func ImportSTIX(r io.Reader) (*Table, error) {
	in, err := maybeGunzip(bufio.NewReaderSize(r, 1<<16))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(in)
	var objects []stixObject
	if err := readBundle(dec, &objects); err != nil {
		return nil, fmt.Errorf("STIX bundle: %w", err)
	}
	byRef := make(map[string]*stixObject, len(objects))
	var matrices []*stixObject
	version, name := "", ""
	for i := range objects {
		o := &objects[i]
		byRef[o.ID] = o
		switch o.Type {
		case "x-mitre-matrix":
			matrices = append(matrices, o)
		case "x-mitre-collection":
			version, name = o.Version, o.Name
		}
	}
	var matrix *stixObject
	for _, m := range matrices {
		if m.attackID() == "enterprise-attack" && !m.Revoked && !m.Deprecated {
			matrix = m
			break
		}
	}
	if matrix == nil && len(matrices) > 0 {
		matrix = matrices[0]
	}
	if matrix == nil {
		return nil, fmt.Errorf("STIX bundle: no x-mitre-matrix object (is this MITRE's ATT&CK data?)")
	}
	var tactics []Tactic
	for _, ref := range matrix.TacticRefs {
		o := byRef[ref]
		if o == nil || o.Type != "x-mitre-tactic" {
			return nil, fmt.Errorf("STIX bundle: matrix %q names tactic %s, which the bundle lacks", matrix.Name, ref)
		}
		tactics = append(tactics, Tactic{ID: o.attackID(), Shortname: o.Shortname, Name: o.Name})
	}
	revokedBy := map[string]string{}
	for i := range objects {
		o := &objects[i]
		if o.Type == "relationship" && o.RelationshipType == "revoked-by" {
			if tgt := byRef[o.TargetRef]; tgt != nil && tgt.Type == "attack-pattern" {
				revokedBy[o.SourceRef] = tgt.attackID()
			}
		}
	}
	index := map[string]int{}
	var techniques []Technique
	for i := range objects {
		o := &objects[i]
		if o.Type != "attack-pattern" {
			continue
		}
		id := o.attackID()
		if id == "" {
			continue
		}
		te := Technique{ID: id, Name: o.Name, Tactics: []string{}, Platforms: append([]string{}, o.XPlatforms...),
			Deprecated: o.Deprecated, Revoked: o.Revoked, RevokedBy: revokedBy[o.ID]}
		for _, k := range o.KillChainPhases {
			if k.KillChainName == "mitre-attack" {
				te.Tactics = append(te.Tactics, k.PhaseName)
			}
		}
		if j, dup := index[id]; dup {
			// Two objects with one id: the current one wins over a revoked
			// or deprecated one.
			if old := techniques[j]; old.Revoked || old.Deprecated {
				techniques[j] = te
			}
			continue
		}
		index[id] = len(techniques)
		techniques = append(techniques, te)
	}
	if len(techniques) == 0 {
		return nil, fmt.Errorf("STIX bundle: no ATT&CK techniques (attack-pattern objects)")
	}
	source := "MITRE ATT&CK STIX bundle"
	if name != "" {
		source += " (" + name + ")"
	} else if matrix.Name != "" {
		source += " (" + matrix.Name + ")"
	}
	return NewTable(source, version, tactics, techniques), nil
}

// readBundle decodes a bundle's objects one by one, so that only the parts
// of each object the table needs are kept.
func readBundle(dec *json.Decoder, objects *[]stixObject) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("not a JSON object")
	}
	sawType := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch key {
		case "objects":
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return fmt.Errorf("objects is not a list")
			}
			for dec.More() {
				var o stixObject
				if err := dec.Decode(&o); err != nil {
					return err
				}
				*objects = append(*objects, o)
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
		case "type":
			var s string
			if err := dec.Decode(&s); err != nil {
				return err
			}
			if s != "bundle" {
				return fmt.Errorf("type is %q, not bundle", s)
			}
			sawType = true
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	if !sawType && len(*objects) == 0 {
		return fmt.Errorf("not a STIX bundle")
	}
	return nil
}
