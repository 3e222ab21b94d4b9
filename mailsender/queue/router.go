// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"errors"
	"io"
	"sync"
)

// Router is the [Deliverer] for a queue that holds both SMTP and API
// entries: it hands an entry whose [Profile] names an API (Profile.API
// set) to API, and any other to SMTP. One agent, and one "mailwright
// agent" command, thus delivers every entry [Enqueue] may store. A nil
// field is replaced by the zero value of [SMTP] or [API] on first use.
// Call Close when done.
type Router struct {
	SMTP Deliverer
	API  Deliverer

	once sync.Once
}

func (r *Router) init() {
	r.once.Do(func() {
		if r.SMTP == nil {
			r.SMTP = &SMTP{}
		}
		if r.API == nil {
			r.API = &API{}
		}
	})
}

// Deliver sends e through the deliverer for its profile.
func (r *Router) Deliver(ctx context.Context, e *Entry, rcpts []string, msg io.Reader) Outcome {
	r.init()
	if e.Profile.API != "" {
		return r.API.Deliver(ctx, e, rcpts, msg)
	}
	return r.SMTP.Deliver(ctx, e, rcpts, msg)
}

// Close closes the deliverers that have a Close(ctx) method, such as
// [*SMTP] with its connection pools.
func (r *Router) Close(ctx context.Context) error {
	r.init()
	var errs []error
	for _, d := range []Deliverer{r.SMTP, r.API} {
		if c, ok := d.(interface{ Close(context.Context) error }); ok {
			errs = append(errs, c.Close(ctx))
		}
	}
	return errors.Join(errs...)
}
