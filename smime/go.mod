module github.com/mailwright/mailwright/smime

go 1.26.0

require (
	github.com/smallstep/pkcs7 v0.2.3
	golang.org/x/net v0.63.0
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

require (
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
