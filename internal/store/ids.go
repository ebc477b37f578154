package store

import (
	"context"
	"database/sql"
	"strings"
)

// IDsWithPrefix returns the ids of the catalog that start with prefix,
// ignoring ASCII case (as ids compare), sorted: a range of the ids' index
// (LIKE on a NOCASE column), not a pass over every id. The web server
// finds with it the rule of a path whose long segment was cut and hashed.
func (d *DB) IDsWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix)
	st, err := d.prepared(`SELECT id FROM rules WHERE id LIKE ? ESCAPE '\' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return scanStrings(st.QueryContext(ctx, esc+"%"))
}

// scanStrings returns the one column of the rows of a query, in order.
func scanStrings(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
