package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// seedEditions fills the database at dbPath with daily runs on each of the
// days days before now (and a weekly run a week ago), each covering two
// articles that arrived an hour before it: one about Kyrgyzstan, one about
// Uzbekistan on even days and regional news on odd ones.
func seedEditions(t *testing.T, dbPath string, days int) {
	t.Helper()
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	today := time.Now().In(paris)
	first := time.Date(today.Year(), today.Month(), today.Day(), 7, 0, 0, 0, paris).AddDate(0, 0, -days)
	clock := storetest.NewClock(first.Add(-time.Hour))
	st, err := store.Open(ctx, dbPath, store.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run := func(freq string) {
		clock.Add(time.Hour)
		r, started, err := st.StartRun(ctx, freq, clock.Now(), "seed", time.Minute)
		if err == nil && started { // not started: seeded already
			_, err = st.FinishRun(ctx, r.ID, "seed", store.RunDone)
		}
		if err != nil {
			t.Fatal(err)
		}
		clock.Add(-time.Hour)
	}
	for d := range days {
		day := clock.Now().In(paris).Format(time.DateOnly)
		other := store.ArticleInput{GUID: "uz-" + day, URL: "https://news.example.org/uz/" + day,
			Title: "Tachkent, le " + day, Summary: "<p>Le <b>marché</b> de Tachkent</p>", Countries: []string{"uz"}}
		if d%2 == 1 {
			other = store.ArticleInput{GUID: "r-" + day, URL: "https://news.example.org/r/" + day, Title: "La région, le " + day}
		}
		if _, _, err := st.UpsertArticles(ctx, 0, []store.ArticleInput{{GUID: "kg-" + day,
			URL: "https://news.example.org/kg/" + day, Title: "Bichkek, le " + day, Countries: []string{"kg"}}, other}); err != nil {
			t.Fatal(err)
		}
		run("daily")
		if d == days-7 {
			run("weekly")
		}
		clock.Add(24 * time.Hour)
	}
}

var editionLink = regexp.MustCompile(`href="(/archive/(daily|weekly)/(\d{4}-\d\d-\d\d))\?lang=fr"`)

// TestArchiveThroughTheProgram reads the public archive of a program with 25
// days of editions: the list pages newest first, an edition by country and
// filtered, the Atom feeds (parsed as Atom), the links from the signup page,
// and the archive turned off.
func TestArchiveThroughTheProgram(t *testing.T) {
	dir := t.TempDir()
	seedEditions(t, filepath.Join(dir, "caravan.db"), 25)
	h := startReaders(t, dir, nil)

	code, page := getPage(t, h.url+"/archive?lang=fr")
	links := editionLink.FindAllStringSubmatch(page, -1)
	if code != 200 || len(links) != 20 || !strings.Contains(page, `rel="next"`) || strings.Contains(page, `rel="prev"`) {
		t.Fatalf("archive page 1: %d, %d editions\n%s", code, len(links), page)
	}
	for i := 1; i < len(links); i++ {
		if links[i][3] > links[i-1][3] {
			t.Fatalf("not newest first: %s after %s", links[i][3], links[i-1][3])
		}
	}
	_, page2 := getPage(t, h.url+"/archive?lang=fr&page=2")
	if n := len(editionLink.FindAllString(page2, -1)); n != 6 || !strings.Contains(page2, `rel="prev"`) || strings.Contains(page2, `rel="next"`) {
		t.Fatalf("archive page 2: %d editions, want 6 (25 daily, 1 weekly)\n%s", n, page2)
	}
	if code, _ := getPage(t, h.url+"/archive?page=zero"); code != http.StatusBadRequest {
		t.Fatalf("page=zero: %d", code)
	}

	// An even day: Kyrgyzstan and Uzbekistan; filtered to Kyrgyzstan, no Tashkent.
	var even string
	for _, l := range links {
		if l[2] == "daily" && strings.Contains(mustGet(t, h.url+l[1]), "Tachkent") {
			even = l[1]
			break
		}
	}
	if even == "" {
		t.Fatal("no edition with an article about Uzbekistan")
	}
	day := even[len(even)-10:]
	ed := mustGet(t, h.url+even+"?lang=fr")
	for _, want := range []string{"Lettre quotidienne du", `id="group-kg"`, `id="group-uz"`, "Bichkek, le " + day,
		"https://news.example.org/kg/" + day, "Le marché de Tachkent", `<option value="kg"`} {
		if !strings.Contains(ed, want) {
			t.Errorf("edition %s lacks %q", even, want)
		}
	}
	if strings.Contains(ed, "<b>") {
		t.Errorf("edition passes on the summary's markup")
	}
	kg := mustGet(t, h.url+even+"?country=kg")
	if !strings.Contains(kg, "Bichkek, le "+day) || strings.Contains(kg, "Tachkent") || !strings.Contains(kg, `value="kg" selected`) {
		t.Errorf("edition filtered to kg:\n%s", kg)
	}
	for path, want := range map[string]int{
		even + "?country=fr":         http.StatusBadRequest,
		"/archive/daily/1999-01-01":  http.StatusNotFound,
		"/archive/hourly/" + day:     http.StatusNotFound,
		"/archive/daily/not-a-date":  http.StatusNotFound,
		"/archive.atom?country=mars": http.StatusBadRequest,
	} {
		if code, _ := getPage(t, h.url+path); code != want {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
	}

	if _, page := getPage(t, h.url+"/archive/daily/1999-01-01"); !strings.Contains(page, "Lettre introuvable") {
		t.Errorf("a missing edition's page does not say so:\n%s", page)
	}
	feed := checkAtom(t, h.url+"/archive.atom?lang=fr")
	if len(feed.Items) != 20 || !strings.HasSuffix(feed.Items[0].Link, "?lang=fr") {
		t.Fatalf("feed: %d entries, first %+v", len(feed.Items), feed.Items[0])
	}
	// What a reader of Uzbekistan got: its news and regional news, never Kyrgyzstan's.
	uz := checkAtom(t, h.url+"/archive.atom?country=uz")
	for _, it := range uz.Items {
		if !strings.Contains(it.Content, "Tachkent") && !strings.Contains(it.Content, "La région") ||
			strings.Contains(it.Content, "Bichkek") || !strings.Contains(it.Link, "country=uz") {
			t.Fatalf("uz feed entry: %+v", it)
		}
	}
	if len(uz.Items) != 20 {
		t.Errorf("uz feed: %d entries, want 20", len(uz.Items))
	}

	signup := mustGet(t, h.url+"/")
	if !strings.Contains(signup, `href="/archive?lang=fr"`) || !strings.Contains(signup, `href="/manage?lang=fr"`) {
		t.Errorf("the signup page links neither the archive nor the lost-link page")
	}

	oldest := links[0][1]
	for _, l := range editionLink.FindAllStringSubmatch(page2, -1) {
		oldest = l[1]
	}
	h.stop()
	// Ten days of retention: older editions are gone.
	short := startReaders(t, dir, map[string]string{"CARAVAN_ARCHIVE": "240h"})
	if n := len(editionLink.FindAllString(mustGet(t, short.url+"/archive?lang=fr"), -1)); n < 10 || n > 12 {
		t.Errorf("ten days of retention: %d editions listed", n)
	}
	if code, _ := getPage(t, short.url+oldest); code != http.StatusNotFound {
		t.Errorf("an edition past the retention: %d", code)
	}
	short.stop()

	off := startReaders(t, dir, map[string]string{"CARAVAN_ARCHIVE": "off"})
	for _, path := range []string{"/archive", even, "/archive.atom"} {
		if code, _ := getPage(t, off.url+path); code != http.StatusNotFound {
			t.Errorf("archive off, %s: %d", path, code)
		}
	}
	if strings.Contains(mustGet(t, off.url+"/"), "/archive") {
		t.Errorf("archive off, the signup page still links it")
	}
}

func mustGet(t *testing.T, u string) string {
	t.Helper()
	code, body := getPage(t, u)
	if code != 200 {
		t.Fatalf("GET %s: %d\n%s", u, code, body)
	}
	return body
}

// checkAtom fetches an Atom feed and checks it as RFC 4287 wants: the Atom
// namespace, the feed's and each entry's id, title and updated (RFC 3339),
// an author, a self link; then parses it with gofeed.
func checkAtom(t *testing.T, u string) *gofeed.Feed {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("%s: %d %s", u, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var raw strings.Builder
	var doc struct {
		XMLName xml.Name
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Author  struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Links []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Content struct {
				Type string `xml:"type,attr"`
			} `xml:"content"`
		} `xml:"entry"`
	}
	dec := xml.NewDecoder(strings.NewReader(readAll(t, resp, &raw)))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s is not XML: %v", u, err)
	}
	if doc.XMLName.Space != "http://www.w3.org/2005/Atom" || doc.XMLName.Local != "feed" {
		t.Fatalf("root %v", doc.XMLName)
	}
	check := func(what, id, title, updated string) {
		if _, err := time.Parse(time.RFC3339, updated); err != nil || id == "" || title == "" {
			t.Errorf("%s: id %q title %q updated %q", what, id, title, updated)
		}
	}
	check("feed", doc.ID, doc.Title, doc.Updated)
	self := false
	for _, l := range doc.Links {
		self = self || (l.Rel == "self" && l.Href != "")
	}
	if !self || doc.Author.Name == "" {
		t.Errorf("feed without a self link or an author")
	}
	ids := map[string]bool{}
	for i, e := range doc.Entries {
		check(fmt.Sprint("entry ", i), e.ID, e.Title, e.Updated)
		if ids[e.ID] || e.Content.Type != "html" {
			t.Errorf("entry %d: id %q repeated or content type %q", i, e.ID, e.Content.Type)
		}
		ids[e.ID] = true
	}
	f, err := gofeed.NewParser().ParseString(raw.String())
	if err != nil || f.FeedType != "atom" {
		t.Fatalf("gofeed: %v %+v", err, f)
	}
	return f
}

func readAll(t *testing.T, resp *http.Response, into *strings.Builder) string {
	t.Helper()
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		into.Write(buf[:n])
		if err != nil {
			return into.String()
		}
	}
}
