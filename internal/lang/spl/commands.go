package spl

import (
	"regexp"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Commands. Each parse function reads from the command's name to the end
// of the command (p.end); what it leaves is reported by parsePipeline.
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/ListOfSearchCommands

// statsCommands are the commands read as a StatsCommand.
var statsCommands = map[string]bool{
	"stats": true, "eventstats": true, "streamstats": true, "tstats": true, "mstats": true,
	"timechart": true, "chart": true, "sistats": true, "sitimechart": true, "sichart": true,
	"geostats": true,
}

// argsCommands are the commands read as an ArgsCommand, with the keywords
// that start a clause of each.
var argsCommands = map[string][]string{
	"fillnull": nil, "mvexpand": nil, "makemv": nil, "transaction": nil, "spath": nil,
	"bin": {"as"}, "bucket": {"as"}, "dedup": {"sortby"}, "top": {"by"}, "rare": {"by"},
	"outputlookup": nil, "datamodel": nil, "from": nil, "makeresults": nil,
	"apply": {"as"}, "fit": {"from", "into", "by", "as"}, "collect": nil, "sendalert": nil,
	"iplocation": nil, "xmlkv": nil, "fromjson": nil, "addtotals": nil, "mvcombine": nil,
	"nomv": nil, "filldown": nil, "reverse": nil, "uniq": nil, "delta": {"as"}, "accum": {"as"},
	"autoregress": {"as"}, "strcat": nil, "untable": nil, "xyseries": nil, "kvform": nil,
	"extract": nil, "kv": nil, "anomalydetection": {"by"}, "cluster": nil, "outputcsv": nil,
	"tojson": nil, "typer": nil, "tags": nil, "eventcount": nil, "localize": nil,
	"return": nil, "format": nil, "rest": nil, "loadjob": nil, "savedsearch": nil,
	"addinfo": nil, "sendemail": nil, "summary": nil, "rangemap": nil, "abstract": nil,
	"iconify": nil, "highlight": nil, "makecontinuous": nil, "addcoltotals": nil,
	"fieldsummary": nil, "bucketdir": nil, "associate": nil, "correlate": nil, "dbinspect": nil,
	"metadata": nil, "multikv": nil, "mcollect": nil, "tscollect": nil, "set": nil,
	"outlier": nil, "predict": {"as"}, "trendline": {"as"}, "x11": {"as"}, "inputcsv": nil,
}

// parseCommand reads one command. implicit: the first command of a
// pipeline without a leading '|', Splunk's implied search.
func (p *parser) parseCommand(implicit, sub bool) Command {
	from := p.i
	if implicit && sub && p.tok().Kind == Word && (p.at(p.i+1).Space || p.at(p.i+1).Kind == LParen) && isCommandName(p.tok().Text) {
		// [inputlookup t.csv], appendpipe [stats count]: a subsearch that
		// begins with a command name runs that command
		implicit = false
	}
	// "search" opens the search command when a space or a parenthesis
	// follows it ("search(a OR b)"); glued to anything else it is a term.
	if implicit && !(p.isWord("search") && (p.at(p.i+1).Space || p.at(p.i+1).Kind == LParen)) {
		x := p.parseSearch(false)
		p.searchLeft(false)
		return &SearchCommand{Loc: p.span(from), Expr: x}
	}
	t := p.tok()
	switch t.Kind {
	case MacroTok:
		m := p.parseMacro()
		if p.atEnd() {
			return m
		}
		// `macro` followed by arguments: kept raw, the macro found in it
		p.i = from
		return p.parseRaw(from, nil)
	case Word:
	default:
		p.errorf(t.Span, "expected a command, found %s", describe(t))
		return &BadCommand{Loc: p.skipRest(from)}
	}
	name := strings.ToLower(t.Text)
	switch {
	case name == "search":
		id := p.ident()
		x := p.parseSearch(false)
		p.searchLeft(false)
		return &SearchCommand{Loc: p.span(from), Name: id, Expr: x}
	case name == "where":
		id := p.ident()
		var x Expr
		if p.atEnd() {
			p.errorf(t.Span, "where without a condition")
			x = &BadExpr{Loc: p.span(p.i)}
		} else {
			x = p.parseExpr()
		}
		return &WhereCommand{Loc: p.span(from), Name: id, Expr: x}
	case name == "eval":
		return p.parseEval()
	case statsCommands[name]:
		return p.parseStats()
	case name == "rex":
		return p.parseRex()
	case name == "regex":
		return p.parseRegex()
	case name == "lookup":
		return p.parseLookup()
	case name == "inputlookup":
		return p.parseInputlookup()
	case name == "table":
		c := &TableCommand{Name: p.ident()}
		c.Fields = p.parseFieldList()
		if len(c.Fields) == 0 {
			p.errorf(c.Name.Loc, "table without a field")
		}
		c.Loc = p.span(from)
		return c
	case name == "fields":
		c := &FieldsCommand{Name: p.ident()}
		if n := p.at(p.i + 1); (p.tok().Kind == Minus || p.tok().Kind == Plus) && (n.Space || n.Kind == Comma || n.Kind == EOF) {
			c.Sign = p.tok().Text
			p.next()
		}
		c.Fields = p.parseFieldList()
		if len(c.Fields) == 0 {
			p.errorf(c.Name.Loc, "fields without a field")
		}
		c.Loc = p.span(from)
		return c
	case name == "rename":
		return p.parseRename()
	case name == "join":
		return p.parseJoin()
	case name == "append" || name == "appendcols" || name == "appendpipe":
		c := &AppendCommand{Name: p.ident()}
		c.Options = p.parseOptions()
		if p.tok().Kind == LBrack {
			c.Subsearch = p.parseSubsearch()
		} else {
			p.errorf(p.tok().Span, "%s needs a subsearch [...]", name)
		}
		c.Loc = p.span(from)
		return c
	case name == "sort":
		return p.parseSort()
	case name == "head" || name == "tail":
		return p.parseHead()
	case name == "convert":
		return p.parseConvert()
	}
	if kws, ok := argsCommands[name]; ok {
		n := len(p.errs)
		c := p.parseArgsCommand(kws)
		if len(p.errs) == n && p.atEnd() {
			return c
		}
		// a syntax the simple reading does not cover: keep it raw
		p.errs = p.errs[:n]
		p.i = from
	}
	return p.parseRaw(from, p.ident())
}

// isCommandName tells whether w names a command the parser reads (other
// than search).
func isCommandName(w string) bool {
	w = strings.ToLower(w)
	if _, ok := argsCommands[w]; ok {
		return true
	}
	switch w {
	case "where", "eval", "rex", "regex", "lookup", "inputlookup", "table", "fields", "rename", "join",
		"append", "appendcols", "appendpipe", "sort", "head", "tail", "convert":
		return true
	}
	return statsCommands[w]
}

// searchLeft reports what a search expression left before the end of its
// command (a ')' that closes nothing) and reads on.
func (p *parser) searchLeft(stopBy bool) {
	for !p.atEnd() && p.tok().Kind == RParen {
		p.errorf(p.tok().Span, "unexpected ')'")
		p.next()
		p.parseSearch(stopBy)
	}
}

// parseRaw keeps the rest of the command as text; name is nil for a macro
// followed by arguments.
func (p *parser) parseRaw(from int, name *Ident) Command {
	c := &RawCommand{Name: name}
	a := p.i
	for ; p.i < p.end; p.i++ {
		if p.toks[p.i].Kind == MacroTok {
			c.Macros = append(c.Macros, macroOf(p.toks[p.i]))
		}
	}
	c.ArgsAt = p.rangeSpan(a, p.i)
	c.Args = p.src[c.ArgsAt.Start:c.ArgsAt.End]
	c.Loc = p.span(from)
	return c
}

// parseOptions reads name=value options and macros written alone.
func (p *parser) parseOptions() []Arg {
	var opts []Arg
	for !p.atEnd() {
		switch {
		case p.isOption():
			opts = append(opts, p.parseOption())
		case p.macroAlone():
			opts = append(opts, p.parseMacro())
		default:
			return opts
		}
	}
	return opts
}

// macroAlone tells whether the current token is a macro written alone
// among options: followed by a space, a comma or the end of the command.
func (p *parser) macroAlone() bool {
	if p.tok().Kind != MacroTok || p.atEnd() {
		return false
	}
	n := p.at(p.i + 1)
	return n.Space || n.Kind == EOF || n.Kind == Comma
}

// parseFieldList reads fields separated by commas or spaces.
func (p *parser) parseFieldList() []*Field {
	var fs []*Field
	for !p.atEnd() {
		if p.tok().Kind == Comma {
			p.next()
			continue
		}
		if !p.fieldStart() {
			break
		}
		fs = append(fs, p.parseField())
	}
	return fs
}

func (p *parser) parseEval() Command {
	from := p.i
	c := &EvalCommand{Name: p.ident()}
	for !p.atEnd() {
		if len(c.Assigns) > 0 {
			if p.tok().Kind != Comma {
				p.errorf(p.tok().Span, "expected ',' between assignments, found %s", describe(p.tok()))
			} else {
				p.next()
			}
		}
		a := p.i
		t := p.tok()
		if t.Kind != Word && t.Kind != QuotedField && t.Kind != String && t.Kind != MacroTok {
			p.errorf(t.Span, "expected a field name, found %s", describe(t))
			break
		}
		as := &Assignment{}
		b := p.glueEnd(true, true)
		p.i = b
		as.Field = p.fieldOf(a, b)
		if p.tok().Kind != Assign {
			p.errorf(p.tok().Span, "expected '=' after %s, found %s", as.Field.Raw, describe(p.tok()))
			as.Value = &BadExpr{Loc: p.skipRest(b)}
		} else {
			p.next()
			as.Value = p.parseExpr()
		}
		as.Loc = p.span(a)
		c.Assigns = append(c.Assigns, as)
	}
	if len(c.Assigns) == 0 {
		p.errorf(c.Name.Loc, "eval without an assignment")
	}
	c.Loc = p.span(from)
	return c
}

// parseStats reads stats, eventstats, streamstats, tstats, mstats,
// timechart, chart...
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Tstats
func (p *parser) parseStats() Command {
	from := p.i
	c := &StatsCommand{Name: p.ident()}
	name := strings.ToLower(c.Name.Name)
	inBy := false
	for !p.atEnd() {
		t := p.tok()
		switch {
		case t.Kind == Comma:
			p.next()
		case p.isOption():
			if inBy {
				c.ByOptions = append(c.ByOptions, p.parseOption())
			} else {
				c.Options = append(c.Options, p.parseOption())
			}
		case p.macroAlone():
			if inBy {
				c.ByOptions = append(c.ByOptions, p.parseMacro())
			} else {
				c.Options = append(c.Options, p.parseMacro())
			}
		case p.isWord("by") && c.ByAt == (diag.Span{}):
			c.ByAt = t.Span
			p.next()
			inBy = true
		case (p.isWord("from") && c.From != nil || p.isWord("where") && c.Where != nil || p.isWord("over") && c.Over != nil) &&
			(name == "tstats" || name == "mstats" || name == "chart") && !inBy:
			p.errorf(t.Span, "%s written twice", strings.ToLower(t.Text))
			p.next()
		case p.isWord("from") && (name == "tstats" || name == "mstats") && c.From == nil && !inBy:
			c.FromAt = t.Span
			p.next()
			if p.isOption() {
				c.From = p.parseOption()
			} else {
				a := p.i
				v := p.parseValue(true, false)
				if v.Raw == "" {
					p.errorf(t.Span, "missing data model after from")
				}
				c.From = &Option{Loc: p.span(a), Value: v}
			}
		case p.isWord("where") && (name == "tstats" || name == "mstats") && c.Where == nil && !inBy:
			c.WhereAt = t.Span
			p.next()
			c.Where = p.parseSearch(true)
			if c.Where == nil {
				p.errorf(t.Span, "where without a condition")
				c.Where = &BadSearch{Loc: diag.Span{Start: t.Span.End, End: t.Span.End}}
			}
			for !p.atEnd() && p.tok().Kind == RParen {
				p.errorf(p.tok().Span, "unexpected ')'")
				p.next()
			}
		case p.isWord("over") && name == "chart" && c.Over == nil && !inBy:
			c.OverAt = t.Span
			p.next()
			if p.atEnd() || !p.fieldStart() {
				p.errorf(t.Span, "missing field after over")
				c.Over = p.fieldOf(p.i, p.i)
			} else {
				c.Over = p.parseField()
			}
		case inBy:
			if !p.fieldStart() {
				p.errorf(t.Span, "unexpected %s in by clause", describe(t))
				p.next()
				continue
			}
			c.By = append(c.By, p.parseField())
		case t.Kind == Word:
			c.Aggs = append(c.Aggs, p.parseAggregation())
		default:
			p.errorf(t.Span, "unexpected %s in %s", describe(t), name)
			p.next()
		}
	}
	if c.ByAt != (diag.Span{}) && len(c.By) == 0 {
		p.errorf(c.ByAt, "by without a field")
	}
	c.Loc = p.span(from)
	return c
}

// parseAggregation reads func[(args)] [as name].
func (p *parser) parseAggregation() *Aggregation {
	from := p.i
	a := &Aggregation{Func: p.ident()}
	if t := p.tok(); t.Kind == LParen && !p.atEnd() {
		a.Parens = true
		p.next()
		if !p.enter() {
			p.leave()
			p.skipRest(from)
			a.Loc = p.span(from)
			return a
		}
		a.Args = p.parseArgs(true)
		if p.tok().Kind == RParen {
			p.next()
		} else if !p.tooDeep {
			p.errorf(t.Span, "'(' not closed")
		}
		p.leave()
	}
	if p.isWord("as") {
		a.AsAt = p.tok().Span
		p.next()
		if !p.fieldStart() {
			p.errorf(a.AsAt, "missing name after as")
		} else {
			a.As = p.parseField()
		}
	}
	a.Loc = p.span(from)
	return a
}

// namedGroup finds the named groups of a regular expression.
var namedGroup = regexp.MustCompile(`\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>`)

// parseRex reads rex [field=x] [max_match=n] [mode=sed] "regex".
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Rex
func (p *parser) parseRex() Command {
	from := p.i
	c := &RexCommand{Name: p.ident()}
	c.Options = p.parseOptions()
	if t := p.tok(); t.Kind == String && !p.atEnd() {
		p.next()
		c.Regex = &StringLit{Loc: t.Span, Raw: t.Text, Value: Unquote(t.Text)}
	} else {
		p.errorf(t.Span, "rex needs a regular expression in quotes, found %s", describe(t))
	}
	c.Options = append(c.Options, p.parseOptions()...)
	sed := false
	for _, o := range c.Options {
		if o, ok := o.(*Option); ok && o.Name != nil && strings.EqualFold(o.Name.Name, "mode") && strings.EqualFold(o.Value.Text, "sed") {
			sed = true
		}
	}
	if c.Regex != nil && !sed {
		for _, m := range namedGroup.FindAllStringSubmatch(c.Regex.Value, -1) {
			c.Groups = append(c.Groups, m[1])
		}
	}
	c.Loc = p.span(from)
	return c
}

// parseRegex reads regex [field=|field!=]"regex".
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Regex
func (p *parser) parseRegex() Command {
	from := p.i
	c := &RegexCommand{Name: p.ident(), Op: Assign}
	if p.tok().Kind != String || p.at(p.i+1).Kind.IsComparison() && !p.at(p.i+1).Space {
		a := p.i
		b := p.glueEnd(true, true)
		p.i = b
		c.Field = p.fieldOf(a, b)
		if k := p.tok().Kind; k == Assign || k == Neq {
			c.Op, c.OpAt = k, p.tok().Span
			p.next()
		} else {
			p.errorf(p.tok().Span, "expected '=' or '!=' after the field of regex, found %s", describe(p.tok()))
		}
	}
	if t := p.tok(); t.Kind == String && !p.atEnd() {
		p.next()
		c.Regex = &StringLit{Loc: t.Span, Raw: t.Text, Value: Unquote(t.Text)}
	} else if !p.atEnd() {
		// an unquoted regex
		a := p.i
		p.i = p.end
		sp := p.rangeSpan(a, p.i)
		c.Regex = &StringLit{Loc: sp, Raw: p.src[sp.Start:sp.End], Value: p.src[sp.Start:sp.End]}
	} else {
		p.errorf(t.Span, "regex needs a regular expression")
	}
	c.Loc = p.span(from)
	return c
}

// parseLookup reads lookup [options] table f [AS g], ... [OUTPUT|OUTPUTNEW f [AS g], ...].
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Lookup
func (p *parser) parseLookup() Command {
	from := p.i
	c := &LookupCommand{Name: p.ident()}
	c.Options = p.parseOptions()
	if p.atEnd() || !p.fieldStart() {
		p.errorf(p.tok().Span, "lookup needs a table name")
		c.Table = p.valueOf(p.i, p.i)
	} else {
		c.Table = p.parseValue(true, false)
	}
	out := &c.Inputs
	for !p.atEnd() {
		switch {
		case p.tok().Kind == Comma:
			p.next()
		case (p.isWord("OUTPUT") || p.isWord("OUTPUTNEW")) && c.Output == nil:
			c.Output = p.ident()
			out = &c.Outputs
		case p.fieldStart():
			*out = append(*out, p.parseFieldAs(false))
		default:
			return c.done(p, from)
		}
	}
	return c.done(p, from)
}

func (c *LookupCommand) done(p *parser, from int) Command {
	c.Loc = p.span(from)
	return c
}

// parseFieldAs reads field [AS other]; needAs makes AS required.
func (p *parser) parseFieldAs(needAs bool) *FieldAs {
	from := p.i
	fa := &FieldAs{Field: p.parseField()}
	if p.isWord("as") {
		fa.AsAt = p.tok().Span
		p.next()
		if p.fieldStart() && !p.atEnd() {
			fa.As = p.parseField()
		} else {
			p.errorf(fa.AsAt, "missing name after as")
		}
	} else if needAs {
		p.errorf(p.tok().Span, "expected AS after %s, found %s", fa.Field.Raw, describe(p.tok()))
	}
	fa.Loc = p.span(from)
	return fa
}

// parseInputlookup reads inputlookup [options] table [where <search>].
func (p *parser) parseInputlookup() Command {
	from := p.i
	c := &InputlookupCommand{Name: p.ident()}
	c.Options = p.parseOptions()
	if p.atEnd() || !p.fieldStart() {
		p.errorf(p.tok().Span, "inputlookup needs a table name")
		c.Table = p.valueOf(p.i, p.i)
	} else {
		c.Table = p.parseValue(true, false)
	}
	c.Options = append(c.Options, p.parseOptions()...)
	if p.isWord("where") {
		c.WhereAt = p.tok().Span
		p.next()
		c.Where = p.parseSearch(false)
		if c.Where == nil {
			p.errorf(c.WhereAt, "where without a condition")
			c.Where = &BadSearch{Loc: diag.Span{Start: c.WhereAt.End, End: c.WhereAt.End}}
		}
		p.searchLeft(false)
	}
	c.Loc = p.span(from)
	return c
}

// parseRename reads rename a AS b, c AS d.
func (p *parser) parseRename() Command {
	from := p.i
	c := &RenameCommand{Name: p.ident()}
	for !p.atEnd() {
		if p.tok().Kind == Comma {
			p.next()
			continue
		}
		if !p.fieldStart() {
			break
		}
		c.Renames = append(c.Renames, p.parseFieldAs(true))
	}
	if len(c.Renames) == 0 {
		p.errorf(c.Name.Loc, "rename without a field")
	}
	c.Loc = p.span(from)
	return c
}

// parseJoin reads join [options] [fields] [subsearch].
func (p *parser) parseJoin() Command {
	from := p.i
	c := &JoinCommand{Name: p.ident()}
	for !p.atEnd() {
		switch {
		case p.isOption():
			c.Options = append(c.Options, p.parseOption())
		case p.tok().Kind == Comma:
			p.next()
		case p.tok().Kind == LBrack && c.Subsearch == nil:
			c.Subsearch = p.parseSubsearch()
		case p.fieldStart() && c.Subsearch == nil:
			c.Fields = append(c.Fields, p.parseField())
		default:
			c.Loc = p.span(from)
			return c
		}
	}
	if c.Subsearch == nil {
		p.errorf(p.tok().Span, "join needs a subsearch [...]")
	}
	c.Loc = p.span(from)
	return c
}

// sortFuncs are the functions a sort key can be wrapped in.
var sortFuncs = map[string]bool{"str": true, "num": true, "ip": true, "auto": true}

// parseSort reads sort [count] [+|-]key ... [desc].
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Sort
func (p *parser) parseSort() Command {
	from := p.i
	c := &SortCommand{Name: p.ident()}
	if t := p.tok(); t.Kind == Word && isNumber(t.Text) && !p.atEnd() {
		c.Count = p.parseValue(true, false)
	}
	for !p.atEnd() {
		t := p.tok()
		switch {
		case t.Kind == Comma:
			p.next()
			continue
		case p.isOption():
			c.Options = append(c.Options, p.parseOption())
			continue
		case (p.isWord("desc") || p.isWord("d")) && p.i+1 == p.end && len(c.Keys) > 0:
			c.Desc = p.ident()
			continue
		}
		k := &SortKey{}
		a := p.i
		if t.Kind == Minus || t.Kind == Plus {
			k.Sign = t.Text
			p.next()
		}
		if t := p.tok(); t.Kind == Word && sortFuncs[strings.ToLower(t.Text)] && p.at(p.i+1).Kind == LParen {
			k.Func = p.ident()
			open := p.tok().Span
			p.next()
			k.Field = p.parseField()
			if p.tok().Kind == RParen {
				p.next()
			} else {
				p.errorf(open, "'(' not closed")
			}
		} else if p.fieldStart() && !p.atEnd() {
			k.Field = p.parseField()
		} else {
			p.errorf(p.tok().Span, "expected a sort key, found %s", describe(p.tok()))
			if p.i == a {
				p.next()
			}
			continue
		}
		k.Loc = p.span(a)
		c.Keys = append(c.Keys, k)
	}
	c.Loc = p.span(from)
	return c
}

// parseHead reads head/tail [N] [options] or head <eval expression>.
func (p *parser) parseHead() Command {
	from := p.i
	c := &HeadCommand{Name: p.ident()}
loop:
	for !p.atEnd() {
		t := p.tok()
		switch {
		case p.isOption():
			c.Options = append(c.Options, p.parseOption())
		case c.Count != nil || c.Expr != nil:
			break loop
		case t.Kind == Word && isNumber(t.Text) && p.at(p.i+1).Space && !isArith(p.at(p.i+1).Kind):
			// head 5, not head 0 % 2 (an expression, however it is spaced)
			c.Count = p.parseValue(true, false)
		default:
			c.Expr = p.parseExpr()
		}
	}
	c.Loc = p.span(from)
	return c
}

// parseConvert reads convert [options] func(field) [AS name] ...
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Convert
func (p *parser) parseConvert() Command {
	from := p.i
	c := &ConvertCommand{Name: p.ident()}
	c.Options = p.parseOptions()
	for !p.atEnd() {
		t := p.tok()
		if t.Kind == Comma {
			p.next()
			continue
		}
		if t.Kind != Word || p.at(p.i+1).Kind != LParen {
			p.errorf(t.Span, "expected a conversion function, found %s", describe(t))
			p.next()
			continue
		}
		a := p.i
		cv := &Conversion{Func: p.ident()}
		open := p.tok().Span
		p.next()
		if p.fieldStart() {
			cv.Field = p.parseField()
		} else {
			p.errorf(p.tok().Span, "expected a field, found %s", describe(p.tok()))
			cv.Field = p.fieldOf(p.i, p.i)
		}
		if p.tok().Kind == RParen {
			p.next()
		} else {
			p.errorf(open, "'(' not closed")
		}
		if p.isWord("as") {
			cv.AsAt = p.tok().Span
			p.next()
			if p.fieldStart() && !p.atEnd() {
				cv.As = p.parseField()
			} else {
				p.errorf(cv.AsAt, "missing name after as")
			}
		}
		cv.Loc = p.span(a)
		c.Conversions = append(c.Conversions, cv)
	}
	c.Loc = p.span(from)
	return c
}

// parseArgsCommand reads options, positional words and clauses.
func (p *parser) parseArgsCommand(keywords []string) Command {
	from := p.i
	c := &ArgsCommand{Name: p.ident()}
	var cl *Clause
	for !p.atEnd() {
		t := p.tok()
		switch {
		case t.Kind == Comma:
			p.next()
		case p.isOption():
			c.Options = append(c.Options, p.parseOption())
		case p.macroAlone():
			c.Options = append(c.Options, p.parseMacro())
		case t.Kind == Word && isKeyword(t.Text, keywords):
			if cl != nil {
				cl.Loc = p.span(cl.Loc.Start)
			}
			at := p.i
			cl = &Clause{Loc: diag.Span{Start: at}}
			cl.Keyword = p.ident()
			c.Clauses = append(c.Clauses, cl)
		case p.fieldStart():
			f := p.parseField()
			if cl != nil {
				cl.Fields = append(cl.Fields, f)
			} else {
				c.Fields = append(c.Fields, f)
			}
		default:
			p.errorf(t.Span, "unexpected %s in %s", describe(t), c.Name.Name)
			p.next()
		}
	}
	if cl != nil {
		cl.Loc = p.span(cl.Loc.Start)
	}
	c.Loc = p.span(from)
	return c
}

func isKeyword(w string, keywords []string) bool {
	for _, k := range keywords {
		if strings.EqualFold(w, k) {
			return true
		}
	}
	return false
}

// isArith tells whether k is an operator that continues an expression.
func isArith(k Kind) bool { return k.IsComparison() || Plus <= k && k <= Dot }
