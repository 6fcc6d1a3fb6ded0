package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/caravan-news/caravan/mailer/smtpsink"
	"github.com/caravan-news/caravan/store"
)

// benchArticles is how many new articles the benchmark's digest run lists.
const benchArticles = 30

// benchSince is how long ago the seeded subscribers confirmed: every article
// seeded afterwards is new to them.
const benchSince = 48 * time.Hour

// seedChunk is how many subscribers are generated and written at once.
const seedChunk = 5000

// benchMix counts what was seeded.
type benchMix struct {
	daily, french int
	dailySum      uint64 // smtpsink.RecipientSum of one message to each daily subscriber
}

// seedBench writes n active subscribers with a realistic mix, then the
// articles: 60 % French and 40 % English readers, 70 % daily and 30 % weekly,
// a third following all five countries and the others one to three.
func seedBench(ctx context.Context, st *store.Store, n int, seed uint64) (benchMix, error) {
	rng := rand.New(rand.NewPCG(seed, 0x63617261))
	since := time.Now().Add(-benchSince)
	var mix benchMix
	chunk := make([]store.SeedSubscriber, 0, seedChunk)
	for i := range n {
		sub := store.SeedSubscriber{Email: fmt.Sprintf("reader%07d@bench.example.org", i+1),
			Frequency: "weekly", Locale: "en", Since: since}
		if rng.IntN(10) < 7 {
			sub.Frequency = "daily"
			mix.daily++
			mix.dailySum += smtpsink.RecipientHash(sub.Email)
		}
		if rng.IntN(10) < 6 {
			sub.Locale = "fr"
			mix.french++
		}
		if rng.IntN(3) > 0 {
			sub.Countries = pickCountries(rng, 1+rng.IntN(3))
		}
		chunk = append(chunk, sub)
		if len(chunk) == seedChunk || i == n-1 {
			if err := st.SeedSubscribers(ctx, chunk); err != nil {
				return mix, err
			}
			chunk = chunk[:0]
		}
	}
	if _, _, err := st.UpsertArticles(ctx, 0, benchArticleInputs(rng)); err != nil {
		return mix, err
	}
	// A run takes the articles that arrived strictly before its cutoff, in milliseconds.
	time.Sleep(5 * time.Millisecond)
	return mix, nil
}

// pickCountries returns k different codes, in Caravan's order.
func pickCountries(rng *rand.Rand, k int) []string {
	var out []string
	for _, i := range rng.Perm(len(store.Countries))[:k] {
		out = append(out, store.Countries[i])
	}
	out, _ = store.NormalizeCountries(out)
	return out
}

// benchArticleInputs are articles of news-site length: one in six is
// regional news (no country), the others about one or two countries.
func benchArticleInputs(rng *rand.Rand) []store.ArticleInput {
	words := strings.Fields(`Asie centrale Kirghizistan Bichkek Almaty Tachkent Douchanbé Achgabat gouvernement
		élection réforme frontière eau énergie barrage coton gaz pipeline Chine Russie commerce route corridor
		manifestation presse liberté journaliste tribunal parlement président ministre accord sécurité migration
		travailleurs transferts économie inflation monnaie banque récolte sécheresse glacier montagne steppe`)
	phrase := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = words[rng.IntN(len(words))]
		}
		return strings.Join(ws, " ")
	}
	now := time.Now()
	out := make([]store.ArticleInput, benchArticles)
	for i := range out {
		var countries []string
		if i%6 != 5 {
			countries = pickCountries(rng, 1+rng.IntN(2))
		}
		title := phrase(8 + rng.IntN(6))
		out[i] = store.ArticleInput{
			GUID:        fmt.Sprintf("bench-%d", i),
			URL:         fmt.Sprintf("https://news.bench.example.org/articles/2026/%d-actualite-asie-centrale", 1000+i),
			Title:       title,
			Summary:     "<p>" + phrase(30+rng.IntN(15)) + ".</p>",
			Countries:   countries,
			PublishedAt: now.Add(-time.Duration(i) * 40 * time.Minute),
		}
	}
	return out
}
