// SPDX-License-Identifier: Apache-2.0

// Module tools holds the mailwright command-line program
// (tools/cmd/mailwright). It has no importable API.
package tools
