module github.com/mailwright/mailwright/tools

go 1.26.0

require (
	github.com/mailwright/mailwright/dkim v0.0.0
	github.com/mailwright/mailwright/mailsender v0.0.0
	github.com/mailwright/mailwright/mailsender/jetstream v0.0.0
	github.com/mailwright/mailwright/oauthgmail v0.0.0
	github.com/mailwright/mailwright/saslmech v0.0.0
	github.com/mailwright/mailwright/smime v0.0.0
	github.com/mailwright/mailwright/smtpclient v0.0.0
	github.com/mailwright/mailwright/tlsprofile v0.0.0
	github.com/nats-io/nats-server/v2 v2.15.3
	github.com/nats-io/nats.go v1.56.0
)

require (
	github.com/antithesishq/antithesis-sdk-go v0.9.0-default-no-op // indirect
	github.com/google/go-tpm v0.9.8 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/minio/highwayhash v1.0.4 // indirect
	github.com/nats-io/jwt/v2 v2.8.3 // indirect
	github.com/nats-io/nkeys v0.4.17 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/time v0.16.0 // indirect
)

require (
	github.com/Azure/go-ntlmssp v0.1.1 // indirect
	github.com/mailwright/mailwright/conformance v0.0.0
	github.com/mailwright/mailwright/mime v0.0.0 // indirect
	github.com/smallstep/pkcs7 v0.2.3 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/net v0.63.0 // indirect
	golang.org/x/oauth2 v0.38.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

replace (
	github.com/mailwright/mailwright/dkim => ../dkim
	github.com/mailwright/mailwright/mailsender => ../mailsender
	github.com/mailwright/mailwright/mailsender/jetstream => ../mailsender/jetstream
	github.com/mailwright/mailwright/mime => ../mime
	github.com/mailwright/mailwright/oauthgmail => ../oauthgmail
	github.com/mailwright/mailwright/saslmech => ../saslmech
	github.com/mailwright/mailwright/smime => ../smime
	github.com/mailwright/mailwright/smtpclient => ../smtpclient
	github.com/mailwright/mailwright/tlsprofile => ../tlsprofile
)

replace github.com/mailwright/mailwright/conformance => ../conformance
