module github.com/mailwright/mailwright/mailsender

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/mailwright/mailwright/dkim v0.0.0
	github.com/mailwright/mailwright/mime v0.0.0
	github.com/mailwright/mailwright/oauthgmail v0.0.0
	github.com/mailwright/mailwright/saslmech v0.0.0
	github.com/mailwright/mailwright/smime v0.0.0
	github.com/mailwright/mailwright/smtpclient v0.0.0
	github.com/mailwright/mailwright/tlsprofile v0.0.0
	golang.org/x/net v0.63.0
	golang.org/x/oauth2 v0.38.0
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

require (
	github.com/Azure/go-ntlmssp v0.1.1 // indirect
	github.com/smallstep/pkcs7 v0.2.3 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)

replace (
	github.com/mailwright/mailwright/dkim => ../dkim
	github.com/mailwright/mailwright/mime => ../mime
	github.com/mailwright/mailwright/oauthgmail => ../oauthgmail
	github.com/mailwright/mailwright/saslmech => ../saslmech
	github.com/mailwright/mailwright/smime => ../smime
	github.com/mailwright/mailwright/smtpclient => ../smtpclient
	github.com/mailwright/mailwright/tlsprofile => ../tlsprofile
)
