package eql

// typ is what the parser knows of an expression's type without a schema
// (fields are unknown): enough for the type errors the eql package reports
// on queries, such as a string compared to arithmetic.
type typ uint8

const (
	tUnknown typ = iota
	tString
	tNumber
	tBool
	tNull
)

func (t typ) String() string {
	switch t {
	case tString:
		return "string"
	case tNumber:
		return "number"
	case tBool:
		return "boolean"
	case tNull:
		return "null"
	}
	return "value"
}

// returnTypes are the result types of the functions the eql package knows
// (eql/functions.py).
var returnTypes = map[string]typ{
	"add": tNumber, "divide": tNumber, "modulo": tNumber, "multiply": tNumber, "subtract": tNumber, "length": tNumber,
	"indexof": tNumber, "number": tNumber, "arraycount": tNumber,
	"concat": tString, "string": tString, "substring": tString, "between": tString,
	"arraycontains": tBool, "arraysearch": tBool, "cidrmatch": tBool, "endswith": tBool, "startswith": tBool,
	"stringcontains": tBool, "match": tBool, "matchlite": tBool, "wildcard": tBool,
}

// argTypes are the argument types of those functions that take strings or
// numbers (the last one repeats for further arguments).
var argTypes = map[string][]typ{
	"startswith": {tString, tString}, "endswith": {tString, tString}, "stringcontains": {tString, tString},
	"substring": {tString, tNumber, tNumber}, "indexof": {tString, tString, tNumber}, "cidrmatch": {tString, tString},
	"wildcard": {tString, tString}, "match": {tString, tString}, "matchlite": {tString, tString},
	"between": {tString, tString, tString, tBool}, "number": {tString, tNumber},
	"add": {tNumber, tNumber}, "divide": {tNumber, tNumber}, "modulo": {tNumber, tNumber}, "multiply": {tNumber, tNumber},
	"subtract": {tNumber, tNumber},
}

func typeOf(x Expr) typ {
	switch x := x.(type) {
	case *Literal:
		switch x.Kind {
		case LitString, LitRawString:
			return tString
		case LitInt, LitFloat:
			return tNumber
		case LitBool:
			return tBool
		}
		return tNull
	case *Binary, *Unary:
		return tNumber
	case *Compare, *In, *Match, *Logical, *Not, *Of:
		return tBool
	case *Paren:
		return typeOf(x.X)
	case *Call:
		return returnTypes[x.Func()]
	}
	return tUnknown
}

// compatible tells whether a value of type a may stand where b is wanted.
func compatible(a, b typ) bool {
	return a == tUnknown || b == tUnknown || a == tNull || b == tNull || a == b
}
