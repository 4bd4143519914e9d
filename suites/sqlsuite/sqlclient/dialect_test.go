package sqlclient

import "testing"

func TestDialectsWriteEachProtocolsSQL(t *testing.T) {
	my, _ := DialectFor(MySQL)
	pg, _ := DialectFor(Postgres)
	cases := []struct{ name, got, want string }{
		{"mysql bind keeps ?", my.Bind("SELECT val FROM t WHERE id = ? AND k = ?"), "SELECT val FROM t WHERE id = ? AND k = ?"},
		{"postgres bind numbers", pg.Bind("SELECT val FROM t WHERE id = ? AND k = ?"), "SELECT val FROM t WHERE id = $1 AND k = $2"},
		{"mysql upsert", my.Upsert("wr0", "id", "val"), "INSERT INTO wr0 (id, val) VALUES (?, ?) ON DUPLICATE KEY UPDATE val = VALUES(val)"},
		{"postgres upsert", pg.Upsert("wr0", "id", "val"), "INSERT INTO wr0 (id, val) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET val = excluded.val"},
		{"mysql append", my.AppendUpsert("a0", "id", "val"), "INSERT INTO a0 (id, val) VALUES (?, ?) ON DUPLICATE KEY UPDATE val = CONCAT(val, ',', VALUES(val))"},
		{"postgres append", pg.AppendUpsert("a0", "id", "val"), "INSERT INTO a0 AS r (id, val) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET val = r.val || ',' || excluded.val"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, c.got, c.want)
		}
	}
	if _, err := DialectFor("oracle"); err == nil {
		t.Fatal("an unknown protocol gave a dialect")
	}
	if _, err := ParseIsolation("snapshot"); err == nil {
		t.Fatal("an unknown isolation level was taken")
	}
}
