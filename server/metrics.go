package server

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/caravan-news/caravan/store"
)

// MetricsSource reads the numbers /metrics reports.
type MetricsSource interface {
	Metrics(ctx context.Context) (store.Metrics, error)
}

// NewMetrics returns the /metrics handler: Caravan's counters, read from the
// store at each scrape, so that nothing is mutated from all over the code and
// every process (serve, the CLI, cron's digest send) adds to the same numbers;
// and the process's own metrics (Go runtime, CPU, memory, file descriptors).
func NewMetrics(src MetricsSource, log *slog.Logger) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&storeCollector{src: src, log: log})
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("caravan_"+name, help, labels, nil)
}

var (
	descSignups       = desc("signups_total", "Signups through the form or the API (each one that was recorded).")
	descConfirmations = desc("confirmations_total", "Double opt-in confirmations.")
	descResubscribes  = desc("resubscribes_total", "People who came back from a signed link after leaving.")
	descImported      = desc("imported_subscribers_total", "Subscribers added by CSV imports.")
	descUnsubscribes  = desc("unsubscribes_total", "Subscribers who left, by channel.", "channel")
	descBounces       = desc("bounce_reports_total", "Bounce and complaint reports received, by kind.", "kind")
	descErasures      = desc("erasures_total", "Subscribers erased on request.")
	descReconsent     = desc("reconsent_requests_total", "Re-consent mails queued.")
	descSubscribers   = desc("subscribers", "Subscribers now, by status.", "status")
	descMessages      = desc("messages_total", "Messages sent or failed, by kind (digest, confirm, reconsent).", "kind", "result")
	descQueued        = desc("outbox_queued", "One-off mails waiting in the outbox.")
	descRuns          = desc("digest_runs_total", "Digest runs, by frequency and status.", "frequency", "status")
	descRunDuration   = desc("digest_run_duration_seconds", "Duration of finished digest runs.", "frequency")
	descFeedErrors    = desc("feed_poll_errors_total", "Feed polls that failed.")
	descFeeds         = desc("feeds", "Feeds configured.")
	descFeedsFailing  = desc("feeds_failing", "Feeds configured whose latest poll failed.")
	descDaySent       = desc("day_sent", "Mails sent on the day (UTC), today or yesterday.", "day")
	descDayComplaints = desc("day_complaints", "Complaint reports received on the day (UTC).", "day")
	descComplaintRate = desc("complaint_rate", "Complaints over mails sent on the day (UTC); mailbox providers want under 0.003, 0.001 recommended.", "day")

	allDescs = []*prometheus.Desc{descSignups, descConfirmations, descResubscribes, descImported, descUnsubscribes,
		descBounces, descErasures, descReconsent, descSubscribers, descMessages, descQueued, descRuns, descRunDuration,
		descFeedErrors, descFeeds, descFeedsFailing, descDaySent, descDayComplaints, descComplaintRate}

	unsubscribeChannels = []string{store.ChannelLink, store.ChannelOneClick, store.ChannelAdmin, store.ChannelBounce,
		store.ChannelComplaint, store.ChannelReconsent}
	runBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200}
)

// storeCollector turns store.Metrics into Prometheus metrics at scrape time.
type storeCollector struct {
	src MetricsSource
	log *slog.Logger
}

// Describe sends the descriptions of every metric Collect may send.
func (s *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

// Collect reads the store and sends the current values.
func (s *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := s.src.Metrics(ctx)
	if err != nil {
		s.log.Error("metrics", "err", err)
		ch <- prometheus.NewInvalidMetric(descSubscribers, err) // the scrape fails, visibly
		return
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	counter(descSignups, m.Events["signup"])
	counter(descConfirmations, m.Events["confirm"])
	counter(descResubscribes, m.Events["resubscribe"])
	counter(descImported, m.Events["import"])
	counter(descErasures, m.Events["erase"])
	counter(descReconsent, m.Events["reconsent_asked"])
	counter(descFeedErrors, m.Events["feed_poll_error"])
	for _, c := range unsubscribeChannels {
		counter(descUnsubscribes, m.Events["unsubscribe."+c], c)
	}
	for _, k := range store.BounceKinds {
		counter(descBounces, m.Events["bounce."+k], k)
	}
	for status, n := range m.Subscribers {
		gauge(descSubscribers, n, status)
	}
	var sent, failed, queued int64
	for _, r := range m.Runs {
		counter(descRuns, r.Runs, r.Frequency, r.Status)
		sent, failed = sent+int64(r.Sent), failed+int64(r.FailedTemp+r.FailedPerm)
	}
	counter(descMessages, sent, "digest", "sent")
	counter(descMessages, failed, "digest", "failed")
	for _, kind := range []string{store.MailConfirm, store.MailReconsent} {
		counter(descMessages, m.Outbox[kind]["sent"], kind, "sent")
		counter(descMessages, m.Outbox[kind]["failed"], kind, "failed")
	}
	for _, byStatus := range m.Outbox {
		queued += byStatus["queued"]
	}
	gauge(descQueued, queued)
	for freq, secs := range m.RunDurations {
		ch <- runHistogram(freq, secs)
	}
	gauge(descFeeds, m.Feeds)
	gauge(descFeedsFailing, m.FeedsFailing)
	for day, c := range map[string]store.DayCount{"today": m.Today, "yesterday": m.Yesterday} {
		gauge(descDaySent, c.Sent, day)
		gauge(descDayComplaints, c.Complaints, day)
		ch <- prometheus.MustNewConstMetric(descComplaintRate, prometheus.GaugeValue, c.ComplaintRate, day)
	}
}

// runHistogram builds the duration histogram of one frequency's runs.
func runHistogram(freq string, secs []float64) prometheus.Metric {
	sort.Float64s(secs)
	buckets := make(map[float64]uint64, len(runBuckets))
	var sum float64
	for _, s := range secs {
		sum += s
	}
	i := 0
	for _, b := range runBuckets {
		for i < len(secs) && secs[i] <= b {
			i++
		}
		buckets[b] = uint64(i)
	}
	return prometheus.MustNewConstHistogram(descRunDuration, uint64(len(secs)), sum, buckets, freq)
}
