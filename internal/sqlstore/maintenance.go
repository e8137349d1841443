package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

// sealedColumn is a column that holds values sealed under the master key.
type sealedColumn struct {
	table  string
	key    []string // the row's key columns, in the order of the seal context
	column string
}

// sealedColumns lists every column that holds sealed values, by kind
// (platform.SealedKinds): the reseal of a master key rotation walks them. A
// table that keeps a new kind of sealed value adds a line here.
var sealedColumns = map[string]sealedColumn{
	platform.SealedHMACKey:       {"hmac_keys", []string{"env_id", "id"}, "sealed"},
	platform.SealedProductSecret: {"product_secrets", []string{"env_id", "product_id", "id"}, "sealed"},
	platform.SealedConnection:    {"connections", []string{"env_id", "integration_id", "connection_id"}, "sealed_credentials"},
}

// retainedLog is a log that --retention bounds.
type retainedLog struct {
	table string
	at    string // the column of the row's time, Unix ms, indexed
	key   string // a unique column to delete by in batches; "" deletes at once
}

// retainedLogs lists the logs whose rows are deleted once older than the
// retention. A table that keeps a new log (webhook deliveries, say) adds a
// line here and an index on its time column.
var retainedLogs = []retainedLog{
	{"launches", "created_at", "correlation_id"},
	{"audit_log", "at", "id"},
	{"report_counts", "hour", ""}, // one row per environment and hour: few
}

// purgeBatch bounds each delete, so that a first sweep over a large log
// never holds the write lock for long.
const purgeBatch = 1000

// SealedValues returns up to limit sealed values of kind after the row key
// after, in key order.
func (s *Store) SealedValues(ctx context.Context, kind string, after []string, limit int) ([]platform.SealedValue, error) {
	c, ok := sealedColumns[kind]
	if !ok {
		return nil, fmt.Errorf("sealed values: unknown kind %q", kind)
	}
	keys := strings.Join(c.key, ", ")
	q := "SELECT " + keys + ", " + c.column + " FROM " + c.table + " WHERE " + c.column + " IS NOT NULL"
	var args []any
	if after != nil {
		if len(after) != len(c.key) {
			return nil, fmt.Errorf("sealed values: a %s key has %d parts", kind, len(c.key))
		}
		q += " AND (" + keys + ") > (" + strings.TrimSuffix(strings.Repeat("?, ", len(after)), ", ") + ")"
		for _, v := range after {
			args = append(args, v)
		}
	}
	q += " ORDER BY " + keys + " LIMIT ?"
	return queryValues(ctx, s, rebind(q, s.d.Numbered), func(r scanner) (platform.SealedValue, error) {
		v := platform.SealedValue{Kind: kind, Key: make([]string, len(c.key))}
		dest := make([]any, 0, len(c.key)+1)
		for i := range v.Key {
			dest = append(dest, &v.Key[i])
		}
		err := r.Scan(append(dest, &v.Sealed)...)
		return v, err
	}, append(args, limit)...)
}

// ReplaceSealed swaps v's sealed value for resealed unless the row changed.
func (s *Store) ReplaceSealed(ctx context.Context, v platform.SealedValue, resealed []byte) (bool, error) {
	c, ok := sealedColumns[v.Kind]
	if !ok || len(v.Key) != len(c.key) {
		return false, fmt.Errorf("replace sealed: unknown kind %q or key", v.Kind)
	}
	q := "UPDATE " + c.table + " SET " + c.column + " = ? WHERE " + c.column + " = ?"
	args := []any{resealed, v.Sealed}
	for i, col := range c.key {
		q += " AND " + col + " = ?"
		args = append(args, v.Key[i])
	}
	res, err := s.db.ExecContext(ctx, rebind(q, s.d.Numbered), args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteLogsBefore deletes the retained logs' rows older than before.
func (s *Store) DeleteLogsBefore(ctx context.Context, before time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	for _, l := range retainedLogs {
		q := "DELETE FROM " + l.table + " WHERE " + l.at + " < ?"
		if l.key != "" {
			q += " AND " + l.key + " IN (SELECT " + l.key + " FROM " + l.table + " WHERE " + l.at + " < ? LIMIT " + fmt.Sprint(purgeBatch) + ")"
		}
		q = rebind(q, s.d.Numbered)
		for {
			args := []any{ms(before)}
			if l.key != "" {
				args = append(args, ms(before))
			}
			res, err := s.db.ExecContext(ctx, q, args...)
			if err != nil {
				return out, fmt.Errorf("retention of %s: %w", l.table, err)
			}
			n, _ := res.RowsAffected()
			out[l.table] += n
			if l.key == "" || n < purgeBatch {
				break
			}
		}
	}
	return out, nil
}

// ForgetOrderdata empties spent orderdata; an unused launch whose link
// expired is marked "expired" in the log.
func (s *Store) ForgetOrderdata(ctx context.Context, expiredBefore time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q["launchForget"], ms(expiredBefore))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
