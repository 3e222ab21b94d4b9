module github.com/mailwright/mailwright/smime

go 1.26

require (
	github.com/smallstep/pkcs7 v0.2.3
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

require golang.org/x/crypto v0.11.0 // indirect
