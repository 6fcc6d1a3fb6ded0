package bounce

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/caravan-news/caravan/store"
)

// maxPart bounds what is read of one MIME part: reports are small, and the
// returned original is only read for its headers.
const maxPart = 1 << 20

// Parse reads one message and returns the report it carries, or ErrNotReport.
func Parse(raw []byte) (*Report, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotReport, err)
	}
	p := &parser{rep: &Report{}}
	for _, name := range []string{"To", "Delivered-To", "X-Original-To", "Envelope-To"} {
		p.addAddresses(msg.Header[name]...)
	}
	h := msg.Header
	if err := p.walk(h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), msg.Body, 0); err != nil {
		return nil, err
	}
	if !p.found {
		return nil, ErrNotReport
	}
	return p.rep, nil
}

// parser gathers a Report from the parts of one message.
type parser struct {
	rep   *Report
	found bool // a delivery-status or feedback-report part was read
}

// walk visits a part and, for a multipart, the parts inside it.
func (p *parser) walk(contentType, encoding string, body io.Reader, depth int) error {
	ctype, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		ctype = "text/plain"
	}
	if strings.EqualFold(strings.TrimSpace(encoding), "base64") {
		body = base64.NewDecoder(base64.StdEncoding, body) // it skips line breaks
	}
	body = io.LimitReader(body, maxPart)
	switch {
	case strings.HasPrefix(ctype, "multipart/") && depth < 5:
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%w: %v", ErrNotReport, err)
			}
			// multipart.Reader has already undone quoted-printable.
			if err := p.walk(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part, depth+1); err != nil {
				return err
			}
		}
	case ctype == "message/delivery-status", ctype == "message/global-delivery-status":
		p.found = true
		return p.deliveryStatus(body)
	case ctype == "message/feedback-report":
		p.found = true
		return p.feedbackReport(body)
	case ctype == "message/rfc822", ctype == "text/rfc822-headers", ctype == "message/rfc822-headers",
		ctype == "message/global", ctype == "message/global-headers":
		p.original(body)
	}
	return nil
}

// fieldBlocks reads the blank-line separated blocks of "Name: value" fields
// that delivery-status and feedback-report parts are made of.
func fieldBlocks(body io.Reader) []textproto.MIMEHeader {
	r := textproto.NewReader(bufio.NewReader(body))
	var blocks []textproto.MIMEHeader
	for range 1000 {
		h, err := r.ReadMIMEHeader()
		if len(h) > 0 {
			blocks = append(blocks, h)
		}
		if err != nil {
			break
		}
	}
	return blocks
}

// deliveryStatus reads RFC 3464 fields: a per-message block, then one block
// per recipient. The first recipient that failed decides, or else the first.
func (p *parser) deliveryStatus(body io.Reader) error {
	blocks := fieldBlocks(body)
	var rcpt textproto.MIMEHeader
	for _, b := range blocks {
		if b.Get("Action") == "" && b.Get("Final-Recipient") == "" {
			continue // the per-message block
		}
		if rcpt == nil || (!strings.EqualFold(rcpt.Get("Action"), "failed") && strings.EqualFold(b.Get("Action"), "failed")) {
			rcpt = b
		}
	}
	if rcpt == nil {
		return fmt.Errorf("%w: delivery status names no recipient", ErrNotReport)
	}
	diag := typedValue(rcpt.Get("Diagnostic-Code"))
	status := strings.TrimSpace(rcpt.Get("Status"))
	if _, _, d := splitStatus(status); d == "" {
		status = statusIn.FindString(diag)
	}
	p.rep.Kind = kindOf(strings.TrimSpace(rcpt.Get("Action")), status)
	p.rep.Status = status
	p.rep.Reason = strings.Join(strings.Fields(diag), " ")
	if p.rep.Reason == "" {
		p.rep.Reason = strings.TrimSpace(rcpt.Get("Action") + " " + status)
	}
	p.rep.Recipient = typedValue(rcpt.Get("Final-Recipient"))
	return nil
}

// statusIn finds an RFC 3463 code inside a diagnostic such as "550 5.1.1 unknown".
var statusIn = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)

// typedValue drops the type of an RFC 3464 typed field: "rfc822; a@b" is "a@b".
func typedValue(v string) string {
	if _, rest, ok := strings.Cut(v, ";"); ok {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(v)
}

// feedbackReport reads the RFC 5965 fields. Abuse and fraud reports are
// complaints; the others (virus, not-spam, other) ask nothing of a sender.
func (p *parser) feedbackReport(body io.Reader) error {
	blocks := fieldBlocks(body)
	if len(blocks) == 0 {
		return fmt.Errorf("%w: empty feedback report", ErrNotReport)
	}
	f := blocks[0]
	kind := strings.ToLower(strings.TrimSpace(f.Get("Feedback-Type")))
	if kind == "abuse" || kind == "fraud" {
		p.rep.Kind = store.BounceComplaint
	}
	p.rep.Reason = "feedback-type: " + kind
	if ua := f.Get("User-Agent"); ua != "" {
		p.rep.Reason += " (" + ua + ")"
	}
	p.rep.Recipient = strings.Trim(strings.TrimSpace(f.Get("Original-Rcpt-To")), "<>")
	p.addAddresses(f.Values("Original-Mail-From")...)
	return nil
}

// original reads the headers of the returned message: its Return-Path (the
// VERP address, where the receiver kept it) and its List-Unsubscribe links.
func (p *parser) original(body io.Reader) {
	h, _ := textproto.NewReader(bufio.NewReader(body)).ReadMIMEHeader()
	p.addAddresses(h.Values("Return-Path")...)
	for _, v := range h.Values("List-Unsubscribe") {
		for _, m := range angleURL.FindAllStringSubmatch(v, -1) {
			p.rep.Unsubscribe = append(p.rep.Unsubscribe, m[1])
		}
	}
	if p.rep.Recipient == "" {
		if to, err := mail.ParseAddress(h.Get("To")); err == nil {
			p.rep.Recipient = to.Address
		}
	}
}

var angleURL = regexp.MustCompile(`<(https?://[^>\s]+)>`)

// addAddresses adds the addresses of address-list header values; a value that
// does not parse is kept as it is, trimmed of brackets.
func (p *parser) addAddresses(values ...string) {
	for _, v := range values {
		list, err := mail.ParseAddressList(v)
		if err != nil {
			p.rep.Addresses = append(p.rep.Addresses, strings.Trim(strings.TrimSpace(v), "<>"))
			continue
		}
		for _, a := range list {
			p.rep.Addresses = append(p.rep.Addresses, a.Address)
		}
	}
}
