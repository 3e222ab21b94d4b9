// SPDX-License-Identifier: Apache-2.0

// Package bench holds benchmarks that compare mailwright with other Go mail
// libraries. It is the only module that imports them.
package bench
