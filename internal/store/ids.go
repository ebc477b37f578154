package store

import (
	"context"
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
	rows, err := st.QueryContext(ctx, esc+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
