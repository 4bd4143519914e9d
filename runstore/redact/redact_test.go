package redact

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestSecretNamesWhateverTheirSpelling(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "Password": true, "sudo-password": true, "sudoPassword": true, "ETCD_ROOT_PASSWORD": true,
		"passwd": true, "passphrase": true, "ssh-passphrase": true, "secret": true, "client_secret": true,
		"token": true, "auth-token": true, "X-Auth-Token": true, "credential": true, "credentials": true,
		"api-key": true, "API_KEY": true, "apiKey": true, "ApiKey": true, "APIKey": true,
		"private-key": true, "ssh-private-key": true, "privateKey": true, "auth": true, "basic-auth": true,
		"Authorization": true, "root-pw": true, "--password": true,
		// Not secrets: ordinary names, and words that merely hold a short
		// secret word.
		"workload": false, "nemesis": false, "key-count": false, "ops-per-key": false, "key": false,
		"author": false, "authority": false, "username": false, "user": false, "pwm": false,
		"PWD": false, "public-key": false, "nodes": false, "time-limit": false,
	} {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

// Each shape a secret was found to reach config.json in, and what must stay.
func TestConfigHidesSecretsInEveryShape(t *testing.T) {
	type sshConfig struct {
		User     string
		Password string
		Port     int
	}
	cases := []struct {
		name string
		in   any
		want string // the hidden value, as JSON
	}{
		{"a list of maps", []map[string]any{{"name": "n1", "password": "list-pw"}, {"name": "n2", "token": 12345}},
			`[{"name":"n1","password":"<redacted>"},{"name":"n2","token":"<redacted>"}]`},
		{"a map of string lists", map[string][]string{"passwords": {"a-pw", "b-pw"}, "nodes": {"n1", "n2"}},
			`{"nodes":["n1","n2"],"passwords":["<redacted>","<redacted>"]}`},
		{"argv with a secret flag", []string{"etcdctl", "--password", "argv-pw", "--user=root", "get", "k"},
			`["etcdctl","--password","<redacted>","--user=root","get","k"]`},
		{"argv with flag=value", []string{"etcd", "--auth-token=jwt-secret", "--name=n1"},
			`["etcd","--auth-token=<redacted>","--name=n1"]`},
		{"environment strings", []string{"ETCD_PASSWORD=env-pw", "ETCD_NAME=n1", "API_KEY='quoted key'"},
			`["ETCD_PASSWORD=<redacted>","ETCD_NAME=n1","API_KEY='<redacted>'"]`},
		{"a URL's user info", map[string]any{"tarball-url": "https://deploy:url-pw@example.com/etcd.tgz", "health": "http://n1:2379/health"},
			`{"health":"http://n1:2379/health","tarball-url":"https://deploy:<redacted>@example.com/etcd.tgz"}`},
		{"a password with an @ in a URL", "postgres://app:p@ss@db:5432/x",
			`"postgres://app:<redacted>@db:5432/x"`},
		{"a SQL DSN", "root:dsn-pw@tcp(n1:3306)/jepsen",
			`"root:<redacted>@tcp(n1:3306)/jepsen"`},
		{"secret names", map[string]any{"auth": "a1", "token": "t1", "client-secret": "s1", "api-key": "k1", "passphrase": "p1",
			"password": "p2", "credential": "c1", "private-key": "-----BEGIN", "Authorization": "Bearer b1"},
			`{"Authorization":"<redacted>","api-key":"<redacted>","auth":"<redacted>","client-secret":"<redacted>","credential":"<redacted>","passphrase":"<redacted>","password":"<redacted>","private-key":"<redacted>","token":"<redacted>"}`},
		{"everything under a secret name, shape kept", map[string]any{"credentials": map[string]any{"user": "u", "key": "k", "enabled": true, "expires": nil, "backup": ""}},
			`{"credentials":{"backup":"","enabled":true,"expires":null,"key":"<redacted>","user":"<redacted>"}}`},
		{"a struct's field", sshConfig{User: "root", Password: "struct-pw", Port: 22},
			`{"Password":"<redacted>","Port":22,"User":"root"}`},
		{"empty secrets stay empty", map[string]any{"sudo-password": "", "password": nil},
			`{"password":null,"sudo-password":""}`},
		{"a value found elsewhere is hidden everywhere", map[string]any{"password": "hunter22", "setup": "sshpass -phunter22 ssh n1", "notes": []any{"hunter22 again"}},
			`{"notes":["<redacted> again"],"password":"<redacted>","setup":"sshpass -p<redacted> ssh n1"}`},
		{"JSON, a Go map and a query string inside strings", []string{`{"password": "json-pw", "user": "u"}`, "map[token:gomap-tok user:root]", "http://h/x?api_key=q-key&page=2"},
			`["{\"password\": \"<redacted>\", \"user\": \"u\"}","map[token:<redacted> user:root]","http://h/x?api_key=<redacted>&page=2"]`},
		{"what a checker needs is kept", map[string]any{"workload": "register", "nemesis": []string{"partition", "kill"}, "key-count": 5, "flags": map[string]string{"ops-per-key": "10", "rate": "0.5"}, "author": "Ann"},
			`{"author":"Ann","flags":{"ops-per-key":"10","rate":"0.5"},"key-count":5,"nemesis":["partition","kill"],"workload":"register"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := New(c.in).Config(c.in)
			if err != nil {
				t.Fatal(err)
			}
			var want any
			if err := json.Unmarshal([]byte(c.want), &want); err != nil {
				t.Fatalf("bad want: %v", err)
			}
			js, _ := json.Marshal(got)
			var back any
			json.Unmarshal(js, &back)
			if !reflect.DeepEqual(back, want) {
				t.Fatalf("hidden as %s\nwant       %s", js, c.want)
			}
		})
	}
}

func TestTextHidesSecretsAndLeavesTheRest(t *testing.T) {
	r := New(map[string]any{"password": "hunter22", "short": "x", "pin": "abc"})
	for in, want := range map[string]string{
		"connect to https://root:pw1@n1:2379/v3 failed":         "connect to https://root:<redacted>@n1:2379/v3 failed",
		"env ETCD_PASSWORD=pw2 ETCD_NAME=n1":                    "env ETCD_PASSWORD=<redacted> ETCD_NAME=n1",
		"etcdctl --password pw3 get k":                          "etcdctl --password <redacted> get k",
		"etcdctl --user=root --password=pw4 get k":              "etcdctl --user=root --password=<redacted> get k",
		`body {"token": "tok5", "key": "k1"}`:                   `body {"token": "<redacted>", "key": "k1"}`,
		"GET / Authorization: Basic dXNlcjpwdw==":               "GET / Authorization: Basic <redacted>",
		"curl -H 'bearer abc.def-ghi'":                          "curl -H 'bearer <redacted>'",
		"dial root:pw6@tcp(n1:3306)/db":                         "dial root:<redacted>@tcp(n1:3306)/db",
		"ssh: sshpass -phunter22 failed: hunter22 is wrong":     "ssh: sshpass -p<redacted> failed: <redacted> is wrong",
		"login with abc refused":                                "login with abc refused", // shorter than MinKnownLen
		"node n1 at 10.0.0.1:2379, http://n1:2379/health 12:30": "node n1 at 10.0.0.1:2379, http://n1:2379/health 12:30",
		"auth: permission denied; bad password for user root":   "auth: permission denied; bad password for user root",
		"ops-per-key=10 key=token workload=register":            "ops-per-key=10 key=token workload=register",
	} {
		if got := r.Text(in); got != want {
			t.Errorf("Text(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
