package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/server"
	"github.com/caravan-news/caravan/store"
)

func TestAdminArticles(t *testing.T) {
	env := newSignupEnv(t, server.Config{})
	post := func(token, body string) (int, store.AddResult) {
		req, _ := http.NewRequest(http.MethodPost, env.srv.URL+"/api/admin/articles", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res store.AddResult
		json.NewDecoder(resp.Body).Decode(&res)
		return resp.StatusCode, res
	}
	one := `{"guid":"a1","url":"https://news.example.org/a1","title":"Un","countries":["kg"],"published_at":"2026-11-26T10:00:00Z"}`
	if code, _ := post("", one); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := post("admin-tokenX", one); code != http.StatusUnauthorized {
		t.Fatalf("token with suffix: %d", code)
	}
	if code, res := post("admin-token", one); code != 200 || res.Added != 1 {
		t.Fatalf("one: %d %+v", code, res)
	}
	batch := `[{"url":"https://news.example.org/b","title":"Deux"},{"url":"/relative","title":"x"},{"url":"https://news.example.org/c","title":"  "}]`
	code, res := post("admin-token", batch)
	if code != http.StatusUnprocessableEntity || res.Added != 1 || len(res.Rejected) != 2 || res.Rejected[0].Index != 1 || res.Rejected[1].Index != 2 {
		t.Fatalf("batch: %d %+v", code, res)
	}
	if code, _ := post("admin-token", `{"url":"https://x.example/1","title":"t","colour":"red"}`); code != http.StatusBadRequest {
		t.Fatalf("unknown field: %d", code)
	}
	list, _ := env.store.Articles(context.Background(), 10)
	if len(list) != 2 {
		t.Fatalf("stored %d articles", len(list))
	}
}

// TestAdminArticlesWithNUL: JSON may carry \u0000, which PostgreSQL refuses in
// text (SQLSTATE 22021), and with it the whole batch. The articles are stored
// without it, with the others of the batch.
func TestAdminArticlesWithNUL(t *testing.T) {
	env := newSignupEnv(t, server.Config{})
	body := `[{"guid":"n\u00001","url":"https://news.example.org/n1","title":"Bich\u0000kek","summary":"a\u0000b"},
		{"guid":"n2","url":"https://news.example.org/n2","title":"Tachkent"}]`
	req, _ := http.NewRequest(http.MethodPost, env.srv.URL+"/api/admin/articles", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer admin-token")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res store.AddResult
	json.NewDecoder(resp.Body).Decode(&res)
	if resp.StatusCode != http.StatusOK || res.Added != 2 {
		t.Fatalf("%d %+v", resp.StatusCode, res)
	}
	list, err := env.store.Articles(context.Background(), 10)
	if err != nil || len(list) != 2 {
		t.Fatalf("stored %+v, %v", list, err)
	}
	for _, a := range list {
		if strings.ContainsRune(a.GUID+a.Title+a.Summary, 0) || a.GUID == "n1" && (a.Title != "Bichkek" || a.Summary != "ab") {
			t.Errorf("stored %+v", a)
		}
	}
}
