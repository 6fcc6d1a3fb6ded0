package main

import (
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// readerMails writes the readers' side mails for TestScreenshots: welcome,
// reminder and lost link.
func readerMails(t *testing.T, c *digest.Composer, reader store.Subscriber, now time.Time, write func(string, io.WriterTo)) {
	t.Helper()
	c.ArchiveURL = c.BaseURL + "/archive"
	welcome, err := c.Welcome(reader, sampleArticles(reader.Locale, now), templates.Schedule("fr", "daily", "0 7 * * *"),
		now.Add(24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	write("welcome", welcome)
	reminder, err := c.Reminder(reader, now)
	if err != nil {
		t.Fatal(err)
	}
	write("reminder", reminder)
	manage, err := c.ManageLink(reader, now)
	if err != nil {
		t.Fatal(err)
	}
	write("manage", manage)
}

// readerShots are the pictures of the readers' side: the lost-link page, the
// archive and an edition, and their mails.
func readerShots(t *testing.T, env *browserEnv, mails map[string]string, nav func(string) []chromedp.Action[chromedp.Void]) []shot {
	t.Helper()
	seedEditions(t, filepath.Join(env.caravan.dir, "caravan.db"), 8)
	base := env.caravan.url
	sent := []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/manage"),
		chromedp.SendKeys(chromedp.CSS("#caravan-email"), "lecteur@example.org"),
		chromedp.Click(chromedp.CSS(".cvn-submit"), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS("[role=status]"))}
	yesterday := time.Now().In(paris(t)).AddDate(0, 0, -1).Format(time.DateOnly)
	return []shot{
		{"manage", "fr", false, nav(base + "/manage")},
		{"manage-sent", "fr", false, sent},
		{"archive", "fr", false, nav(base + "/archive")},
		{"archive-en", "en", false, nav(base + "/archive?lang=en")},
		{"edition", "fr", false, nav(base + "/archive/daily/" + yesterday)},
		{"edition-dark", "fr", true, nav(base + "/archive/daily/" + yesterday + "?country=kg")},
		{"mail-welcome", "fr", false, nav("file://" + mails["welcome"])},
		{"mail-reminder", "fr", false, nav("file://" + mails["reminder"])},
		{"mail-manage", "fr", false, nav("file://" + mails["manage"])},
	}
}

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
