package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

// adminRequest sends an admin API request to p and decodes the JSON answer into out.
func adminRequest(t *testing.T, p *program, token, method, path, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// TestReadersGetArticlesInTheirLanguage: articles keep the language the API
// gives them (a tag such as fr-FR, country names accepted as in feeds), the
// API lists and filters them by it, and a digest run sends each reader the
// articles in their language and those with none.
func TestReadersGetArticlesInTheirLanguage(t *testing.T) {
	dir := t.TempDir()
	token := strings.Repeat("t", 40)
	env := map[string]string{"CARAVAN_ADMIN_TOKEN": token, "CARAVAN_DAILY_AT": "0 0 29 2 *", "CARAVAN_RATE_LIMIT": "0"}
	p := startServe(t, dir, env)
	for _, r := range []struct{ email, lang string }{{"fr-reader@example.org", "fr"}, {"en-reader@example.org", "en"}} {
		form := fmt.Sprintf("email=%s&countries=kg&frequency=daily&lang=%s", r.email, r.lang)
		resp, err := noRedirect.Post(p.url+"/subscribe", "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	emls := waitOutbox(t, dir, 2)
	walkConfirmAny(t, p.url, emls[0])
	walkConfirmAny(t, p.url, emls[1])

	var added store.AddResult
	code := adminRequest(t, p, token, "POST", "/api/admin/articles", `[
		{"url":"https://news.example.org/fr/1","title":"Bichkek inaugure un tramway","countries":["Kirghizistan"],"lang":"fr-FR"},
		{"url":"https://news.example.org/en/1","title":"Bishkek opens a tram line","countries":["Kyrgyzstan"],"lang":"en"},
		{"url":"https://news.example.org/photo/1","title":"Issyk-Koul 📷","countries":["kg"]}]`, &added)
	if code != 200 || added.Added != 3 {
		t.Fatalf("add articles: %d %+v", code, added)
	}
	var list struct{ Articles []store.Article }
	if code := adminRequest(t, p, token, "GET", "/api/admin/articles?country=Kirghizistan&lang=fr&since=2020-01-01", "", &list); code != 200 ||
		len(list.Articles) != 1 || list.Articles[0].Lang != "fr" || list.Articles[0].Countries[0] != "kg" {
		t.Fatalf("filtered list: %d %+v", code, list)
	}
	if code := adminRequest(t, p, token, "GET", "/api/admin/articles?since=yesterday", "", nil); code != 400 {
		t.Fatalf("bad since: %d", code)
	}
	if code := adminRequest(t, p, token, "POST", "/api/admin/articles", `{"url":"https://x.example/1","title":"t","lang":"français"}`, nil); code != 422 {
		t.Fatalf("bad lang: %d", code)
	}
	p.stop()

	if out, err := cli(t, dir, env, "digest", "send", "--frequency", "daily"); err != nil || !strings.Contains(out, "2 sent") {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]string{}
	waitFor(t, "two digests", func() bool {
		for _, raw := range waitOutbox(t, dir, 1) {
			if strings.Contains(string(raw), "Message-ID: <digest.") {
				text, _ := mailParts(t, raw)
				got[headerOf(t, raw, "To")] = text
			}
		}
		return len(got) == 2
	})
	fr, en := got["<fr-reader@example.org>"], got["<en-reader@example.org>"]
	if !strings.Contains(fr, "Bichkek inaugure") || strings.Contains(fr, "Bishkek opens") || !strings.Contains(fr, "Issyk-Koul") {
		t.Errorf("French reader's digest:\n%s", fr)
	}
	if !strings.Contains(en, "Bishkek opens") || strings.Contains(en, "Bichkek inaugure") || !strings.Contains(en, "Issyk-Koul") {
		t.Errorf("English reader's digest:\n%s", en)
	}
}

// walkConfirmAny confirms the sign-up of a confirmation mail in either language.
func walkConfirmAny(t *testing.T, base string, raw []byte) {
	t.Helper()
	path := confirmPath.Find(raw)
	if path == nil {
		t.Fatalf("no confirmation link in:\n%s", raw)
	}
	resp, err := http.Post(base+string(path), "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
}
