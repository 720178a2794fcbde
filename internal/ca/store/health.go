package store

import "context"

// What ponte-ca's /healthz and /metrics ask of the database (internal/ca/metrics.go).

// Ping runs one query: the database answers.
func (s *sqlStore) Ping(ctx context.Context) error {
	var one int
	return s.c().row(ctx, `SELECT 1`).Scan(&one)
}

// Pending counts the open transactions by state: StateWaiting (delayed issuance not done yet) and
// StateIssued (certificate issued, certConf not received yet).
func (s *sqlStore) Pending(ctx context.Context) (map[string]int, error) {
	rows, err := s.c().query(ctx, `SELECT state, COUNT(*) FROM transactions WHERE state IN (?, ?) GROUP BY state`, StateWaiting, StateIssued)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	n := map[string]int{StateWaiting: 0, StateIssued: 0}
	for rows.Next() {
		var state string
		var count int
		if err := rows.Scan(&state, &count); err != nil {
			return nil, err
		}
		n[state] = count
	}
	return n, rows.Err()
}
