// SPDX-License-Identifier: Apache-2.0

// Package replay plays recorded SMTP dialogues from the server side, so a
// client can be tested against the exact bytes a real server sends.
//
// # Transcript format
//
// A transcript is a text file. Lines before the dialogue are settings,
// "key: value", that tell the test what to ask of the client and what
// outcome to expect; "#" starts a comment anywhere. The dialogue is one line
// per exchange:
//
//	S: 250-mail.example.test     a line the server sends (CRLF is added)
//	C: MAIL FROM:<a@example.test> SIZE=<num>
//	                             a line the client must send next
//	C: <data>                    the message text, up to the "." line
//
// In "C:" lines, placeholders stand for values that legitimately vary:
// <b64> (base64, possibly empty), <num>, <word> (no space), <hostname>
// and <any>. After a client line "BDAT n [LAST]" the server reads the n
// octets of the chunk by itself.
//
// Consecutive "S:" lines are written in one write, like a server answering
// a pipelined burst. Directives cover what is not a line:
//
//	@flush          write what is buffered now (split packets)
//	@raw "text"     write Go-quoted bytes as they are (no CRLF added)
//	@starttls       perform the TLS handshake as the server
//	@close          close the connection
//	@stall [2s]     stop answering, for a while or until the client gives up
//	@repeat N "x"   write the Go-quoted bytes N times (floods); a client
//	                that hangs up during it ends the dialogue
//
// After the last step the server waits for the client to hang up; any
// further line is a mismatch. To add a transcript captured from your own
// server, remove secrets first: replace AUTH payloads by <b64>, message text
// by <data>, and host names as you like.
package replay
