package main

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// activeReader is a confirmed subscriber, and the preferences link that every
// digest carries for them (digest.Composer.PreferencesURL makes the same).
func activeReader(t *testing.T, env *browserEnv, lang string) (store.Subscriber, string) {
	t.Helper()
	ctx := context.Background()
	res, err := env.store.Subscribe(ctx, store.Signup{Email: uniqueEmail(t.Name()), Countries: []string{"kg"},
		Frequency: "daily", Locale: lang, Consent: store.Consent{Method: "form", Source: "browser test"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := env.store.Confirm(ctx, res.SubscriberID)
	if err != nil {
		t.Fatal(err)
	}
	return sub, env.caravan.url + "/preferences/" + env.links.Make(store.PurposePreferences, sub.ID, 0)
}

// labelOf selects the label of the checkbox or radio button name=value, where a reader clicks.
func labelOf(name, value string) chromedp.CSS {
	return chromedp.CSS(`label:has(> input[name=` + name + `][value=` + value + `])`)
}

// leaveByMouse follows the preferences link of a digest, changes the choices,
// then leaves through the page's unsubscribe link and comes back. In English,
// the reader also switches the newsletter to French, and the pages follow.
func leaveByMouse(t *testing.T, env *browserEnv, tab context.Context, lang string) {
	sub, prefs := activeReader(t, env, lang)
	act(t, tab, chromedp.Navigate(prefs))
	waitText(t, tab, "h1", templates.T(lang, "prefs.title"))
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Click(labelOf("countries", "tj"), chromedp.NodeVisible),
		chromedp.Click(labelOf("frequency", "weekly"), chromedp.NodeVisible),
	}
	after := lang
	if lang == "en" {
		after = "fr"
		steps = append(steps, chromedp.Click(labelOf("lang", "fr"), chromedp.NodeVisible))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS("main form button"), chromedp.NodeVisible))
	act(t, tab, steps...)
	waitURL(t, tab, `\?saved=1$`)
	waitText(t, tab, "[role=status]", templates.T(after, "prefs.saved"))
	wantSubscriber(t, env.store, sub.Email, store.StatusActive, after, "weekly", "kg", "tj")

	act(t, tab, chromedp.Click(chromedp.CSS(`main a[href*="/unsubscribe/"]`), chromedp.NodeVisible))
	waitText(t, tab, "h1", templates.T(after, "unsub.title"))
	act(t, tab, chromedp.Click(chromedp.CSS("main form button"), chromedp.NodeVisible))
	waitText(t, tab, "h1", templates.T(after, "unsub.done.title"))
	waitText(t, tab, "[role=status]", templates.T(after, "unsub.done.body"))
	wantSubscriber(t, env.store, sub.Email, store.StatusUnsubscribed, after, "weekly", "kg", "tj")

	act(t, tab, chromedp.Click(chromedp.CSS("main form button"), chromedp.NodeVisible))
	waitText(t, tab, "h1", templates.T(after, "resubscribed.title"))
	wantSubscriber(t, env.store, sub.Email, store.StatusActive, after, "weekly", "kg", "tj")
}

// leaveByKeyboard changes the frequency and unsubscribes with the keyboard alone.
func leaveByKeyboard(t *testing.T, env *browserEnv, tab context.Context, lang string) {
	sub, prefs := activeReader(t, env, lang)
	act(t, tab, chromedp.Navigate(prefs))
	waitText(t, tab, "h1", templates.T(lang, "prefs.title"))
	tabUntil(t, tab, "input[name=countries][value=uz]", 8)
	press(t, tab, " ")
	tabUntil(t, tab, "input[name=frequency]:checked", 6)
	press(t, tab, kb.ArrowDown)
	tabUntil(t, tab, "main form button", 6)
	press(t, tab, kb.Enter)
	waitURL(t, tab, `\?saved=1$`)
	waitText(t, tab, "[role=status]", templates.T(lang, "prefs.saved"))
	wantSubscriber(t, env.store, sub.Email, store.StatusActive, lang, "weekly", "kg", "uz")

	tabUntil(t, tab, `main a[href*="/unsubscribe/"]`, 20)
	press(t, tab, kb.Enter)
	waitText(t, tab, "h1", templates.T(lang, "unsub.title"))
	tabUntil(t, tab, "main form button", 6)
	press(t, tab, " ")
	waitText(t, tab, "h1", templates.T(lang, "unsub.done.title"))
	wantSubscriber(t, env.store, sub.Email, store.StatusUnsubscribed, lang, "weekly", "kg", "uz")
}
