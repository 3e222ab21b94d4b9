module github.com/mailwright/mailwright/tools/bench

go 1.26.0

require (
	github.com/emersion/go-msgauth v0.7.0
	github.com/emersion/go-sasl v0.0.0-20241020182733-b788ff22d5a6
	github.com/emersion/go-smtp v0.26.0
	github.com/mailwright/mailwright/dkim v0.0.0
	github.com/mailwright/mailwright/mailsender v0.0.0-00010101000000-000000000000
	github.com/mailwright/mailwright/mime v0.0.0
	github.com/mailwright/mailwright/saslmech v0.0.0
	github.com/mailwright/mailwright/smtpclient v0.0.0
	github.com/mailwright/mailwright/tlsprofile v0.0.0
	github.com/wneessen/go-mail v0.8.1
)

require (
	github.com/Azure/go-ntlmssp v0.1.1 // indirect
	github.com/mailwright/mailwright/oauthgmail v0.0.0 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/net v0.63.0 // indirect
	golang.org/x/oauth2 v0.38.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	software.sslmate.com/src/go-pkcs12 v0.7.4 // indirect
)

replace (
	github.com/mailwright/mailwright/dkim => ../../dkim
	github.com/mailwright/mailwright/mailsender => ../../mailsender
	github.com/mailwright/mailwright/mime => ../../mime
	github.com/mailwright/mailwright/oauthgmail => ../../oauthgmail
	github.com/mailwright/mailwright/saslmech => ../../saslmech
	github.com/mailwright/mailwright/smime => ../../smime
	github.com/mailwright/mailwright/smtpclient => ../../smtpclient
	github.com/mailwright/mailwright/tlsprofile => ../../tlsprofile
)
