module github.com/mailwright/mailwright/smtpclient

go 1.26

require (
	github.com/google/go-cmp v0.7.0
	github.com/mailwright/mailwright/saslmech v0.0.0
	github.com/mailwright/mailwright/tlsprofile v0.0.0
)

replace (
	github.com/mailwright/mailwright/saslmech => ../saslmech
	github.com/mailwright/mailwright/tlsprofile => ../tlsprofile
)
