module github.com/mailwright/mailwright/saslmech

go 1.26.0

require (
	github.com/Azure/go-ntlmssp v0.1.1
	golang.org/x/crypto v0.59.0
	golang.org/x/text v0.44.0
)
