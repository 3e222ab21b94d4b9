module github.com/mailwright/mailwright/tlsprofile

go 1.26

require (
	github.com/google/go-cmp v0.7.0
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

require golang.org/x/crypto v0.11.0 // indirect
